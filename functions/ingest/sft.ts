/** Reference SFT examples: every problem that carries a reasoning path becomes a prompt/completion pair. */
import type { z } from "zod";
import { sftExamples } from "../../schemas/tables/sft-examples.ts";
import type { ProblemRow } from "./row.ts";

export type SftExampleRow = z.infer<typeof sftExamples.row>;

/** The `origin: "reference"` example of one problem (id `<problem id>#reference`), or null without reasoning. */
export function sftExampleFromProblem(row: ProblemRow): SftExampleRow | null {
  if (!row.reasoning) return null;
  return sftExamples.row.parse({
    id: `${row.id}#reference`,
    problem_id: row.id,
    source: row.source,
    level: row.level,
    prompt: row.question,
    completion: row.reasoning,
    origin: "reference",
  });
}

/** The reference examples of `rows`, in order; rows without a reasoning path are passed over. */
export function* sftExamplesFromProblems(rows: Iterable<ProblemRow>): Generator<SftExampleRow> {
  for (const row of rows) {
    const example = sftExampleFromProblem(row);
    if (example) yield example;
  }
}
