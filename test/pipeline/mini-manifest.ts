/** A manifest small enough to run every stage of the recipe in about a minute on one CPU core. */
import type { ManifestInput } from "../../schemas/manifest.ts";

export function miniManifest(runId: string, overrides: Partial<ManifestInput> = {}): ManifestInput {
  return {
    runId,
    model: { base: "builtin:tiny", maxSeqLen: 96 },
    datasets: [
      { name: "train", source: "arithmetic", count: 100, seed: 1, levels: [1], role: "train" },
      { name: "bench", source: "arithmetic", count: 40, seed: 2, levels: [1], role: "eval" },
    ],
    stages: {
      curriculum: { batchSize: 4 },
      sft: { learningRate: 0.003, epochs: 1, tokenBudget: 1024 },
      reward: { learningRate: 0.001, prompts: 4, samplesPerPrompt: 2, tokenBudget: 1024 },
      rollout: { maxNewTokens: 24, batchSize: 16 },
      grpo: { iterations: 2, groupSize: 2, learningRate: 0.0001, tokenBudget: 1024 },
      rejection: { samplesPerPrompt: 2, keepPerPrompt: 1, prompts: 4, maxTokens: 24 },
      sft2: { learningRate: 0.003, epochs: 1, tokenBudget: 1024 },
      eval: { samples: 2, limit: 4, maxNewTokens: 24, passK: [1, 2] },
    },
    compute: { device: "cpu", checkpointEvery: 1000 },
    ...overrides,
  };
}

/** The mini manifest with every stage but GRPO switched off, and `grpo` settings merged in. */
export function grpoOnlyManifest(runId: string, grpo: Record<string, unknown>): ManifestInput {
  const off = { enabled: false };
  const base = miniManifest(runId);
  return {
    ...base,
    stages: {
      ...base.stages,
      ...{ sft: off, reward: off, rejection: off, sft2: off, eval: off },
      grpo: { ...base.stages?.grpo, ...grpo },
    },
  };
}
