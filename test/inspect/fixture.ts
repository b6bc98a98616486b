/**
 * A synthetic finished (or failed) run with known figures, written through the store so the same
 * fixture serves a local directory and an `s3://` bucket: a manifest with 2 GRPO iterations, every
 * stage's metrics.json and _SUCCESS, SFT metrics.jsonl, scored rollouts and eval records.
 */
import { writeTable } from "../../functions/io/arrow-write.ts";
import { write, writeJson } from "../../functions/io/objects.ts";
import { runLayout } from "../../recipe/layout.ts";
import { plannedVisits, type StageVisit } from "../../recipe/recipe.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { evalRecords, scoredRollouts } from "../../schemas/tables/index.ts";

export const RUN_ID = "synthetic";

export const MANIFEST = Manifest.parse({
  runId: RUN_ID,
  model: { base: "builtin:tiny" },
  datasets: [
    { name: "arith-train", source: "arithmetic", role: "train", count: 100 },
    { name: "arith-eval", source: "arithmetic", role: "eval", count: 20 },
  ],
  // The per-iteration loop (block-fixture.ts has the block loop's run).
  stages: { grpo: { iterations: 2, loop: "stages" }, eval: { samples: 4, passK: [1, 4] } },
});

/** The figures the tests look for, per `<stage>` or `<stage>/<iteration>`. */
export const FIGURES: Record<string, { rowsIn?: number; rowsOut?: number; metrics: Record<string, number> }> =
  {
    validate: { metrics: { iterations: 2 } },
    ingest: { rowsOut: 120, metrics: {} },
    curriculum: { rowsOut: 16, metrics: { level: 1, batch: 16 } },
    sft: { rowsIn: 100, metrics: { loss_first: 6.5, loss_last: 0.75, steps: 5 } },
    "reward-rollout": { rowsIn: 16, rowsOut: 64, metrics: { mean_completion_len: 24.5 } },
    "reward-pairs": { rowsIn: 64, rowsOut: 8, metrics: { pairs: 8, accuracy: 0.375 } },
    reward: { rowsIn: 8, metrics: { held_out_pair_accuracy: 0.875 } },
    "grpo-rollout/0": { rowsIn: 16, rowsOut: 128, metrics: { mean_completion_len: 30.25 } },
    "grpo-score/0": {
      rowsIn: 128,
      rowsOut: 128,
      metrics: {
        ...{ accuracy: 0.25, "reward.total": 1.25, "reward.accuracy": 0.25, "reward.format": 1 },
        ...{ "reward.language": 0, zeroVarianceShare: 0.5, truncatedShare: 0 },
      },
    },
    "grpo-update/0": {
      rowsIn: 128,
      metrics: { loss: 0.125, kl: 0.0125, entropy: 0.875, clip_fraction: 0.03125 },
    },
    "grpo-curriculum/0": { rowsOut: 16, metrics: { level: 1, accuracy: 0.25 } },
    "grpo-rollout/1": { rowsIn: 16, rowsOut: 128, metrics: { mean_completion_len: 28.5 } },
    "grpo-score/1": {
      rowsIn: 128,
      rowsOut: 128,
      metrics: {
        ...{ accuracy: 0.625, "reward.total": 1.5625, "reward.accuracy": 0.625, "reward.format": 0.9375 },
        ...{ "reward.language": 0, zeroVarianceShare: 0.25, truncatedShare: 0.0078125 },
      },
    },
    "grpo-update/1": {
      rowsIn: 128,
      metrics: { loss: 0.0625, kl: 0.025, entropy: 0.8125, clip_fraction: 0.0625 },
    },
    "grpo-curriculum/1": { rowsOut: 16, metrics: { level: 2, accuracy: 0.625 } },
    "rejection-rollout": { rowsIn: 10, rowsOut: 40, metrics: {} },
    rejection: {
      rowsIn: 40,
      rowsOut: 10,
      metrics: {
        total: 40,
        kept: 10,
        keepRate: 0.25,
        "dropped.incorrect": 20,
        "dropped.format": 6,
        "dropped.duplicate": 4,
      },
    },
    sft2: { rowsIn: 110, metrics: { loss_first: 5.5, loss_last: 0.5, steps: 3 } },
    // Every stage is on: base, sft, grpo and sft2 are sampled; final is sft2's model (evaluated once).
    "eval-rollout-base": { rowsIn: 20, rowsOut: 80, metrics: {} },
    "eval-rollout-sft": { rowsIn: 20, rowsOut: 80, metrics: {} },
    "eval-rollout-grpo": { rowsIn: 20, rowsOut: 80, metrics: {} },
    "eval-rollout-sft2": { rowsIn: 20, rowsOut: 80, metrics: {} },
    evaluate: {
      rowsIn: 320,
      rowsOut: 320,
      metrics: {
        ...{ "base.arith-eval.pass1": 0.25, "base.arith-eval.majAtK": 0.25, "base.arith-eval.pass@1": 0.25 },
        ...{ "base.arith-eval.pass@4": 0.5, "sft.arith-eval.pass1": 0.375, "sft.arith-eval.majAtK": 0.5 },
        ...{ "sft.arith-eval.pass@1": 0.375, "sft.arith-eval.pass@4": 0.625 },
        ...{
          "grpo.arith-eval.pass1": 0.625,
          "grpo.arith-eval.majAtK": 0.75,
          "grpo.arith-eval.pass@1": 0.625,
        },
        ...{ "grpo.arith-eval.pass@4": 0.875, "sft2.arith-eval.pass1": 0.5, "sft2.arith-eval.majAtK": 0.75 },
        ...{ "sft2.arith-eval.pass@1": 0.5, "sft2.arith-eval.pass@4": 0.9375 },
      },
    },
    report: { metrics: { stages: 23 } },
  };

