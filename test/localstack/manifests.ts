/** Run manifests of the LocalStack suite: small, valid, nothing to download (generated data sets). */
import { Manifest, type ManifestInput } from "../../schemas/manifest.ts";

export function manifestInput(
  runId: string,
  opts: {
    iterations?: number;
    sft?: boolean;
    reward?: boolean;
    /** `stages.grpo.loop`; unset: "auto", which picks the block loop for these one-GPU runs. */
    loop?: "block" | "stages";
    /** K, `stages.grpo.iterationsPerJob` (block loop). */
    iterationsPerJob?: number;
    /** The second RL round on, with this many iterations (blocks of the same K). */
    rl2Iterations?: number;
  } = {},
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
      grpo: {
        iterations: opts.iterations ?? 2,
        ...(opts.loop ? { loop: opts.loop } : {}),
        ...(opts.iterationsPerJob ? { iterationsPerJob: opts.iterationsPerJob } : {}),
      },
      ...(opts.rl2Iterations ? { rl2: { enabled: true, iterations: opts.rl2Iterations } } : {}),
    },
    compute: { device: "cpu" },
  };
}

export const manifest = (runId: string, opts: Parameters<typeof manifestInput>[1] = {}): Manifest =>
  Manifest.parse(manifestInput(runId, opts));

/** The mocked state machine's cases and the manifest each one stands for. */
export const CASE_MANIFESTS = {
  /**
   * Every stage on, R1's second RL round too, in block loops: five GRPO iterations in blocks of two
   * (three blocks), then after SFT round 2 three more (two blocks).
   */
  FullRun: manifest("mocked-full", { iterations: 5, iterationsPerJob: 2, rl2Iterations: 3 }),
  /** Every stage on, the per-iteration loop (`loop: "stages"`), two GRPO iterations. */
  StagesLoop: manifest("mocked-stages", { iterations: 2, loop: "stages" }),
  /** Cold-start SFT, the reward model and the second RL round off (block loop, one block). */
  SftRewardOff: manifest("mocked-no-sft-reward", { iterations: 2, sft: false, reward: false }),
  /** Per-iteration loop; the first GRPO update's Batch job fails. */
  BatchFails: manifest("mocked-batch-fails", { iterations: 2, loop: "stages" }),
  /** As FullRun; the second block's job fails. */
  BlockFails: manifest("mocked-block-fails", { iterations: 5, iterationsPerJob: 2 }),
  /** Per-iteration loop, one iteration; the rollout's shard list names a missing object, so grpo-score's ItemReader fails. */
  ItemReaderFails: manifest("mocked-item-reader-fails", { iterations: 1, loop: "stages" }),
  /** One GRPO iteration; the first Lambda call after validate is throttled once. */
  LambdaThrottled: manifest("mocked-throttled", { iterations: 1 }),
  /**
   * A continuation execution (see CASE_CONTINUATIONS) of a block-loop run longer than one
   * execution's chunk: 60 iterations in blocks of two are 30 blocks; it starts at block 2.
   */
  BlockHandOver: manifest("mocked-block-hand-over", { iterations: 60, iterationsPerJob: 2 }),
  /** As BlockHandOver, in the second RL round's loop: 60 round-2 iterations, 30 blocks, from block 2. */
  Rl2HandOver: manifest("mocked-rl2-hand-over", { iterations: 2, iterationsPerJob: 2, rl2Iterations: 60 }),
  /** A continuation execution of a per-iteration run at its last iteration: it finishes the run. */
  StagesContinued: manifest("mocked-stages-continued", { iterations: 3, loop: "stages" }),
} as const;
export type MockCase = keyof typeof CASE_MANIFESTS;

/**
 * The cases started as a loop's own hand-over would start them: with the run's `plan`, the loop
 * index they resume at (`loop.iteration`) and the loop's name (`loop.kind`; the per-iteration
 * loop's continuations may lack it), so they skip validate and enter that loop.
 */
export const CASE_CONTINUATIONS: Partial<Record<MockCase, { iteration: number; kind?: string }>> = {
  BlockHandOver: { iteration: 2, kind: "grpo block loop" },
  Rl2HandOver: { iteration: 2, kind: "rl2 block loop" },
  StagesContinued: { iteration: 2, kind: "grpo loop" },
};
