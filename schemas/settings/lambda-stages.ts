/** Settings of the stages that run as Lambda functions (and in-process locally). */
import { z } from "zod";
import { Level } from "../common.ts";

const share = z.number().min(0).max(1);

export const RewardWeights = z.strictObject({
  /** R1: the rule reward is accuracy + format, equal weights. */
  accuracy: z.number().min(0).default(1),
  format: z.number().min(0).default(1),
  /** R1's language-consistency reward (its reasoning RL stage); off for R1-Zero-style runs. */
  language: z.number().min(0).default(0),
  /** Target script of the chain of thought for the language reward. */
  targetLanguage: z.enum(["en", "zh"]).default("en"),
  /** Penalties; 0 turns them off. */
  length: z.number().min(0).default(0),
  repetition: z.number().min(0).default(0),
  /** Weight of the outcome reward-model score (R1 uses rule rewards for reasoning data). */
  rewardModel: z.number().min(0).default(0),
  /** Weight of rule-checked step rewards folded into the total. */
  steps: z.number().min(0).default(0),
  /** Completion length (tokens) where the length penalty starts. */
  lengthTarget: z.number().int().min(1).default(4096),
  /** n for the n-gram repetition penalty. */
  repetitionNgram: z.number().int().min(1).max(32).default(4),
});

export const CurriculumSettings = z.strictObject({
  /** Prompts per GRPO iteration; R1 takes 32 unique questions per step. */
  batchSize: z.number().int().min(1).default(32),
  startLevel: Level.default(1),
  /** Accuracy on the current level that unlocks the next one. */
  unlockThreshold: share.default(0.7),
  /** Share of each batch drawn from lower, already passed levels. */
  replayShare: share.default(0.2),
  /** Share drawn from the next, still locked level. */
  nextLevelShare: share.default(0.1),
  /** Drop prompts whose last group was all right or all wrong: they carry no GRPO signal. */
  dropSolved: z.boolean().default(true),
  seed: z.number().int().default(0),
});

export const RejectionSettings = z.strictObject({
  /** Samples drawn per prompt from the RL policy. */
  samplesPerPrompt: z.number().int().min(1).default(16),
  /** At most this many kept per prompt. */
  keepPerPrompt: z.number().int().min(1).default(4),
  /** shortest: shortest correct first; reward: highest reward-model score first. */
  select: z.enum(["shortest", "reward"]).default("shortest"),
  /** Completions longer than this (tokens) are dropped. */
  maxTokens: z.number().int().min(1).default(32_768),
  /** Dropped when the share of repeated n-grams exceeds this. */
  maxRepetition: share.default(0.2),
  repetitionNgram: z.number().int().min(1).max(32).default(4),
  /** Minimum share of the chain of thought in the target language. */
  minLanguageShare: share.default(0.95),
  /** R1 filters out chains of thought with code blocks when the task has none. */
  dropCodeBlocks: z.boolean().default(true),
  /** Prompts to sample from (0 = all train problems). */
  prompts: z.number().int().min(0).default(0),
});

/**
 * The checkpoints evaluation can sample, in recipe order: the base model, after cold-start SFT,
 * after the GRPO loop, after SFT round 2, and the final model (the last of those the run trains).
 */
export const EVAL_CHECKPOINTS = ["base", "sft", "grpo", "sft2", "final"] as const;
export const EvalCheckpoint = z.enum(EVAL_CHECKPOINTS);

export const EvalSettings = z.strictObject({
  /**
   * Checkpoints to evaluate; one whose stage is off is skipped, and `final` is evaluated once:
   * when it is the same model as a listed checkpoint (always so with all five), it is that one.
   */
  checkpoints: z
    .array(EvalCheckpoint)
    .refine((list) => new Set(list).size === list.length, "lists a checkpoint more than once")
    .default([...EVAL_CHECKPOINTS]),
  /** k samples per problem; R1 reports pass@1 averaged over k = 4 … 64 samples. */
  samples: z.number().int().min(1).default(16),
  /** R1's evaluation sampling: temperature 0.6, top-p 0.95. */
  temperature: z.number().min(0).max(2).default(0.6),
  topP: z.number().gt(0).max(1).default(0.95),
  maxNewTokens: z.number().int().min(1).default(32_768),
  /** pass@k values to report (unbiased estimator, Chen et al. 2021). */
  passK: z.array(z.number().int().min(1)).default([1, 4, 16]),
  /** Problems per benchmark (0 = all). */
  limit: z.number().int().min(0).default(0),
});
