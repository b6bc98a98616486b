/**
 * What `r1flow inspect` gathers from a run directory: one row per stage visit in recipe order, the
 * run's status, the SFT loss curves, the eval table and a few sample completions. Plain data, so
 * `--json` prints it as is and the table and the HTML report are pure functions of it.
 */

/** A visit's state: from `_SUCCESS` / `metrics.json`, the manifest's switches and `status.json`. */
export type VisitStatus = "succeeded" | "skipped" | "failed" | "running" | "pending";

export interface VisitRow {
  /** Recipe stage id (`grpo-score` …) and its title. */
  readonly stage: string;
  readonly title: string;
  /** The loop index of loop stages: the GRPO iteration, or for a block-loop stage, the block. */
  readonly iteration?: number;
  /** Block-loop stages: the GRPO iterations the block runs (from the manifest). */
  readonly iterations?: readonly number[];
  /** The visit's directory (`…/stages/<NN>-<id>[/iter-NNNN | /block-NNNN]`). */
  readonly dir: string;
  readonly status: VisitStatus;
  /** Why: "disabled in the manifest", the failure cause … */
  readonly note?: string;
  readonly startedAt?: string;
  readonly durationS?: number;
  readonly rowsIn?: number;
  readonly rowsOut?: number;
  /** Named outputs (a URI or shard URIs), moved under this run's root when the run was copied. */
  readonly outputs: Readonly<Record<string, string | readonly string[]>>;
  /** Every scalar of the stage's `metrics.json`. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly warnings: readonly string[];
}

export interface RunInfo {
  readonly runId: string;
  /** The run's location as given (`<store>/runs/<id>` or `s3://bucket/runs/<id>`). */
  readonly uri: string;
  /** `status.json`'s status, or "unknown" when the run has none. */
  readonly status: string;
  readonly updatedAt?: string;
  /** The Step Functions execution now carrying the run (AWS runs). */
  readonly executionArn?: string;
  /** The failed (or interrupted) stage and its cause. */
  readonly stage?: string;
  readonly cause?: string;
  /**
   * The failed GRPO loop visit as status.json names it (`grpo-update [3]`, `grpo-block [block 1,
   * iter 8-15]`); absent for a stage outside the loops and in runs older than the field.
   */
  readonly visit?: string;
  /** An invalid manifest's problems, one line each. */
  readonly errors?: readonly string[];
}

/** One step of an SFT stage's `metrics.jsonl`. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

/** One benchmark × measure of the eval table: every evaluated checkpoint and its change. */
export interface EvalRow {
  readonly benchmark: string;
  /** "pass@1" (averaged over k samples), "maj@k", "pass@<k>". */
  readonly measure: string;
  /** Per checkpoint (`EvalTable.checkpoints`). */
  readonly values: Readonly<Record<string, number>>;
  /** Per checkpoint: its value − the value of the checkpoint before it that has one. */
  readonly deltas: Readonly<Record<string, number>>;
}

/** The eval table: checkpoints side by side in recipe order (base, sft, grpo, sft2, final). */
export interface EvalTable {
  readonly checkpoints: readonly string[];
  readonly rows: readonly EvalRow[];
  /** A checkpoint that is the same model as an evaluated one, evaluated once: final → grpo. */
  readonly aliases: Readonly<Record<string, string>>;
  /** Listed checkpoints that were not evaluated, and why. */
  readonly skipped: Readonly<Record<string, string>>;
}

/** Named figures of one phase of an iteration. */
export type Figures = Readonly<Record<string, number>>;

/**
 * One GRPO iteration's figures, the same for either loop: from the visits of the per-iteration
 * stages, or from `iter-NNNN/metrics.json` under a grpo-block visit.
 */
export interface IterationRow {
  /** The round's iteration: RL round 2 (`stages.rl2`) counts its own from 0. */
  readonly iteration: number;
  /** 1: GRPO; 2: the second RL round, after SFT round 2 (block loop only). */
  readonly round: 1 | 2;
  /** The block that ran it (block loop only). */
  readonly block?: number;
  /** The rollout's figures (`mean_completion_len`, … per-iteration; `prompts`, `tokens`, … block). */
  readonly rollout: Figures;
  /** Named as the score Lambda names them: `accuracy`, `zeroVarianceShare`, `reward.total`, `reward.<component>`, `rows`, … */
  readonly score: Figures;
  /** The update's: `loss`, `kl`, `entropy`, `clip_fraction`, … */
  readonly update: Figures;
  /** Block loop only: the batch record (groups trained and short, refill rounds …) and `droppedProblems`. */
  readonly batch: Figures;
  /** Seconds per phase: per-iteration, each visit's duration (`rollout`, `score`, `update`, `curriculum`); block, the worker's split (`rollout`, `score`, `write`, `update`, `sync`, …). */
  readonly seconds: Figures;
  /** The iteration's `scored_rollouts` shards. */
  readonly scored: readonly string[];
}

