/**
 * The curriculum stage. Before GRPO (stage `curriculum`) it picks iteration 0's prompts; inside the
 * per-iteration loop (stage `grpo-curriculum`, iteration i) it measures iteration i's groups, updates
 * the level state and picks iteration i+1's prompts. The block loop's visit is in
 * block-curriculum.ts. The state is JSON beside the batches, so a resumed run continues from it.
 */
import { stageById } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { CurriculumState, type groupOutcomes, nextCurriculumBatch } from "../curriculum/index.ts";
import { writeTable } from "../io/arrow-write.ts";
import { readJson, writeJson } from "../io/objects.ts";
import { blockCurriculum } from "./block-curriculum.ts";
import type { StageFn } from "./context.ts";
import { outcomesOf, trainProblems } from "./curriculum-inputs.ts";

export const curriculumStage: StageFn = async (ctx) => {
  const kind = stageById(ctx.stageId).inLoop;
  if (kind === "block" || kind === "rl2") return blockCurriculum(ctx);
  const { iteration, paths, manifest } = ctx;
  const inLoop = iteration !== undefined;
  const state = inLoop ? CurriculumState.parse(await readJson(paths.curriculumState(iteration))) : null;
  const outcomes: ReturnType<typeof groupOutcomes> = [];
  if (inLoop) outcomes.push(...(await outcomesOf(ctx.layout.stage("grpo-score", iteration))));
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
