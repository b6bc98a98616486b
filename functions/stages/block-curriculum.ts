/**
 * The block loop's curriculum visit (stage `grpo-block-curriculum` / `rl2-curriculum`, block b):
 * it measures all of block b−1's groups at once, updates the state once (levels unlock between
 * blocks) and picks the prompts of each of block b's iterations, each drawn as the per-iteration
 * loop would draw it with no new measurements in between.
 */
import { blockIterations } from "../../recipe/blocks.ts";
import { blockIterationDir } from "../../recipe/layout.ts";
import { BLOCK_ROUNDS, roundOfStage } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
import { problems } from "../../schemas/tables/problems.ts";
import {
  type CurriculumDraw,
  CurriculumState,
  type DrawPlan,
  drawAll,
  type groupOutcomes,
  nextState,
  planDraw,
} from "../curriculum/index.ts";
import { readShardRows } from "../io/arrow-read.ts";
import { writeTable } from "../io/arrow-write.ts";
import { readJson, writeJson } from "../io/objects.ts";
import type { StageContext, StageOutcome } from "./context.ts";
import { outcomesOf, trainProblems } from "./curriculum-inputs.ts";
import type { RoundPaths } from "./paths.ts";

/**
 * Block b's prompts: iteration i's batch under `batch/iter-NNNN/` (round 1's iteration 0 is the
 * initial curriculum's), with dynamic sampling a reserve under `reserve/iter-NNNN/` (batchSize ×
 * maxRounds problems from the same pools, none of them in the batch), and the state after the
 * block's draws. Round 2 starts from the initial state: a new RL run on the SFT round 2 model.
 * Only the block's first draw gets measurements, so every draw is planned before a row is read:
 * one read of the train table draws all K batches, a second all K reserves.
 */
export async function blockCurriculum(ctx: StageContext): Promise<StageOutcome> {
  const { manifest, layout } = ctx;
  const block = ctx.iteration ?? 0;
  const round = roundOfStage(ctx.stageId);
  const rp = ctx.paths.round(round);
  const settings = manifest.stages.curriculum;
  const dynamic = manifest.stages.grpo.dynamicSampling;
  const iterations = blockIterations(manifest, block, round);
  const stateUri = rp.stateBefore(iterations[0] ?? 0);
  const start = stateUri === null ? null : CurriculumState.parse(await readJson(stateUri));
  // The previous block's groups, every iteration of it: measured once, at this block boundary.
  const outcomes: ReturnType<typeof groupOutcomes> = [];
  if (block > 0) {
    const previous = layout.stage(BLOCK_ROUNDS[round].block, block - 1);
    for (const i of blockIterations(manifest, block - 1, round)) {
      outcomes.push(...(await outcomesOf(joinUri(blockIterationDir(previous, i), "scored"))));
    }
  }
  // Each iteration's draw, planned in order: the state after it is known before any row is read.
  const draws: { i: number; k: number; plan: DrawPlan }[] = [];
  const after: CurriculumState[] = [];
  let state = start;
  for (const [k, i] of iterations.entries()) {
    // Round 1's iteration 0 was drawn by the initial curriculum (the reward stage samples it too).
    if (round === 1 && i === 0) {
      if (state === null) throw new Error(`${ctx.stageId}: no curriculum state before iteration 0`);
    } else {
      const input = { state, outcomes: k === 0 ? outcomes : [] };
      const plan = planDraw(input, settings);
      draws.push({ i, k, plan });
      state = nextState(plan);
    }
    after.push(state);
  }
  if (state === null) throw new Error(`${ctx.stageId}: block ${block} has no iterations`);

  const outputs: Record<string, string[]> = { batch: [], reserve: [] };
  const metrics: Record<string, number> = {
    block,
    iterations: iterations.length,
    measuredGroups: outcomes.length,
  };
  const warnings: string[] = [];
  const batchIds = new Map<number, string[]>();
  let drawn = 0;
  const batches = await drawAll(
    trainProblems(ctx),
    draws.map((d) => d.plan),
  );
  for (const [j, { i, k }] of draws.entries()) {
    const next = batches[j] as CurriculumDraw;
    const uri = joinUri(rp.batch(i), "part-00000.arrow");
    await writeTable(uri, problems, next.batch);
    outputs.batch?.push(uri);
    batchIds.set(
      i,
      next.batch.map((p) => p.id),
    );
    drawn += next.batch.length;
    if (next.batch.length === 0)
      warnings.push(`iteration ${i}: the curriculum found no problems to train on`);
    if (k === 0) {
      const measured = next.state.history.filter(
        (h) => h.iteration === (start?.iteration ?? -1) && h.level === start?.level,
      );
      if (measured[0]) metrics.accuracy = measured[0].accuracy;
      if (next.summary.unlockedLevel !== null) metrics.unlockedLevel = next.summary.unlockedLevel;
      metrics.level = next.summary.level;
      metrics.dropped = next.summary.dropped;
    }
  }
  if (dynamic.enabled) {
    const states = iterations.map((i, k) => ({ i, after: after[k] as CurriculumState }));
    outputs.reserve = await writeReserves(ctx, rp, states, batchIds, dynamic.maxRounds);
  }
  metrics.batch = drawn;
  metrics.level ??= state.level;
  const out = joinUri(ctx.dir, "state.json");
  await writeJson(out, state);
  return { rowsOut: drawn, outputs: { ...outputs, state: out }, metrics, warnings };
}

/**
 * Each iteration's reserve, all from one read of the train table: a draw of batchSize × maxRounds
 * problems from the state iteration i's batch was drawn from (same levels and shares), with that
 * batch's problems excluded. `batchIds` has the batches drawn here; others are read back.
 */
async function writeReserves(
  ctx: StageContext,
  rp: RoundPaths,
  states: readonly { i: number; after: CurriculumState }[],
  batchIds: ReadonlyMap<number, string[]>,
  rounds: number,
): Promise<string[]> {
  const settings = ctx.manifest.stages.curriculum;
  const reserve = { ...settings, batchSize: settings.batchSize * rounds };
  const plans: DrawPlan[] = [];
  for (const { i, after } of states) {
    const ids = batchIds.get(i) ?? (await idsOf(rp.batch(i)));
    const before = { ...after, iteration: i };
    plans.push(planDraw({ state: before }, reserve, { exclude: ids }));
  }
  const drawn = await drawAll(trainProblems(ctx), plans);
  const uris: string[] = [];
  for (const [k, { i }] of states.entries()) {
    const uri = joinUri(rp.reserve(i), "part-00000.arrow");
    await writeTable(uri, problems, (drawn[k] as CurriculumDraw).batch);
    uris.push(uri);
  }
  return uris;
}

async function idsOf(prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const p of readShardRows(prefix, problems)) ids.push(p.id);
  return ids;
}
