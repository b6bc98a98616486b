/**
 * Where each stage's inputs and outputs live in a run, as functions of the layout: the one place
 * that knows that GRPO iteration i samples from the curriculum batch of iteration i−1, and so on.
 */

import { blockOf } from "../../recipe/blocks.ts";
import type { Checkpoint } from "../../recipe/checkpoints.ts";
import type { RunLayout } from "../../recipe/layout.ts";
import { joinUri } from "../../recipe/uri.ts";
import { grpoLoopMode, type Manifest } from "../../schemas/manifest.ts";

export interface RunPaths {
  /** Train problems of one data set: `ingest/train/<name>/`. */
  trainProblems(dataset: string): string;
  /** Eval problems of one benchmark: `ingest/eval/<name>/`. */
  evalProblems(dataset: string): string;
  /** Reference reasoning paths as `sft_examples`. */
  referenceSft: string;
  /**
   * The problems GRPO iteration `i` samples: iteration 0's from the initial curriculum, later ones
   * from the curriculum stage before the iteration (per-iteration loop) or before its block.
   */
  curriculumBatch(iteration: number): string;
  /** Block loop with dynamic sampling: the problems iteration `i` may draw more prompts from. */
  curriculumReserve(iteration: number): string;
  /** The curriculum state GRPO iteration `i` starts from (block loop: `i` starts a block). */
  curriculumState(iteration: number): string;
  /** A model a batch stage wrote. */
  model(stageId: string, iteration?: number): string;
  /** The policy GRPO iteration `i` starts from (block loop: `i` starts a block, or is N). */
  policyBefore(iteration: number): string;
  /** The model after SFT (or the base model when SFT is off). */
  sftModel: string;
  /** The policy after GRPO (or the SFT model when GRPO is off). */
  rlModel: string;
  /** The model evaluated as "final". */
  finalModel: string;
  /** The KL reference the RL run starts with: the manifest's, else the SFT model. */
  reference: string;
  /**
   * The KL reference of GRPO iteration `i`: `reference`, or,
   * with `stages.grpo.refreshReferenceEvery` N > 0, the policy iteration ⌊i / N⌋·N started from
   * (reference ← current policy every N iterations).
   */
  referenceAt(iteration: number): string;
}

export function runPaths(manifest: Manifest, layout: RunLayout): RunPaths {
  const { stages, model } = manifest;
  const batchModel = (id: string, iteration?: number) => joinUri(layout.stage(id, iteration), "model");
  const sftModel = stages.sft.enabled ? batchModel("sft") : model.base;
  const blocks = grpoLoopMode(manifest) === "block";
  const iterDir = (dir: string, name: string, i: number) =>
    joinUri(dir, name, `iter-${String(i).padStart(4, "0")}`);
  const blockCurriculum = (i: number) => layout.stage("grpo-block-curriculum", blockOf(manifest, i));
  const policyBefore = (i: number) => {
    if (i === 0) return sftModel;
    return blocks ? batchModel("grpo-block", blockOf(manifest, i - 1)) : batchModel("grpo-update", i - 1);
  };
  const reference = model.reference ?? sftModel;
  const rlModel = stages.grpo.enabled ? policyBefore(stages.grpo.iterations) : sftModel;
  const curriculumDir = (i: number) =>
    i === 0 ? layout.stage("curriculum") : layout.stage("grpo-curriculum", i - 1);
  return {
    trainProblems: (name) => joinUri(layout.stage("ingest"), "train", name),
    evalProblems: (name) => joinUri(layout.stage("ingest"), "eval", name),
    referenceSft: joinUri(layout.stage("ingest"), "sft"),
    curriculumBatch: (i) =>
      blocks && i > 0 ? iterDir(blockCurriculum(i), "batch", i) : joinUri(curriculumDir(i), "batch"),
    curriculumReserve: (i) => iterDir(blockCurriculum(i), "reserve", i),
    curriculumState: (i) =>
      blocks && i > 0
        ? joinUri(layout.stage("grpo-block-curriculum", blockOf(manifest, i) - 1), "state.json")
        : joinUri(curriculumDir(i), "state.json"),
    model: batchModel,
    policyBefore,
    sftModel,
    rlModel,
    finalModel: stages.sft2.enabled ? batchModel("sft2") : rlModel,
    reference,
    referenceAt: (i) => {
      const every = stages.grpo.refreshReferenceEvery;
      const refreshed = every > 0 ? Math.floor(i / every) * every : 0;
      return refreshed > 0 ? policyBefore(refreshed) : reference;
    },
  };
}

/** The model an eval checkpoint samples (`recipe/checkpoints.ts` says which ones a run evaluates). */
export function checkpointModel(manifest: Manifest, paths: RunPaths, checkpoint: Checkpoint): string {
  if (checkpoint === "base") return manifest.model.base;
  if (checkpoint === "sft") return paths.sftModel;
  if (checkpoint === "grpo") return paths.rlModel;
  if (checkpoint === "sft2") return paths.model("sft2");
  return paths.finalModel;
}

/** Data sets that feed training, and those that are benchmarks. */
export function trainDatasets(manifest: Manifest) {
  return manifest.datasets.filter((d) => d.role !== "eval");
}
export function evalDatasets(manifest: Manifest) {
  return manifest.datasets.filter((d) => d.role !== "train");
}
