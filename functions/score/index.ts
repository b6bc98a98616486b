/** The score stage: rule rewards and group-relative (GRPO) advantages of rollouts. */
export {
  type AdvantageNorm,
  charEndToToken,
  DEFAULT_EPS,
  meanStd,
  outcomeAdvantages,
  type ProcessSample,
  processAdvantages,
} from "./advantages.ts";
export { createScorer, type Scorer, scoreRolloutStream, scoreRollouts } from "./score.ts";
export {
  type RewardedRollout,
  type RolloutRow,
  rewardRollout,
  type ScoredRolloutRow,
  type ScoreOptions,
} from "./score-row.ts";
export { type LevelAccuracy, type ScoreSummary, SummaryAccumulator } from "./summary.ts";
