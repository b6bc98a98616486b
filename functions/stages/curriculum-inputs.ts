/** What a curriculum visit reads: the train problems, and one iteration's group outcomes. */
import { problems } from "../../schemas/tables/problems.ts";
import { scoredRollouts } from "../../schemas/tables/scored-rollouts.ts";
import { groupOutcomes } from "../curriculum/index.ts";
import type { ProblemRow } from "../ingest/row.ts";
import { readShardRows } from "../io/arrow-read.ts";
import type { StageContext } from "./context.ts";
import { trainDatasets } from "./paths.ts";

/** Every train data set's problems, in manifest order. */
export async function* trainProblems(ctx: StageContext): AsyncGenerator<ProblemRow> {
  for (const d of trainDatasets(ctx.manifest))
    yield* readShardRows(ctx.paths.trainProblems(d.name), problems);
}

/** Outcomes of the scored rollouts under `prefix` (one iteration's `scored_rollouts`). */
export async function outcomesOf(prefix: string): Promise<ReturnType<typeof groupOutcomes>> {
  const rows = [];
  for await (const r of readShardRows(prefix, scoredRollouts)) {
    rows.push({ group_id: r.group_id, problem_id: r.problem_id, level: r.level, correct: r.correct });
  }
  return groupOutcomes(rows);
}
