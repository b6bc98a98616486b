/**
 * GSM8K (openai/grade-school-math): `{question, answer}` where `answer` is the worked solution,
 * one step per line with `<<expr=result>>` calculator annotations, ending in `#### <number>`.
 */
import { asRecord, requireString } from "./record.ts";
import { binLevel, IngestRowError, type ProblemRow, type RowContext, reasoningText } from "./row.ts";

/** Upper bounds on the number of solution lines before `####` for levels 1–4; 6 or more lines → 5. */
export const GSM8K_LEVEL_BOUNDS = [2, 3, 4, 5] as const;

const ANNOTATION = /<<[^<>]*>>/g;
const FINAL = /^####\s*(.*)$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;

/** Level by the number of reasoning lines before `####`: 2→1, 3→2, 4→3, 5→4, ≥6→5 (docs/datasets.md). */
export function gsm8kLevel(reasoningLines: number): number {
  return binLevel(reasoningLines, GSM8K_LEVEL_BOUNDS);
}

/** The solution text with the calculator annotations removed (`48/2 = <<48/2=24>>24` → `48/2 = 24`). */
export function stripAnnotations(text: string): string {
  return text.replace(ANNOTATION, "");
}

export function parseGsm8k(value: unknown, at: RowContext): ProblemRow {
  const rec = asRecord(value);
  const question = requireString(rec, "question");
  const solution = requireString(rec, "answer");
  const lines = solution.split("\n");
  let last = lines.length - 1;
  while (last >= 0 && !FINAL.test(lines[last]!.trim())) last--;
  if (last < 0) throw new IngestRowError('field "answer": no final "#### <number>" line');
  const raw = FINAL.exec(lines[last]!.trim())![1]!.trim();
  const answer = raw.replaceAll(",", "");
  if (!NUMBER.test(answer)) throw new IngestRowError(`field "answer": unparseable final answer "${raw}"`);
  // The level counts every line before `####` (blank ones too) so it matches the documented proxy.
  const steps = lines.slice(0, last);
  const think = steps
    .map((l) => stripAnnotations(l).trim())
    .filter((l) => l !== "")
    .join("\n");
  return {
    id: `gsm8k/${at.split}/${at.index}`,
    source: "gsm8k",
    split: at.split,
    question,
    answer,
    answer_type: "numeric",
    choices: [],
    level: gsm8kLevel(steps.length),
    reasoning: think === "" ? null : reasoningText(think, answer),
    subject: null,
  };
}
