/** The few metrics of each stage worth a column in the table (all of them go to `--json`). */
import { EVAL_CHECKPOINTS, evalRolloutStageId } from "../../recipe/checkpoints.ts";
import { BLOCK_ROUNDS } from "../../recipe/recipe.ts";
import { blockScore, isBlockStage } from "./iterations.ts";
import type { IterationRow, VisitRow } from "./model.ts";

const KEY_METRICS: Readonly<Record<string, readonly string[]>> = {
  validate: ["iterations"],
  curriculum: ["level", "batch"],
  sft: ["loss_first", "loss_last", "steps"],
  "reward-rollout": ["mean_completion_len", "truncated_share"],
  "reward-pairs": ["pairs", "accuracy"],
  reward: ["held_out_pair_accuracy", "held_out_step_accuracy"],
  "grpo-rollout": ["mean_completion_len", "truncated_share"],
  "grpo-score": ["accuracy", "reward.total", "zeroVarianceShare"],
  "grpo-update": ["loss", "kl", "entropy", "clip_fraction"],
  "grpo-curriculum": ["level", "accuracy"],
  ...Object.fromEntries(
    Object.values(BLOCK_ROUNDS).flatMap((r) => [
      [r.curriculum, ["level", "batch", "measuredGroups", "accuracy"]],
      // accuracy and reward.total over the block's rollouts (blockScore); kl, entropy after its last update.
      [r.block, ["accuracy", "reward.total", "kl", "entropy"]],
    ]),
  ),
  "rejection-rollout": ["mean_completion_len", "truncated_share"],
  rejection: ["kept", "keepRate"],
  sft2: ["loss_first", "loss_last", "steps"],
  ...Object.fromEntries(EVAL_CHECKPOINTS.map((c) => [evalRolloutStageId(c), ["mean_completion_len"]])),
  report: ["stages"],
};

/** Recipe order of a `<checkpoint>.…` metric (base, sft, grpo, sft2, final; others after). */
function checkpointRank(metric: string): number {
  const i = (EVAL_CHECKPOINTS as readonly string[]).indexOf(metric.slice(0, metric.indexOf(".")));
  return i < 0 ? EVAL_CHECKPOINTS.length : i;
}

/**
 * Up to four `[name, value]` pairs: the stage's chosen ones, or pass@1 per checkpoint for evaluate;
 * a block visit's score figures come from its iterations' rows.
 */
export function keyMetrics(visit: VisitRow, iterations: readonly IterationRow[] = []): [string, number][] {
  const metrics =
    isBlockStage(visit.stage) && visit.iteration !== undefined
      ? { ...visit.metrics, ...blockScore(iterations, visit) }
      : visit.metrics;
  const names =
    visit.stage === "evaluate"
      ? Object.keys(visit.metrics)
          .filter((k) => k.endsWith(".pass1"))
          .sort((a, b) => checkpointRank(a) - checkpointRank(b) || a.localeCompare(b))
      : (KEY_METRICS[visit.stage] ?? []);
  return names
    .filter((n) => metrics[n] !== undefined)
    .slice(0, 4)
    .map((n) => [n, metrics[n] as number]);
}

/** A metric for people: integers as they are, other numbers to 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  return String(Number(value.toPrecision(4)));
}
