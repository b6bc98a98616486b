/**
 * The synthetic run of fixture.ts with the block loop instead: 3 GRPO iterations in blocks of 2
 * (block 0 runs iterations 0–1, block 1 iteration 2), each grpo-block visit writing what the worker
 * writes: `iter-NNNN/metrics.json` in its shape, `iter-NNNN/scored/` shards and a summary listing the
 * iteration directories. Iterations 0 and 1 have the per-iteration run's figures (different rows).
 */
import { writeTable } from "../../functions/io/arrow-write.ts";
import { writeJson } from "../../functions/io/objects.ts";
import { blockIterations } from "../../recipe/blocks.ts";
import type { StageVisit } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { scoredRollouts } from "../../schemas/tables/index.ts";
import { FIGURES, MANIFEST, type RunVariant, scoredRow } from "./fixture.ts";

export const BLOCK_MANIFEST = Manifest.parse({
  ...MANIFEST,
  stages: {
    ...MANIFEST.stages,
    grpo: { ...MANIFEST.stages.grpo, iterations: 3, iterationsPerJob: 2, loop: "block" },
  },
});

interface Figures {
  rows: number;
  groups: number;
  zeroVarianceGroups: number;
  accuracy: number;
  truncatedShare: number;
  format: number;
  update: { loss: number; kl: number; entropy: number; clip_fraction: number; rows: number };
  trained: number;
  dropped: number;
  seconds: [rollout: number, score: number, write: number, update: number];
  level: number;
}

/** Iteration i's record in the worker's shape: `score` as the scorer's summary (meanReward nested). */
function record(iteration: number, f: Figures) {
  const total = f.accuracy + f.format;
  const [rollout, score, write, update] = f.seconds;
  return {
    iteration,
    rollout: { prompts: f.groups, skipped_prompts: 0, dropped_prompts: 0, truncated_share: f.truncatedShare },
    score: {
      ...{ rows: f.rows, groups: f.groups, zeroVarianceGroups: f.zeroVarianceGroups },
      ...{
        zeroVarianceShare: f.zeroVarianceGroups / f.groups,
        accuracy: f.accuracy,
        truncatedShare: f.truncatedShare,
      },
      meanReward: { accuracy: f.accuracy, format: f.format, language: 0, total },
      levels: { [f.level]: { rows: f.rows, correct: f.rows * f.accuracy, accuracy: f.accuracy } },
      warnings: [],
    },
    update: f.update,
    batch: {
      groupsPerIteration: 16,
      informativeBefore: f.trained,
      groupsTrained: f.trained,
      groupsShort: 16 - f.trained,
    },
    droppedProblems: f.dropped,
    seconds: { rollout_s: rollout, score_s: score, write_s: write, update_s: update, sync_s: 0.0625 },
  };
}

/** Iterations 0 and 1 have the per-iteration run's figures (64 rows in 1); 2 runs at level 2. */
export const ITERATION_RECORDS = [
  record(0, {
    ...{ rows: 128, groups: 16, zeroVarianceGroups: 8, accuracy: 0.25, truncatedShare: 0, format: 1 },
    update: { loss: 0.125, kl: 0.0125, entropy: 0.875, clip_fraction: 0.03125, rows: 64 },
    ...{ trained: 8, dropped: 0, seconds: [4, 0.25, 0.125, 3.5], level: 1 },
  }),
  record(1, {
    ...{
      rows: 64,
      groups: 8,
      zeroVarianceGroups: 2,
      accuracy: 0.625,
      truncatedShare: 0.015625,
      format: 0.9375,
    },
    update: { loss: 0.0625, kl: 0.025, entropy: 0.8125, clip_fraction: 0.0625, rows: 48 },
    ...{ trained: 6, dropped: 2, seconds: [3, 0.125, 0.125, 2.5], level: 1 },
  }),
  record(2, {
    ...{ rows: 128, groups: 16, zeroVarianceGroups: 8, accuracy: 0.75, truncatedShare: 0, format: 1 },
    update: { loss: 0.03125, kl: 0.05, entropy: 0.75, clip_fraction: 0, rows: 64 },
    ...{ trained: 8, dropped: 1, seconds: [4.5, 0.25, 0.25, 3], level: 2 },
  }),
];

const notPerIteration = Object.entries(FIGURES).filter(([k]) => !k.startsWith("grpo-"));

