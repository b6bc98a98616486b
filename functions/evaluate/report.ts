/** The evaluation report: small JSON, per checkpoint, benchmark and level. */
import { z } from "zod";

export const Scores = z.strictObject({
  problems: z.number().int().min(0),
  /** Fewest samples any problem had (the k of maj@k when all have the same). */
  samples: z.number().int().min(0),
  /** Mean over problems of the share of correct samples: pass@1 averaged over the k samples (R1). */
  pass1: z.number().min(0).max(1),
  /** Mean over problems of whether the majority answer is correct. */
  majAtK: z.number().min(0).max(1),
  /** Unbiased pass@k keyed by k, for each requested k no greater than `samples`. */
  passAtK: z.record(z.string(), z.number().min(0).max(1)),
});
export type Scores = z.infer<typeof Scores>;

export const BenchmarkScores = Scores.extend({
  /** The same scores per difficulty level, keyed "1" … "5". */
  levels: z.record(z.string(), Scores),
});
export type BenchmarkScores = z.infer<typeof BenchmarkScores>;

export const CheckpointScores = z.strictObject({
  checkpoint: z.string(),
  benchmarks: z.record(z.string(), BenchmarkScores),
});
export type CheckpointScores = z.infer<typeof CheckpointScores>;

const Delta = z.strictObject({
  pass1: z.number(),
  majAtK: z.number(),
  passAtK: z.record(z.string(), z.number()),
});

export const CheckpointComparison = z.strictObject({
  current: z.string(),
  previous: z.string(),
  /** current − previous, for the benchmarks (and pass@k values) both have. */
  benchmarks: z.record(z.string(), Delta),
});
export type CheckpointComparison = z.infer<typeof CheckpointComparison>;

export const EvalReport = z.strictObject({
  checkpoints: z.record(z.string(), CheckpointScores),
  /** Each evaluated checkpoint against the one evaluated before it, in recipe order. */
  comparisons: z.array(CheckpointComparison),
  /** Checkpoints not sampled on their own because they are the same model as another (final → grpo). */
  aliases: z.record(z.string(), z.string()),
  /** The model each evaluated checkpoint sampled. */
  models: z.record(z.string(), z.string()),
});
export type EvalReport = z.infer<typeof EvalReport>;