export const SFT_LOSSES = { sft: [6.5, 4, 2, 1, 0.75], sft2: [5.5, 2, 0.5] };
/** Where the prompts try to break out of the HTML. */
export const NASTY_PROMPT = `What is 2+3? <script>alert("x")</script> & "quotes"`;

export function scoredRow(group: number, sample: number) {
  const correct = sample === 0;
  return {
    ...{ id: `g${group}/${sample}`, problem_id: `p${group}`, group_id: `g${group}`, sample_index: sample },
    ...{ policy_version: 1, level: 1, answer: "5", answer_type: "numeric" as const, choices: [] },
    ...{ prompt: NASTY_PROMPT, completion: `<think>2+3=5</think> ${correct ? "5" : "6"}` },
    ...{ prompt_token_ids: [1, 2], completion_token_ids: [3, 4], logprobs: [-0.5, -0.25] },
    ...{ finish_reason: "stop" as const, rm_score: null, rm_step_scores: null, step_token_ends: null },
    ...{ extracted_answer: correct ? "5" : "6", correct, reward_accuracy: correct ? 1 : 0, reward_format: 1 },
    ...{ reward_language: 0, reward_length: 0, reward_repetition: 0, reward_model: 0 },
    ...{
      reward_total: correct ? 2 : 1,
      step_rewards: [],
      advantage: correct ? 1 : -1,
      token_advantages: null,
    },
  };
}

function evalRow(checkpoint: string, problem: number, sample: number) {
  return {
    ...{ problem_id: `e${problem}`, benchmark: "arith-eval", checkpoint, level: 1, sample_index: sample },
    ...{
      answer: "7",
      answer_type: "numeric" as const,
      completion: `<think>3+4</think> 7`,
      extracted_answer: "7",
    },
    correct: true,
  };
}

/** A run's manifest and figures, and what a visit writes besides its metrics.json (its outputs). */
export interface RunVariant {
  readonly manifest: typeof MANIFEST;
  readonly figures: typeof FIGURES;
  readonly writeVisit?: (visit: StageVisit, dir: string) => Promise<Record<string, string | string[]>>;
}

/** The per-iteration loop's run. */
export const STAGES_RUN: RunVariant = { manifest: MANIFEST, figures: FIGURES };

export interface FixtureOptions {
  /** Stop at this visit (`<stage>` or `<stage>/<iteration>`): no _SUCCESS there or after, status failed. */
  failAt?: { visit: string; cause: string };
  /** The run to write (default the per-iteration loop's). */
  variant?: RunVariant;
}

/** Writes the run under `store` (a directory or `s3://bucket`); returns the run's URI. */
export async function writeSyntheticRun(store: string, opts: FixtureOptions = {}): Promise<string> {
  const { manifest, figures, writeVisit } = opts.variant ?? STAGES_RUN;
  const layout = runLayout(store, RUN_ID);
  await writeJson(layout.manifest, manifest);
  let t = Date.parse("2026-01-02T03:04:05.000Z");
  for (const visit of plannedVisits(manifest)) {
    const key = visit.iteration === undefined ? visit.stage.id : `${visit.stage.id}/${visit.iteration}`;
    if (key === opts.failAt?.visit) {
      const status = { runId: RUN_ID, status: "failed", stage: visit.stage.id, cause: opts.failAt.cause };
      await writeJson(layout.status, { ...status, updatedAt: new Date(t).toISOString() });
      return layout.root;
    }
    const dir = layout.stage(visit.stage.id, visit.iteration);
    const fig = figures[key] ?? { metrics: {} };
    const outputs: Record<string, string | string[]> = writeVisit ? await writeVisit(visit, dir) : {};
    if (visit.stage.id === "grpo-score") {
      outputs.scored = [`${dir}/part-00000.arrow`];
      await writeTable(
        `${dir}/part-00000.arrow`,
        scoredRollouts,
        [0, 1, 2].flatMap((g) => [scoredRow(g, 0), scoredRow(g, 1)]),
      );
    }
    if (visit.stage.id === "evaluate") {
      const records = `${dir}/records/part-00000.arrow`;
      outputs.records = [records];
      const rows = ["base", "sft", "grpo", "sft2"].flatMap((c) =>
        [0, 1, 2, 3, 4].flatMap((p) => [0, 1].map((s) => evalRow(c, p, s))),
      );
      await writeTable(records, evalRecords, rows);
    }
    const losses = SFT_LOSSES[visit.stage.id as keyof typeof SFT_LOSSES];
    if (losses) {
      const lines = losses.map((loss, i) => JSON.stringify({ time: "t", step: i + 1, loss, lr: 0.001 }));
      await write(`${dir}/metrics.jsonl`, `${lines.join("\n")}\n`);
    }
    const durationS = visit.stage.id === "sft" ? 125 : 2.5;
    await writeJson(`${dir}/metrics.json`, {
      stage: visit.stage.id,
      status: "succeeded",
      startedAt: new Date(t).toISOString(),
      durationS,
      ...fig,
      outputs,
      warnings: [],
    });
    await writeJson(`${dir}/_SUCCESS`, {
      stage: visit.stage.id,
      hash: "0".repeat(64),
      finishedAt: "t",
      files: [],
    });
    t += durationS * 1000;
  }
  await writeJson(layout.status, {
    runId: RUN_ID,
    status: "succeeded",
    updatedAt: new Date(t).toISOString(),
  });
  return layout.root;
}
