/**
 * The curriculum stage. Before GRPO (stage `curriculum`) it picks iteration 0's prompts; inside the
 * loop (stage `grpo-curriculum`, iteration i) it measures iteration i's groups, updates the level
 * state and picks iteration i+1's prompts. The state is JSON beside the batch, so a resumed run
 * continues from it.
 */
import { joinUri } from "../../recipe/uri.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { scoredRollouts } from "../../schemas/tables/scored-rollouts.ts";
import { CurriculumState, groupOutcomes, nextCurriculumBatch } from "../curriculum/index.ts";
import type { ProblemRow } from "../ingest/row.ts";
import { readShardRows } from "../io/arrow-read.ts";
import { writeTable } from "../io/arrow-write.ts";
import { readJson, writeJson } from "../io/objects.ts";
import type { StageContext, StageFn } from "./context.ts";
import { trainDatasets } from "./paths.ts";

async function* trainProblems(ctx: StageContext): AsyncGenerator<ProblemRow> {
  for (const d of trainDatasets(ctx.manifest))
    yield* readShardRows(ctx.paths.trainProblems(d.name), problems);
}

export const curriculumStage: StageFn = async (ctx) => {
  const { iteration, paths, manifest } = ctx;
  const inLoop = iteration !== undefined;
  const state = inLoop ? CurriculumState.parse(await readJson(paths.curriculumState(iteration))) : null;
  const outcomes: ReturnType<typeof groupOutcomes> = [];
  if (inLoop) {
    const scored = ctx.layout.stage("grpo-score", iteration);
    const rows = [];
    for await (const r of readShardRows(scored, scoredRollouts)) {
      rows.push({ group_id: r.group_id, problem_id: r.problem_id, level: r.level, correct: r.correct });
    }
    outcomes.push(...groupOutcomes(rows));
  }
  const {
    batch,
    state: next,
    summary,
  } = await nextCurriculumBatch(trainProblems(ctx), { state, outcomes }, manifest.stages.curriculum);
  const nextIteration = inLoop ? iteration + 1 : 0;
  const batchUri = joinUri(paths.curriculumBatch(nextIteration), "part-00000.arrow");
  await writeTable(batchUri, problems, batch);
  await writeJson(paths.curriculumState(nextIteration), next);
  const metrics: Record<string, number> = {
    level: summary.level,
    batch: batch.length,
    dropped: summary.dropped,
    shortfall: summary.shortfall,
  };
  for (const [pool, n] of Object.entries(summary.drawn)) metrics[`drawn.${pool}`] = n;
  // Accuracy measured this iteration on the level the batch came from (the one that may unlock).
  const measured = next.history.filter((h) => h.level === state?.level && h.iteration === next.iteration - 1);
  if (inLoop && measured[0]) metrics.accuracy = measured[0].accuracy;
  const warnings = batch.length === 0 ? ["the curriculum found no problems to train on"] : [];
  return {
    rowsOut: batch.length,
    outputs: { batch: [batchUri], state: paths.curriculumState(nextIteration) },
    metrics,
    warnings,
  };
};
