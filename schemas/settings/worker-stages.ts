/** Settings of the stages the GPU worker runs (`python -m r1worker <stage>`). */
import { z } from "zod";

const positive = z.number().gt(0);

export const OptimSettings = {
  learningRate: positive,
  /** Linear warm-up share of the steps, then cosine decay to `minLrRatio` × lr. */
  warmupRatio: z.number().min(0).max(1).default(0.03),
  minLrRatio: z.number().min(0).max(1).default(0.1),
  weightDecay: z.number().min(0).default(0),
  /** Global gradient-norm clip. */
  gradClip: positive.default(1),
  /** Tokens per micro-batch (batches are sized by tokens, not rows). */
  tokenBudget: z.number().int().min(16).default(16_384),
};

/**
 * Micro-batches per optimizer step on each rank (SFT and reward). GRPO has none: its step takes
 * every micro-batch of the iteration's rollouts (one update per batch of rollouts, DeepSeekMath).
 */
const gradAccumulation = z.number().int().min(1).default(1);

export const SftSettings = z.strictObject({
  ...OptimSettings,
  gradAccumulation,
  /** DeepSeekMath-Instruct SFT used 5e-5. */
  learningRate: positive.default(5e-5),
  /** R1 fine-tunes for two epochs on its ~800k-sample set. */
  epochs: z.number().int().min(1).default(2),
  /** Pack several examples into one sequence (attention kept within each example). */
  packing: z.boolean().default(true),
  /** Visit curriculum levels in ascending order. */
  curriculumOrder: z.boolean().default(true),
  maxSteps: z.number().int().min(0).default(0),
});

export const RewardModelSettings = z.strictObject({
  ...OptimSettings,
  gradAccumulation,
  /** DeepSeekMath's reward model: 2e-5. */
  learningRate: positive.default(2e-5),
  epochs: z.number().int().min(1).default(1),
  /** Margin m in −log σ(r_c − r_r − m). */
  margin: z.number().min(0).default(0),
  /** Share of pairs held out for the pair-accuracy figure. */
  heldOut: z.number().min(0).max(0.5).default(0.1),
  /** Train the process (step) head too. */
  process: z.boolean().default(true),
  /** Step labels: human (PRM800K file), auto (Math-Shepherd completions), rule (checkable steps). */
  stepLabels: z.enum(["human", "auto", "rule"]).default("rule"),
  /** Math-Shepherd: completions sampled from each step, and the rule turning them into a label. */
  autoCompletions: z.number().int().min(1).default(8),
  autoRule: z.enum(["any", "most"]).default("any"),
  /** Optional PRM800K-format file of human step labels. */
  humanLabels: z.string().optional(),
  /** Problems used to make verified preference pairs. */
  prompts: z.number().int().min(1).default(256),
  samplesPerPrompt: z.number().int().min(2).default(4),
});

export const RolloutSettings = z.strictObject({
  /** hf: transformers `generate` (CPU or GPU); vllm: the GPU engine; auto picks vllm on CUDA if installed. */
  backend: z.enum(["auto", "hf", "vllm"]).default("auto"),
  /** R1 samples at temperature 1 during RL. */
  temperature: z.number().min(0).max(2).default(1),
  topP: z.number().gt(0).max(1).default(1),
  /** R1: 32,768 tokens (65,536 late in training); DeepSeekMath: 1,024. */
  maxNewTokens: z.number().int().min(1).default(32_768),
  stop: z.array(z.string()).default([]),
  /** Prompts per generate call. */
  batchSize: z.number().int().min(1).default(64),
  tensorParallel: z.number().int().min(1).max(8).default(1),
  /** Padded tokens per reward-model forward pass, when the spec names a reward model. */
  rewardTokenBudget: z.number().int().min(16).default(16_384),
});

