/** Rule rewards of R1-style reasoning: plain functions from a completion (and its problem) to numbers. */
export { type AccuracyResult, type AnswerKey, accuracyReward } from "./accuracy.ts";
export { formatReward } from "./format.ts";
export { languageReward, type TargetLanguage } from "./language.ts";
export { lengthPenalty } from "./length.ts";
export { repeatedNgramShare, repetitionPenalty } from "./repetition.ts";
export { meanStepReward, type StepChecker, type StepRewards, stepRewards } from "./steps.ts";
export { chainOfThought, THINK_CLOSE, THINK_OPEN, type Thought } from "./think.ts";
export { REWARD_COMPONENTS, type RewardComponents, type RewardWeightsT, totalReward } from "./total.ts";