export const BLOCK_FIGURES: typeof FIGURES = {
  ...Object.fromEntries(notPerIteration),
  validate: { metrics: { iterations: 3 } },
  "grpo-block-curriculum/0": {
    rowsOut: 16,
    metrics: { block: 0, iterations: 2, measuredGroups: 0, batch: 16, level: 1 },
  },
  // The summary: the last trained iteration's update figures (iteration 1's) and the batch totals.
  "grpo-block/0": {
    metrics: {
      ...{ iterations: 2, step: 2, loss: 0.0625, kl: 0.025, entropy: 0.8125, clip_fraction: 0.0625 },
      ...{ groups_trained: 14, groups_short: 18, mean_iteration_s: 7 },
    },
  },
  "grpo-block-curriculum/1": {
    rowsOut: 16,
    metrics: { block: 1, iterations: 1, measuredGroups: 24, batch: 16, level: 2, accuracy: 0.375 },
  },
  "grpo-block/1": {
    metrics: {
      ...{ iterations: 1, step: 3, loss: 0.03125, kl: 0.05, entropy: 0.75, clip_fraction: 0 },
      ...{ groups_trained: 8, groups_short: 8, mean_iteration_s: 8 },
    },
  },
  report: { metrics: { stages: 21 } },
};

export const iterationDir = (blockDir: string, i: number) =>
  joinUri(blockDir, `iter-${String(i).padStart(4, "0")}`);

/** RL round 2 (`stages.rl2`, after SFT round 2): 2 iterations, one block, counted from 0 again. */
export const RL2_RECORDS = [
  record(0, {
    ...{ rows: 128, groups: 16, zeroVarianceGroups: 4, accuracy: 0.5, truncatedShare: 0, format: 1 },
    update: { loss: 0.05, kl: 0.0078125, entropy: 0.7, clip_fraction: 0.015625, rows: 96 },
    ...{ trained: 12, dropped: 0, seconds: [4, 0.25, 0.125, 3.5], level: 2 },
  }),
  record(1, {
    ...{ rows: 128, groups: 16, zeroVarianceGroups: 8, accuracy: 0.875, truncatedShare: 0, format: 1 },
    update: { loss: 0.025, kl: 0.015625, entropy: 0.65, clip_fraction: 0.03125, rows: 64 },
    ...{ trained: 8, dropped: 3, seconds: [4, 0.25, 0.125, 3.5], level: 2 },
  }),
];

/**
 * Writes iteration `i` of a block as the worker does: its scored shard (3 groups of 2), then its
 * record (RL round 2's with `round` 2).
 */
export async function writeBlockIteration(blockDir: string, i: number, round: 1 | 2 = 1): Promise<string> {
  const dir = iterationDir(blockDir, i);
  const rows = [0, 1, 2].flatMap((g) =>
    [0, 1].map((s) => ({ ...scoredRow(g, s), group_id: `it${i}-g${g}`, id: `it${i}-g${g}/${s}` })),
  );
  await writeTable(joinUri(dir, "scored", "part-00000.arrow"), scoredRollouts, rows);
  await writeJson(joinUri(dir, "metrics.json"), (round === 1 ? ITERATION_RECORDS : RL2_RECORDS)[i]);
  return dir;
}

/** A block visit writes its iterations (`manifest` says which) and lists them in its summary. */
const writeVisitOf = (manifest: typeof MANIFEST) => async (visit: StageVisit, dir: string) => {
  if (visit.stage.id !== "grpo-block" && visit.stage.id !== "rl2-block")
    return {} as Record<string, string[]>;
  const round = visit.stage.id === "grpo-block" ? 1 : 2;
  const iterations = [];
  for (const i of blockIterations(manifest, visit.iteration ?? 0, round))
    iterations.push(await writeBlockIteration(dir, i, round));
  return { model: joinUri(dir, "model"), iterations };
};

export const BLOCK_RUN: RunVariant = {
  manifest: BLOCK_MANIFEST,
  figures: BLOCK_FIGURES,
  writeVisit: writeVisitOf(BLOCK_MANIFEST),
};

/** The block run with R1's second RL round on (it alone makes `final` a model of its own). */
export const RL2_MANIFEST = Manifest.parse({
  ...BLOCK_MANIFEST,
  stages: { ...BLOCK_MANIFEST.stages, rl2: { enabled: true, iterations: 2 } },
});

export const RL2_RUN: RunVariant = {
  manifest: RL2_MANIFEST,
  figures: {
    ...BLOCK_FIGURES,
    "rl2-block-curriculum/0": {
      rowsOut: 32,
      metrics: { block: 0, iterations: 2, measuredGroups: 0, batch: 32, level: 2 },
    },
    "rl2-block/0": {
      metrics: { iterations: 2, step: 2, loss: 0.025, kl: 0.015625, entropy: 0.65, clip_fraction: 0.03125 },
    },
  },
  writeVisit: writeVisitOf(RL2_MANIFEST),
};
