/**
 * The curriculum stage. Before GRPO (stage `curriculum`) it picks iteration 0's prompts; inside the
 * per-iteration loop (stage `grpo-curriculum`, iteration i) it measures iteration i's groups, updates
 * the level state and picks iteration i+1's prompts. In the block loop (stage
 * `grpo-block-curriculum`, block b) it measures all of block b−1's groups at once, updates the state
 * once (levels unlock between blocks) and picks the prompts of each of block b's iterations, each
 * drawn as the per-iteration loop would draw it with no new measurements in between. The state is
 * JSON beside the batches, so a resumed run continues from it.
 */
import { blockIterations } from "../../recipe/blocks.ts";
import { joinUri } from "../../recipe/uri.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { scoredRollouts } from "../../schemas/tables/scored-rollouts.ts";
import { CurriculumState, groupOutcomes, nextCurriculumBatch } from "../curriculum/index.ts";
import type { ProblemRow } from "../ingest/row.ts";
import { readShardRows } from "../io/arrow-read.ts";
import { writeTable } from "../io/arrow-write.ts";
import { readJson, writeJson } from "../io/objects.ts";
import type { StageContext, StageFn, StageOutcome } from "./context.ts";
import { trainDatasets } from "./paths.ts";

async function* trainProblems(ctx: StageContext): AsyncGenerator<ProblemRow> {
  for (const d of trainDatasets(ctx.manifest))
    yield* readShardRows(ctx.paths.trainProblems(d.name), problems);
}

/** Outcomes of the scored rollouts under `prefix` (one iteration's `scored_rollouts`). */
async function outcomesOf(prefix: string): Promise<ReturnType<typeof groupOutcomes>> {
  const rows = [];
  for await (const r of readShardRows(prefix, scoredRollouts)) {
    rows.push({ group_id: r.group_id, problem_id: r.problem_id, level: r.level, correct: r.correct });
  }
  return groupOutcomes(rows);
}

export const curriculumStage: StageFn = async (ctx) => {
  if (ctx.stageId === "grpo-block-curriculum") return blockCurriculum(ctx);
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

/**
 * Block b's prompts: iteration i's batch under `batch/iter-NNNN/` (iteration 0's is the initial
 * curriculum's), with dynamic sampling a reserve under `reserve/iter-NNNN/` (batchSize × maxRounds
 * problems from the same pools, none of them in the batch), and the state after the block's draws.
 */
async function blockCurriculum(ctx: StageContext): Promise<StageOutcome> {
  const { paths, manifest, layout } = ctx;
  const block = ctx.iteration ?? 0;
  const settings = manifest.stages.curriculum;
  const dynamic = manifest.stages.grpo.dynamicSampling;
  const iterations = blockIterations(manifest, block);
  let state = CurriculumState.parse(await readJson(paths.curriculumState(iterations[0] ?? 0)));
  // The previous block's groups, every iteration of it: measured once, at this block boundary.
  const outcomes: ReturnType<typeof groupOutcomes> = [];
  if (block > 0) {
    for (const i of blockIterations(manifest, block - 1)) {
      const dir = joinUri(layout.stage("grpo-block", block - 1), `iter-${String(i).padStart(4, "0")}`);
      outcomes.push(...(await outcomesOf(joinUri(dir, "scored"))));
    }
  }
  const outputs: Record<string, string[]> = { batch: [], reserve: [] };
  const metrics: Record<string, number> = {
    block,
    iterations: iterations.length,
    measuredGroups: outcomes.length,
  };
  const warnings: string[] = [];
  let drawn = 0;
  for (const [k, i] of iterations.entries()) {
    // Iteration 0's batch was drawn by the initial curriculum (the reward stage samples it too).
    if (i > 0) {
      const input = { state, outcomes: k === 0 ? outcomes : [] };
      const next = await nextCurriculumBatch(trainProblems(ctx), input, settings);
      const uri = joinUri(paths.curriculumBatch(i), "part-00000.arrow");
      await writeTable(uri, problems, next.batch);
      outputs.batch?.push(uri);
      drawn += next.batch.length;
      if (next.batch.length === 0)
        warnings.push(`iteration ${i}: the curriculum found no problems to train on`);
      if (k === 0) {
        metrics.level = next.summary.level;
        metrics.dropped = next.summary.dropped;
        if (next.summary.unlockedLevel !== null) metrics.unlockedLevel = next.summary.unlockedLevel;
        const measured = next.state.history.filter(
          (h) => h.level === state.level && h.iteration === state.iteration,
        );
        if (measured[0]) metrics.accuracy = measured[0].accuracy;
      }
      state = next.state;
    }
    if (dynamic.enabled) outputs.reserve?.push(await writeReserve(ctx, i, state, dynamic.maxRounds));
  }
  metrics.batch = drawn;
  metrics.level ??= state.level;
  const stateUri = joinUri(ctx.dir, "state.json");
  await writeJson(stateUri, state);
  return { rowsOut: drawn, outputs: { ...outputs, state: stateUri }, metrics, warnings };
}

/**
 * Iteration i's reserve: a draw of batchSize × maxRounds problems from the state iteration i's batch
 * was drawn from (same levels and shares), with that batch's problems excluded.
 */
async function writeReserve(ctx: StageContext, i: number, after: CurriculumState, rounds: number) {
  const { paths, manifest } = ctx;
  const settings = manifest.stages.curriculum;
  const batchIds: string[] = [];
  for await (const p of readShardRows(paths.curriculumBatch(i), problems)) batchIds.push(p.id);
  const before = { ...after, iteration: i, dropped: [...new Set([...after.dropped, ...batchIds])].sort() };
  const drawn = await nextCurriculumBatch(
    trainProblems(ctx),
    { state: before },
    {
      ...settings,
      batchSize: settings.batchSize * rounds,
    },
  );
  const uri = joinUri(paths.curriculumReserve(i), "part-00000.arrow");
  await writeTable(uri, problems, drawn.batch);
  return uri;
}
