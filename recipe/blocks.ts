/**
 * The block loop's arithmetic: a run of N GRPO iterations in blocks of K (`iterationsPerJob`) is
 * ⌈N/K⌉ worker jobs; block b runs iterations [bK, min(N, (b+1)K)). The last block may be short.
 */
import type { Manifest } from "../schemas/manifest.ts";
import { iterationsPerJob } from "../schemas/settings/worker-stages.ts";

type GrpoOf = Pick<Manifest, "stages">;

/** K: iterations per block. */
export const blockSize = (m: GrpoOf) => iterationsPerJob(m.stages.grpo);

/** ⌈N/K⌉: the blocks of a run. */
export const blockCount = (m: GrpoOf) => Math.ceil(m.stages.grpo.iterations / blockSize(m));

/** The block that runs iteration `i`. */
export const blockOf = (m: GrpoOf, iteration: number) => Math.floor(iteration / blockSize(m));

/**
 * The iterations of block `b`, in order.
 *
 * @example blockIterations({ stages: { grpo: { iterations: 10, iterationsPerJob: 4 } } }, 2) // [8, 9]
 */
export function blockIterations(m: GrpoOf, block: number): number[] {
  const k = blockSize(m);
  const n = m.stages.grpo.iterations;
  if (!Number.isInteger(block) || block < 0 || block * k >= n) {
    throw new RangeError(`block ${block} is outside this run's ${blockCount(m)} blocks of ${k} iterations`);
  }
  const first = block * k;
  return Array.from({ length: Math.min(k, n - first) }, (_, j) => first + j);
}
