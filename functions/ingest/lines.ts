/**
 * Streaming line reading, so the full upstream files (hundreds of MB) are never held in memory,
 * and the split a file belongs to, read from its name.
 */
import { createReadStream } from "node:fs";
import { basename } from "node:path";
import { createInterface } from "node:readline";

/** One line of a file: its 1-based number and its text without the line ending. */
export interface Line {
  line: number;
  text: string;
}

/** The lines of a UTF-8 file, in order (`\r\n` endings and a leading BOM removed). */
export async function* readLines(path: string): AsyncGenerator<Line> {
  const rl = createInterface({ input: createReadStream(path, { encoding: "utf8" }), crlfDelay: Infinity });
  let line = 0;
  try {
    for await (const raw of rl) {
      line++;
      yield { line, text: line === 1 ? raw.replace(/^\uFEFF/, "") : raw };
    }
  } finally {
    rl.close();
  }
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
