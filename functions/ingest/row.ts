/**
 * The row ingest produces, the canonical reasoning format shared by every source, and the
 * error a parser throws for a row it cannot read (the registry reports it with file and line).
 */
import type { z } from "zod";
import type { problems } from "../../schemas/tables/problems.ts";

export type ProblemRow = z.infer<typeof problems.row>;

/** A row the parser refuses; `reason` says what was expected and what was found. */
export class IngestRowError extends Error {
  override readonly name = "IngestRowError";
}

/**
 * The one reference-reasoning format of the `problems` table: the worked steps inside a think
 * block, then a short final line whose `\boxed{…}` the verifier's first extraction rule reads.
 *
 * @example reasoningText("48 / 2 = 24", "24") // "<think>\n48 / 2 = 24\n</think>\n\nThe answer is \\boxed{24}."
 */
export function reasoningText(think: string, answer: string): string {
  return `<think>\n${think.trim()}\n</think>\n\nThe answer is \\boxed{${answer}}.`;
}

/** Level 1–5 from a measure and four ascending upper bounds: `x ≤ bounds[0]` → 1, …, above all → 5. */
export function binLevel(x: number, bounds: readonly [number, number, number, number]): number {
  let level = 1;
  for (const b of bounds) if (x > b) level++;
  return level;
}

/** Where a row sits in its file: the split it belongs to and its 0-based line or block index. */
export interface RowContext {
  split: string;
  index: number;
}
