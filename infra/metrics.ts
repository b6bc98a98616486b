/**
 * The CloudWatch metrics contract: the GPU worker (embedded metric format) and the Lambda handlers
 * (Powertools Metrics) publish in this namespace under these names; the dashboard reads them with
 * SEARCH over every dimension set, so a metric's dimensions may change without breaking a widget.
 */
export const METRICS_NAMESPACE = "r1flow";

export const METRIC = {
  /** Seconds a stage ran (worker: per job; Lambda stages: per invocation as LambdaStageDurationSeconds). */
  stageDuration: "StageDurationSeconds",
  lambdaStageDuration: "LambdaStageDurationSeconds",
  /** Mean total reward of a GRPO iteration's rollouts. */
  rewardMean: "RewardMean",
  /** Share of verified-correct answers (rollouts and eval). */
  accuracy: "Accuracy",
  /** KL to the frozen reference (k3 estimator), per GRPO update. */
  kl: "KL",
  /** GPU-hours a job used (GPUs × hours). */
  gpuHours: "GpuHours",
} as const;
