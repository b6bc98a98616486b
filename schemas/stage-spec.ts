/**
 * What a GPU-worker stage is handed (`python -m r1worker <stage> --spec <uri>`) and what every
 * stage reports back. Specs name their inputs and outputs by URI and carry only their own settings.
 */
import { z } from "zod";
import { RunId, Uri } from "./common.ts";
import { ComputeSettings } from "./manifest.ts";
import { RewardWeights } from "./settings/lambda-stages.ts";
import { GrpoSettings, RewardModelSettings, RolloutSettings, SftSettings } from "./settings/worker-stages.ts";

export const WORKER_STAGES = ["sft", "reward", "rollout", "grpo", "grpo-block"] as const;
export type WorkerStage = (typeof WORKER_STAGES)[number];

const shards = z.array(Uri);

const common = {
  runId: RunId,
  /** Prefix the stage writes under; `_SUCCESS` is written there last. */
  output: Uri,
  compute: ComputeSettings.prefault({}),
  maxSeqLen: z.number().int().min(32),
  seed: z.number().int().default(0),
  /**
   * The `_SUCCESS` hash of each stage whose outputs this spec reads, by stage directory. Part of the
   * spec, so a stage re-runs when an input was rebuilt (the worker's skip hash covers the whole spec).
   */
  inputs: z.record(z.string(), z.string()).default({}),
};

export const SftSpec = z.strictObject({
  ...common,
  stage: z.literal("sft"),
  /** `sft_examples` shards. */
  examples: shards.min(1),
  /** Checkpoint to start from (HF layout) or `builtin:tiny`. */
  model: z.string().min(1),
  settings: SftSettings,
});

export const RewardSpec = z.strictObject({
  ...common,
  stage: z.literal("reward"),
  /** `preference_pairs` shards. */
  pairs: shards,
  /** `step_labels` shards for the process head (may be empty). */
  stepLabels: shards.default([]),
  /** `rollouts` shards whose completions are labelled step by step when settings.stepLabels is auto. */
  rollouts: shards.default([]),
  model: z.string().min(1),
  settings: RewardModelSettings,
});

export const RolloutSpec = z.strictObject({
  ...common,
  stage: z.literal("rollout"),
  /** `problems` shards to prompt with. */
  prompts: shards.min(1),
  model: z.string().min(1),
  /** Reward model checkpoint; when set each completion and each step is scored. */
  rewardModel: z.string().min(1).optional(),
  samplesPerPrompt: z.number().int().min(1),
  policyVersion: z.number().int().min(0),
  settings: RolloutSettings,
});

export const GrpoSpec = z.strictObject({
  ...common,
  stage: z.literal("grpo"),
  /** `scored_rollouts` shards of this iteration. */
  scored: shards.min(1),
  /** Current policy checkpoint. */
  policy: z.string().min(1),
  /** Frozen KL reference checkpoint. */
  reference: z.string().min(1),
  iteration: z.number().int().min(0),
  /** The rollout's sampling temperature: the update's log-probs, KL and entropy are of logits / T. */
  temperature: z.number().min(0).max(2).default(1),
  /** The rollout's backend (auto | hf | vllm): decides whether `truncatedIs: auto` is on. */
  backend: z.enum(["auto", "hf", "vllm"]).default("auto"),
  settings: GrpoSettings,
});

/**
 * K GRPO iterations in one process (rollout → score → update per iteration), policy, AdamW state,
 * reference and rollout engine kept in memory; iteration i's tables go under `<output>/iter-NNNN/`.
 */
export const GrpoBlockSpec = z.strictObject({
  ...common,
  stage: z.literal("grpo-block"),
  /** `problems` shards of each of the block's iterations, in order (the curriculum's picks). */
  prompts: z.array(shards.min(1)).min(1),
  /** Groups an iteration trains on: the curriculum's batch size (dynamic sampling fills up to it). */
  groupsPerIteration: z.number().int().min(1),
  /**
   * With `settings.dynamicSampling.enabled`: per iteration (same length as `prompts`), the
   * curriculum's reserve problems, drawn in order when dropped groups leave the batch short.
   */
  reserve: z.array(shards).optional(),
  /** RL iteration of the block's first iteration (0-based): policy version and schedule position. */
  firstIteration: z.number().int().min(0),
  /** Policy the block starts from (the previous block's `model/`, or the SFT checkpoint). */
  policy: z.string().min(1),
  /**
   * The previous block's output prefix: its newest checkpoint's AdamW moments, RNG, step and state
   * carry over, so the optimizer persists for the whole RL run. Absent for the first block.
   */
  previousBlock: Uri.optional(),
  /** Frozen KL reference checkpoint. */
  reference: z.string().min(1),
  /**
   * Reward model checkpoint, loaded once per block; each round's completions and steps are scored
   * (`rm_score`, `rm_step_scores`) before the scorer weighs them. Needed when rewards.rewardModel > 0.
   */
  rewardModel: z.string().min(1).optional(),
  rollout: RolloutSettings,
  rewards: RewardWeights,
  settings: GrpoSettings,
});

export const WorkerSpec = z.discriminatedUnion("stage", [
  SftSpec,
  RewardSpec,
  RolloutSpec,
  GrpoSpec,
  GrpoBlockSpec,
]);
export type WorkerSpec = z.output<typeof WorkerSpec>;

/** `metrics.json` of every stage and the small result a state returns (well under 256 KB). */
export const StageSummary = z.strictObject({
  stage: z.string().min(1),
  status: z.enum(["succeeded", "skipped", "failed"]),
  startedAt: z.string(),
  durationS: z.number().min(0),
  rowsIn: z.number().int().min(0).optional(),
  rowsOut: z.number().int().min(0).optional(),
  /** Named outputs: one URI or a list of shard URIs. */
  outputs: z.record(z.string(), z.union([Uri, z.array(Uri)])).default({}),
  /** Scalar metrics (loss, reward mean, accuracy …). */
  metrics: z.record(z.string(), z.number()).default({}),
  warnings: z.array(z.string()).default([]),
});
export type StageSummary = z.output<typeof StageSummary>;

/** `_SUCCESS`: written last; its hash of spec + inputs decides whether a re-run may skip the stage. */
export const SuccessMarker = z.strictObject({
  stage: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  finishedAt: z.string(),
  files: z.array(z.string()),
});
export type SuccessMarker = z.output<typeof SuccessMarker>;