export const GrpoSettings = z.strictObject({
  ...OptimSettings,
  /** R1: 3e-6; DeepSeekMath: 1e-6. */
  learningRate: positive.default(3e-6),
  warmupRatio: z.number().min(0).max(1).default(0),
  /** RL iterations (rollout → score → update → curriculum). */
  iterations: z.number().int().min(1).default(100),
  /** G, samples per prompt: R1 16, DeepSeekMath 64. */
  groupSize: z.number().int().min(2, "expected an integer ≥ 2 (GRPO needs a group)").default(16),
  /** ε of the clipped ratio (PPO); `clipEpsHigh` is DAPO's separate upper bound (absent: ε, symmetric). */
  clipEps: positive.default(0.2),
  clipEpsHigh: positive.optional(),
  /** β of the k3 KL to the frozen reference: R1 0.001, DeepSeekMath 0.04. */
  klCoef: z.number().min(0).default(0.001),
  /** Entropy bonus coefficient (0 = off, as in R1). */
  entropyCoef: z.number().min(0).default(0),
  /** μ, policy updates per batch of rollouts: 1 in DeepSeekMath and R1. */
  innerEpochs: z.number().int().min(1).default(1),
  /** outcome: one advantage per completion; process: per token from step rewards (DeepSeekMath). */
  advantage: z.enum(["outcome", "process"]).default("outcome"),
  /** std: (r − mean)/(std + ε) (GRPO); none: r − mean (Dr. GRPO). */
  advantageNorm: z.enum(["std", "none"]).default("std"),
  /** seq-mean-token-mean: original GRPO; token-mean: DAPO; seq-mean-token-sum-norm: Dr. GRPO. */
  lossAgg: z
    .enum(["seq-mean-token-mean", "token-mean", "seq-mean-token-sum-norm"])
    .default("seq-mean-token-mean"),
  /** Replace the KL reference with the current policy every N iterations (0 = never). */
  refreshReferenceEvery: z.number().int().min(0).default(0),
  /**
   * K, iterations per worker job (grpo-block): policy, AdamW state, reference and rollout engine stay
   * in memory for K iterations; a run of N iterations is ⌈N/K⌉ jobs. Absent: min(8, iterations).
   */
  iterationsPerJob: z.number().int().min(1).optional(),
  /**
   * Truncated importance sampling over the sampler's recorded log-probs: each token's policy-gradient
   * term × min(π_old / π_sampler, tisCap) (Yao et al. 2025, "Your efficient RL framework secretly
   * brings you off-policy RL training"; verl's token-level truncate mode, NeMo RL's "tis"). auto: on
   * with the vLLM backend, off with HF (HF samples from the training module itself).
   */
  truncatedIs: z.enum(["auto", "on", "off"]).default("auto"),
  /** C, the cap of the truncated importance weight (verl's rollout_is_threshold example: 2). */
  tisCap: z.number().min(1).default(2),
  /**
   * How the RL loop runs. block: one worker job per K iterations (`iterationsPerJob`) with the policy,
   * AdamW, the reference, the rollout engine and the reward model (when rewards.rewardModel > 0)
   * resident, scoring by the TypeScript scorer child; stages: four stage visits per iteration (rollout
   * job, per-shard score Lambdas, update job, curriculum Lambda), which several GPUs still need; auto:
   * block unless the run needs stages (`grpoLoopMode` in schemas/manifest.ts).
   */
  loop: z.enum(["auto", "block", "stages"]).default("auto"),
  /**
   * DAPO's dynamic sampling (Yu et al. 2025, §3.2), block loop only: when all-right / all-wrong groups
   * leave fewer than the batch's groups, sample more prompts from the curriculum's reserve, at most
   * `maxRounds` more rounds, and train on a full batch.
   */
  dynamicSampling: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Extra sampling rounds per iteration; the curriculum reserves batchSize × maxRounds prompts. */
      maxRounds: z.number().int().min(1).max(8).default(3),
    })
    .prefault({}),
});

/**
 * R1's fourth stage: a second RL round after SFT round 2, on the SFT round 2 model (its policy and its
 * KL reference), in the block loop, with every GRPO setting of `stages.grpo` but the iteration count.
 * Its model is the run's final model.
 */
export const Rl2Settings = z.strictObject({
  enabled: z.boolean().default(false),
  /** GRPO iterations of the second round (absent: `stages.grpo.iterations`). */
  iterations: z.number().int().min(1).optional(),
});

/** K when `iterationsPerJob` is absent (capped at the run's iterations). */
export const DEFAULT_ITERATIONS_PER_JOB = 8;

/** The block size a run uses: `iterationsPerJob`, or min(8, iterations) when absent. */
export function iterationsPerJob(grpo: {
  iterations: number;
  iterationsPerJob?: number | undefined;
}): number {
  return grpo.iterationsPerJob ?? Math.min(DEFAULT_ITERATIONS_PER_JOB, grpo.iterations);
}
