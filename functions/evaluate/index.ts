/** The eval stage: pass@1 over k samples, maj@k and unbiased pass@k, and checkpoint deltas. */
export { compareCheckpoints } from "./compare.ts";
export {
  type EvalRecordRow,
  type EvalSettingsT,
  type EvaluateOptions,
  evaluate,
  type ProblemTally,
  scoreProblems,
} from "./evaluate.ts";
export {
  addVote,
  type MajorityResult,
  majorityOf,
  majorityVote,
  normalizeAnswer,
  type Vote,
  type VoteTally,
} from "./majority.ts";
export { passAtK } from "./pass-at-k.ts";
export { BenchmarkScores, CheckpointComparison, CheckpointScores, EvalReport, Scores } from "./report.ts";
