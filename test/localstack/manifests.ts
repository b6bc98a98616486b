/** Run manifests of the LocalStack suite: small, valid, nothing to download (generated data sets). */
import { Manifest, type ManifestInput } from "../../schemas/manifest.ts";

export function manifestInput(
  runId: string,
  opts: { iterations?: number; sft?: boolean; reward?: boolean } = {},
): ManifestInput {
  return {
    runId,
    model: { base: "builtin:tiny", maxSeqLen: 128 },
    datasets: [
      { name: "arith-train", source: "arithmetic", count: 64, levels: [1, 2], role: "train" },
      { name: "arith-eval", source: "arithmetic", count: 16, seed: 2, levels: [1, 2], role: "eval" },
    ],
    stages: {
      sft: { enabled: opts.sft ?? true },
      reward: { enabled: opts.reward ?? true },
      grpo: { iterations: opts.iterations ?? 2 },
    },
    compute: { device: "cpu" },
  };
}

export const manifest = (runId: string, opts: Parameters<typeof manifestInput>[1] = {}): Manifest =>
  Manifest.parse(manifestInput(runId, opts));

/** The mocked state machine's cases and the manifest each one stands for. */
export const CASE_MANIFESTS = {
  /** Every stage on, two GRPO iterations. */
  FullRun: manifest("mocked-full", { iterations: 2 }),
  /** Cold-start SFT and the reward model off. */
  SftRewardOff: manifest("mocked-no-sft-reward", { iterations: 2, sft: false, reward: false }),
  /** As FullRun; the first GRPO update's Batch job fails. */
  BatchFails: manifest("mocked-batch-fails", { iterations: 2 }),
  /** One GRPO iteration; the rollout's shard list names a missing object, so grpo-score's ItemReader fails. */
  ItemReaderFails: manifest("mocked-item-reader-fails", { iterations: 1 }),
  /** One GRPO iteration; the first Lambda call after validate is throttled once. */
  LambdaThrottled: manifest("mocked-throttled", { iterations: 1 }),
} as const;
export type MockCase = keyof typeof CASE_MANIFESTS;