/** The GRPO iterations of a run, whichever loop ran them. */
export interface GrpoIterations {
  /** The manifest's loop (`stages.grpo.loop`, auto resolved). */
  readonly loop: "stages" | "block";
  /** In iteration order: the iterations with any figures so far. */
  readonly iterations: readonly IterationRow[];
  /** Iteration records that could not be read, each naming its file and why. */
  readonly warnings: readonly string[];
}

/** A completion shown in the report, with how it was scored. */
export interface Sample {
  /** "grpo iteration N" (block loop: "grpo iteration N (block b)", "… (RL round 2, block b)") or "eval <checkpoint>/<benchmark>". */
  readonly source: string;
  readonly prompt: string;
  readonly completion: string;
  readonly answer: string;
  readonly extractedAnswer: string | null;
  readonly correct: boolean;
  /** Total reward (GRPO samples only). */
  readonly rewardTotal?: number;
}

/** One attempt of a Batch job (a spot reclaim ends one and Batch starts the next). */
export interface BatchAttempt {
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly exitCode?: number;
  /** Batch's reason for the attempt's end ("Host EC2 (instance i-…) terminated." on a reclaim). */
  readonly statusReason?: string;
  /** The container's own reason (e.g. "OutOfMemoryError: Container killed due to memory usage"). */
  readonly reason?: string;
  readonly logStream?: string;
  readonly spotReclaim: boolean;
}

/** An ESTIMATE in USD: the cheapest to the dearest instance type the job's compute environment may start. */
export interface CostRange {
  readonly lowUsd: number;
  readonly highUsd: number;
}

export interface GpuUsage {
  readonly gpuHours: number;
  /** Absent when an instance type has no price in the table. */
  readonly estimatedCost?: CostRange;
}

/** One AWS Batch job of a GPU stage visit, as the Batch API describes it. */
export interface BatchJobRow extends GpuUsage {
  /** The visit's label (`sft`, `grpo-update [3]`), its stage id and iteration. */
  readonly visit: string;
  readonly stage: string;
  readonly iteration?: number;
  readonly jobId: string;
  readonly jobName: string;
  readonly queue: string;
  /** SUBMITTED … RUNNABLE … RUNNING, SUCCEEDED, FAILED. */
  readonly status: string;
  /** Why it is where it is (e.g. why it stays RUNNABLE, why it failed). */
  readonly statusReason?: string;
  readonly createdAt?: string;
  readonly startedAt?: string;
  readonly stoppedAt?: string;
  readonly attempts: readonly BatchAttempt[];
  readonly spotReclaims: number;
  /** CloudWatch Logs stream (log group of the stack's worker jobs). */
  readonly logStream?: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly market: "spot" | "on-demand" | "unknown";
  readonly instanceTypes: readonly string[];
  readonly costNote?: string;
}

/** The GPU stages' jobs from the AWS Batch API (runs on AWS only). */
export interface BatchReport {
  readonly asOf: string;
  /** Where the prices come from and when (costs are estimates). */
  readonly priceSource: string;
  readonly jobs: readonly BatchJobRow[];
  readonly byVisit: readonly ({ readonly visit: string } & GpuUsage)[];
  readonly byStage: readonly ({ readonly stage: string } & GpuUsage)[];
  readonly total: GpuUsage;
  /** Set when the Batch API could not be read (no credentials, access denied …): nothing else is. */
  readonly error?: string;
}

export interface InspectModel {
  readonly run: RunInfo;
  readonly visits: readonly VisitRow[];
  /** Per SFT stage id (`sft`, `sft2`): loss by optimizer step. */
  readonly sftLoss: Readonly<Record<string, readonly LossPoint[]>>;
  readonly eval: EvalTable;
  /** k of maj@k (the manifest's eval samples per problem). */
  readonly evalSamples: number;
  readonly samples: readonly Sample[];
  /** Per GRPO iteration: what the charts, the samples and the block rows' metrics are built from. */
  readonly grpo: GrpoIterations;
  /** AWS runs only (an s3:// run whose status.json names its execution); absent for local runs. */
  readonly batch?: BatchReport;
}
