/**
 * A stage visit's name as `inspect` shows it and `status.json` records a failed one (`visit`):
 * `sft`, `grpo-update [3]` (GRPO iteration 3), `grpo-block [block 1, iter 8-15]` (block 1 of its RL
 * round and the iterations it runs; an RL round 2 block counts its iterations from 0 again).
 */
import type { Manifest } from "../schemas/manifest.ts";
import { blockIterations } from "./blocks.ts";
import { RECIPE, roundOfStage } from "./recipe.ts";

/** Whether `stageId` runs once per block (`grpo-block-curriculum`, `grpo-block`, `rl2-block`, …). */
export function isBlockLoopStage(stageId: string): boolean {
  const kind = RECIPE.find((s) => s.id === stageId)?.inLoop;
  return kind === "block" || kind === "rl2";
}

/**
 * From the visit's loop index and, for a block, its iterations in order (without them, `[block 1]`).
 *
 * @example visitName("grpo-block", 1, [8, 9, 10, 11]) // "grpo-block [block 1, iter 8-11]"
 */
export function visitName(stageId: string, index?: number, iterations?: readonly number[]): string {
  if (index === undefined) return stageId;
  if (!isBlockLoopStage(stageId)) return `${stageId} [${index}]`;
  if (!iterations?.length) return `${stageId} [block ${index}]`;
  const span = iterations.length === 1 ? `${iterations[0]}` : `${iterations[0]}-${iterations.at(-1)}`;
  return `${stageId} [block ${index}, iter ${span}]`;
}

/** The same for a visit of a run of `manifest`, which says the block's iterations (N, K). */
export function runVisitName(manifest: Manifest, stageId: string, index?: number): string {
  const iterations =
    index !== undefined && isBlockLoopStage(stageId)
      ? blockIterations(manifest, index, roundOfStage(stageId))
      : undefined;
  return visitName(stageId, index, iterations);
}
