/** The scalar reward GRPO normalises: a weighted sum of the reward components. */
import type { z } from "zod";
import type { RewardWeights } from "../../schemas/index.ts";

export type RewardWeightsT = z.output<typeof RewardWeights>;

/** Each component of the reward of one completion, before weighting. */
export interface RewardComponents {
  accuracy: number;
  format: number;
  language: number;
  length: number;
  repetition: number;
  rewardModel: number;
  steps: number;
}

export const REWARD_COMPONENTS = [
  "accuracy",
  "format",
  "language",
  "length",
  "repetition",
  "rewardModel",
  "steps",
] as const satisfies readonly (keyof RewardComponents)[];

/**
 * Σ weight · component over the components above (R1's rule reward is accuracy + format).
 *
 * @example totalReward({ accuracy: 1, format: 1, language: 0.5, length: 0, repetition: -0.2, rewardModel: 0, steps: 0 },
 *   { ...defaults, language: 0.1, repetition: 1 }) // 1 + 1 + 0.05 − 0.2 = 1.85
 */
export function totalReward(components: RewardComponents, weights: RewardWeightsT): number {
  let total = 0;
  for (const key of REWARD_COMPONENTS) total += weights[key] * components[key];
  return total;
}
