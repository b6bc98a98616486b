/**
 * The curriculum stage: which problems the next GRPO iteration trains on. One read of the problems
 * table serves any number of planned draws (a block's K batches, or its K reserves), each holding a
 * reservoir of at most `batchSize` problems per pool, so memory is bounded by the reservoirs and
 * not by the table.
 */
import { rngFor } from "../sampling/prng.ts";
import { Reservoir } from "../sampling/reservoir.ts";
import {
  type CurriculumInput,
  type CurriculumSummary,
  type DrawPlan,
  finishDraw,
  type Pool,
  type PoolSamples,
  type ProblemRow,
  planDraw,
  poolOf,
} from "./draw.ts";
import type { CurriculumSettingsT, CurriculumState } from "./state.ts";

export interface CurriculumDraw {
  batch: ProblemRow[];
  state: CurriculumState;
  summary: CurriculumSummary;
}

/**
 * Draws the next batch and returns it with the new state.
 *
 * Shares: round(batchSize · replayShare) from the lower unlocked levels, round(batchSize ·
 * nextLevelShare) from the next, still locked level, the rest from the current level. A pool with
 * too few eligible problems leaves its places to the others, in the order current, next, replay;
 * the batch is short only when all three run out. Each pool is a reservoir sample (Algorithm R)
 * driven by a PRNG seeded from (seed, iteration, pool), and the batch is shuffled the same way, so
 * for a given seed, iteration and input order the batch is always the same, whether the state was
 * kept in memory or resumed from JSON.
 */
export async function nextCurriculumBatch(
  problemRows: Iterable<ProblemRow> | AsyncIterable<ProblemRow>,
  input: CurriculumInput,
  settings: CurriculumSettingsT,
): Promise<CurriculumDraw> {
  const [drawn] = await drawAll(problemRows, [planDraw(input, settings)]);
  return drawn as CurriculumDraw;
}

/**
 * Every planned draw from one read of `problemRows`: each row is offered to each plan's pool, so
 * draw k's result is what `nextCurriculumBatch` would give for plan k's input on the same rows.
 */
export async function drawAll(
  problemRows: Iterable<ProblemRow> | AsyncIterable<ProblemRow>,
  plans: readonly DrawPlan[],
): Promise<CurriculumDraw[]> {
  const pools = plans.map((plan) => {
    const { seed, batchSize, state } = plan;
    const reservoir = (pool: Pool) =>
      new Reservoir<ProblemRow>(batchSize, rngFor(seed, state.iteration, pool));
    return { current: reservoir("current"), replay: reservoir("replay"), next: reservoir("next") };
  });
  for await (const p of problemRows) {
    for (let k = 0; k < plans.length; k++) {
      const pool = poolOf(plans[k] as DrawPlan, p);
      if (pool !== null) pools[k]?.[pool].offer(p);
    }
  }
  return plans.map((plan, k) => finishDraw(plan, pools[k] as PoolSamples));
}
