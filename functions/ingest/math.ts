/**
 * MATH in the PRM800K / MATH-500 layout (`problem, solution, answer, subject, level, unique_id`),
 * also the derived math_train file (`source_idx` instead of `unique_id`) and Hendrycks' raw
 * layout (`type`, `"Level N"`, no `answer`: the last `\boxed{…}` of the solution is taken).
 */
import { lastBoxed } from "../verify/braces.ts";
import { asRecord, describe, optionalString, requireString } from "./record.ts";
import { IngestRowError, type ProblemRow, type RowContext, reasoningText } from "./row.ts";

/** MATH's own level: an int 1–5 or Hendrycks' `"Level N"` (`"Level ?"` is refused). */
export function mathLevel(value: unknown): number {
  const n = typeof value === "string" ? Number(/^Level\s+(\d)$/.exec(value.trim())?.[1]) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1 || n > 5) {
    throw new IngestRowError(`field "level": expected 1–5 or "Level N", found ${describe(value)}`);
  }
  return n;
}

export function parseMath(value: unknown, at: RowContext): ProblemRow {
  const rec = asRecord(value);
  const question = requireString(rec, "problem");
  const solution = optionalString(rec, "solution");
  const answer =
    optionalString(rec, "answer")?.trim() || (solution ? lastBoxed(solution)?.trim() : undefined);
  if (!answer) throw new IngestRowError('missing field "answer" (and no \\boxed{…} in "solution")');
  const subject = optionalString(rec, "subject") ?? optionalString(rec, "type") ?? null;
  const uniqueId = optionalString(rec, "unique_id");
  return {
    id: uniqueId || `math/${at.split}/${at.index}`,
    source: "math",
    split: at.split,
    question,
    answer,
    answer_type: "math",
    choices: [],
    level: mathLevel(rec.level),
    reasoning: solution?.trim() ? reasoningText(solution, answer) : null,
    subject,
  };
}
