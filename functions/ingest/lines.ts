/**
 * Streaming line reading, so the full upstream files (hundreds of MB) are never held in memory,
 * and the split a file belongs to, read from its name.
 */
import { basename } from "node:path";
import { readStream } from "../io/objects.ts";

/** One line of a file: its 1-based number and its text without the line ending. */
export interface Line {
  line: number;
  text: string;
}

/**
 * The lines of a UTF-8 object (local path, file:// or s3://), in order, with `\r\n` endings and a
 * leading BOM removed. Decodes chunk by chunk, so memory stays at one chunk plus one line.
 */
export async function* readLines(uri: string): AsyncGenerator<Line> {
  const decoder = new TextDecoder("utf-8");
  let pending = "";
  let line = 0;
  const emit = (raw: string): Line => {
    line++;
    const text = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    return { line, text: line === 1 ? text.replace(/^\uFEFF/, "") : text };
  };
  for await (const chunk of readStream(uri)) {
    pending += decoder.decode(chunk, { stream: true });
    let start = 0;
    for (let nl = pending.indexOf("\n"); nl !== -1; nl = pending.indexOf("\n", start)) {
      yield emit(pending.slice(start, nl));
      start = nl + 1;
    }
    pending = pending.slice(start);
  }
  pending += decoder.decode();
  if (pending !== "") yield emit(pending);
}

const SPLIT_WORDS = /(train|test|eval|dev|validation|valid|val)/i;

/**
 * The split named by a file: `train.jsonl` → train, `Test.txt` → test, `gsm8k_dev_v2.jsonl` → dev;
 * a name with no split word gives its lower-cased stem (`samples.jsonl` → samples).
 */
export function splitFromPath(path: string): string {
  const stem = basename(path).replace(/\.[^.]*$/, "");
  const word = SPLIT_WORDS.exec(stem)?.[1];
  return (word ?? stem).toLowerCase() || "train";
}
