/**
 * Batch verification of JSONL, streaming: one output line per input line, in order, written with
 * backpressure so 100,000-line files never sit in memory.
 */
import { once } from "node:events";
import { createInterface } from "node:readline";
import { verify } from "./index.ts";
import type { AnswerType } from "./types.ts";

const TYPES: readonly string[] = ["numeric", "math", "choice", "label"];

/** One input row: `{"gold", "pred", "answerType"?, "choices"?}` (other fields are passed through). */
interface Row extends Record<string, unknown> {
  gold: string;
  pred: string;
  answerType?: AnswerType;
  choices?: string[];
}

/**
 * Verifies every line of `input` and writes the row plus `equivalent`, `extracted` and `rule` to
 * `output`. A malformed line gives `{"equivalent": false, "rule": "bad-input", "error": "line N: …"}`
 * and counts in `errors`. Blank lines are skipped.
 *
 * @example
 * // in:  {"gold":"72","pred":"#### 72"}
 * // out: {"gold":"72","pred":"#### 72","equivalent":true,"extracted":"72","rule":"hash"}
 * await verifyJsonl(createReadStream("in.jsonl"), createWriteStream("out.jsonl"));
 */
export async function verifyJsonl(
  input: NodeJS.ReadableStream,
  output: NodeJS.WritableStream,
  onProgress?: (n: number) => void,
): Promise<{ lines: number; equivalent: number; errors: number }> {
  const counts = { lines: 0, equivalent: 0, errors: 0 };
  const reader = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNo = 0;
  for await (const line of reader) {
    lineNo++;
    if (line.trim() === "") continue;
    const out = verifyLine(line, lineNo);
    counts.lines++;
    if (out.rule === "bad-input") counts.errors++;
    else if (out.equivalent) counts.equivalent++;
    if (!output.write(`${JSON.stringify(out)}\n`)) await once(output, "drain");
    onProgress?.(counts.lines);
  }
  return counts;
}

/** The output object for one input line. */
function verifyLine(line: string, lineNo: number): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch (e) {
    return badInput({}, `line ${lineNo}: not JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  const problem = checkRow(parsed);
  if (typeof problem === "string") {
    const base = parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? parsed : {};
    return badInput(base as Record<string, unknown>, `line ${lineNo}: ${problem}`);
  }
  const r = verify(problem.gold, problem.pred, { answerType: problem.answerType, choices: problem.choices });
  return { ...problem, equivalent: r.equivalent, extracted: r.extracted, rule: r.rule };
}

function badInput(row: Record<string, unknown>, error: string): Record<string, unknown> {
  return { ...row, equivalent: false, extracted: null, rule: "bad-input", error };
}

/** The row, or a message naming the field that is wrong, what was expected and what was found. */
function checkRow(v: unknown): Row | string {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    return `expected a JSON object, found ${kind(v)}`;
  const o = v as Record<string, unknown>;
  for (const f of ["gold", "pred"]) {
    if (typeof o[f] !== "string") return `field "${f}": expected a string, found ${kind(o[f])}`;
  }
  if (o.answerType !== undefined && !TYPES.includes(String(o.answerType))) {
    return `field "answerType": expected one of ${TYPES.join("|")}, found ${JSON.stringify(o.answerType)}`;
  }
  if (
    o.choices !== undefined &&
    !(Array.isArray(o.choices) && o.choices.every((c) => typeof c === "string"))
  ) {
    return `field "choices": expected an array of strings, found ${kind(o.choices)}`;
  }
  return o as Row;
}

function kind(v: unknown): string {
  if (v === undefined) return "nothing";
  if (v === null) return "null";
  return Array.isArray(v) ? "an array" : typeof v;
}
