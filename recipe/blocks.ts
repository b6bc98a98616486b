/**
 * The block loop's arithmetic: an RL round of N GRPO iterations in blocks of K (`iterationsPerJob`)
 * is ⌈N/K⌉ worker jobs; block b runs iterations [bK, min(N, (b+1)K)). The last block may be short.
 * Round 1 is `stages.grpo`; round 2 (`stages.rl2`, after SFT round 2) has its own N and the same K.
 */
import type { Manifest } from "../schemas/manifest.ts";
import { iterationsPerJob } from "../schemas/settings/worker-stages.ts";

type StagesOf = { stages: Pick<Manifest["stages"], "grpo" | "rl2"> };
export type RlRound = 1 | 2;

/** N: the GRPO iterations of a round. */
export const roundIterations = (m: StagesOf, round: RlRound = 1) =>
  round === 1 ? m.stages.grpo.iterations : (m.stages.rl2.iterations ?? m.stages.grpo.iterations);

/** K: iterations per block (both rounds). */
export const blockSize = (m: StagesOf) => iterationsPerJob(m.stages.grpo);

/** ⌈N/K⌉: the blocks of a round. */
export const blockCount = (m: StagesOf, round: RlRound = 1) =>
  Math.ceil(roundIterations(m, round) / blockSize(m));

/** The block that runs iteration `i`. */
export const blockOf = (m: StagesOf, iteration: number) => Math.floor(iteration / blockSize(m));

/**
 * The iterations of block `b` of a round, in order.
 *
 * @example blockIterations({ stages: { grpo: { iterations: 10, iterationsPerJob: 4 } } }, 2) // [8, 9]
 */
export function blockIterations(m: StagesOf, block: number, round: RlRound = 1): number[] {
  const k = blockSize(m);
  const n = roundIterations(m, round);
  if (!Number.isInteger(block) || block < 0 || block * k >= n) {
    throw new RangeError(
      `block ${block} is outside RL round ${round}'s ${blockCount(m, round)} blocks of ${k} iterations`,
    );
  }
  const first = block * k;
  return Array.from({ length: Math.min(k, n - first) }, (_, j) => first + j);
}
