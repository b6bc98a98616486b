/**
 * Where each stage's inputs and outputs live in a run, as functions of the layout: the one place
 * that knows that GRPO iteration i samples from the curriculum batch of iteration i−1, and so on.
 */

import { blockOf, type RlRound, roundIterations } from "../../recipe/blocks.ts";
import type { Checkpoint } from "../../recipe/checkpoints.ts";
import { loopDirName, type RunLayout } from "../../recipe/layout.ts";
import { BLOCK_ROUNDS } from "../../recipe/recipe.ts";
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
   * The problems GRPO iteration `i` of the per-iteration loop samples: iteration 0's from the
   * initial curriculum (both loops: the reward stage samples it too), later ones from the curriculum
   * stage before the iteration. The block loop's are `round(1).batch(i)`.
   */
  curriculumBatch(iteration: number): string;
  /** The curriculum state per-iteration GRPO iteration `i` starts from (0: the initial curriculum's). */
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
  /** Where a block-loop RL round reads and writes (round 1 = GRPO in the block loop, 2 = `stages.rl2`). */
  round(round: RlRound): RoundPaths;
}

/** One RL round in the block loop, by the round's own iteration index (0 … N−1). */
export interface RoundPaths {
  readonly iterations: number;
  /** The problems iteration `i` samples. */
  batch(iteration: number): string;
  /** With dynamic sampling: the problems iteration `i` may draw more prompts from. */
  reserve(iteration: number): string;
  /** The curriculum state the block starting at `i` is drawn from; null: the initial state. */
  stateBefore(iteration: number): string | null;
  /** The policy iteration `i` starts from (`i` starts a block, or is N). */
  policyBefore(iteration: number): string;
  /** The KL reference of iteration `i`, refreshed every `refreshReferenceEvery` iterations. */
  referenceAt(iteration: number): string;
  /** The round's last policy. */
  readonly model: string;
}

/** `<dir>/<name>/iter-NNNN`. */
const iterDir = (dir: string, name: string, i: number) => joinUri(dir, name, loopDirName("iter", i));

/**
 * A round's paths: its block curriculum writes `batch/iter-NNNN` and `reserve/iter-NNNN` per
 * iteration, its block b writes `model/`. `first` is what precedes the round's own draws: round 1's
 * iteration-0 batch and state come from the initial curriculum stage (the reward stage samples it).
 */
function roundPaths(
  manifest: Manifest,
  layout: RunLayout,
  round: RlRound,
  start: { policy: string; reference: string; firstBatch?: string; firstState?: string },
): RoundPaths {
  const ids = BLOCK_ROUNDS[round];
  const curriculum = (i: number) => layout.stage(ids.curriculum, blockOf(manifest, i));
  const policyBefore = (i: number) =>
    i === 0 ? start.policy : joinUri(layout.stage(ids.block, blockOf(manifest, i - 1)), "model");
  const iterations = roundIterations(manifest, round);
  return {
    iterations,
    batch: (i) => (i === 0 && start.firstBatch ? start.firstBatch : iterDir(curriculum(i), "batch", i)),
    reserve: (i) => iterDir(curriculum(i), "reserve", i),
    stateBefore: (i) => {
      const block = blockOf(manifest, i);
      if (block > 0) return joinUri(layout.stage(ids.curriculum, block - 1), "state.json");
      return start.firstState ?? null;
    },
    policyBefore,
    referenceAt: (i) => refreshedReference(manifest, i, policyBefore, start.reference),
    model: policyBefore(iterations),
  };
}

/** `reference`, or with `refreshReferenceEvery` N > 0 the policy iteration ⌊i / N⌋·N started from. */
function refreshedReference(
  manifest: Manifest,
  i: number,
  policyBefore: (i: number) => string,
  reference: string,
) {
  const every = manifest.stages.grpo.refreshReferenceEvery;
  const refreshed = every > 0 ? Math.floor(i / every) * every : 0;
  return refreshed > 0 ? policyBefore(refreshed) : reference;
}

export function runPaths(manifest: Manifest, layout: RunLayout): RunPaths {
  const { stages, model } = manifest;
  const batchModel = (id: string, iteration?: number) => joinUri(layout.stage(id, iteration), "model");
  const sftModel = stages.sft.enabled ? batchModel("sft") : model.base;
  const reference = model.reference ?? sftModel;
  const curriculumDir = (i: number) =>
    i === 0 ? layout.stage("curriculum") : layout.stage("grpo-curriculum", i - 1);
  const round1 = roundPaths(manifest, layout, 1, {
    policy: sftModel,
    reference,
    firstBatch: joinUri(curriculumDir(0), "batch"),
    firstState: joinUri(curriculumDir(0), "state.json"),
  });
  const blocks = grpoLoopMode(manifest) === "block";
  const policyBefore = (i: number) =>
    blocks ? round1.policyBefore(i) : i === 0 ? sftModel : batchModel("grpo-update", i - 1);
  const rlModel = stages.grpo.enabled ? policyBefore(stages.grpo.iterations) : sftModel;
  const sft2Model = stages.sft2.enabled ? batchModel("sft2") : rlModel;
  // Round 2 trains the SFT round 2 model, against itself as the KL reference.
  const round2 = roundPaths(manifest, layout, 2, { policy: sft2Model, reference: sft2Model });
  return {
    trainProblems: (name) => joinUri(layout.stage("ingest"), "train", name),
    evalProblems: (name) => joinUri(layout.stage("ingest"), "eval", name),
    referenceSft: joinUri(layout.stage("ingest"), "sft"),
    curriculumBatch: (i) => joinUri(curriculumDir(i), "batch"),
    curriculumState: (i) => joinUri(curriculumDir(i), "state.json"),
    model: batchModel,
    policyBefore,
    sftModel,
    rlModel,
    finalModel: stages.rl2.enabled ? round2.model : sft2Model,
    reference,
    referenceAt: (i) => refreshedReference(manifest, i, policyBefore, reference),
    round: (r) => (r === 1 ? round1 : round2),
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
