/**
 * The curriculum at block boundaries (stage `grpo-block-curriculum`): it measures all of the previous
 * block's groups at once, so a level unlocks on the block's accuracy, not one iteration's; it drops
 * all-right / all-wrong problems from every iteration of the block; it draws each iteration of the
 * next block with no measurement in between; with dynamic sampling, each iteration's reserve is
 * batchSize × maxRounds problems none of which is in that iteration's batch. Real Lambda stages
 * (ingest, curriculum) over a temp directory; the block's scored tables are hand-written.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CurriculumState, nextCurriculumBatch } from "../../functions/curriculum/index.ts";
import { readShardRows } from "../../functions/io/arrow-read.ts";
import { writeTable } from "../../functions/io/arrow-write.ts";
import { readJson } from "../../functions/io/objects.ts";
import { LAMBDA_STAGES, runStage, stageContext } from "../../functions/stages/index.ts";
import { runLayout } from "../../recipe/layout.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { problems, scoredRollouts } from "../../schemas/tables/index.ts";
import { miniManifest } from "../pipeline/mini-manifest.ts";

const base = miniManifest("block-curriculum");
const manifest = Manifest.parse({
  ...base,
  stages: {
    ...base.stages,
    curriculum: { batchSize: 4, unlockThreshold: 0.7, nextLevelShare: 0, replayShare: 0 },
    grpo: {
      ...base.stages?.grpo,
      iterations: 4,
      iterationsPerJob: 2,
      dynamicSampling: { enabled: true, maxRounds: 2 },
    },
  },
  datasets: [{ name: "train", source: "arithmetic", count: 200, seed: 1, levels: [1, 2], role: "train" }],
});
const store = mkdtempSync(join(tmpdir(), "r1flow-block-curriculum-"));
const layout = runLayout(store, manifest.runId);

async function run(stageId: string, iteration?: number) {
  const ctx = stageContext(manifest, layout, stageId, iteration);
  return { ctx, summary: await runStage(stageId, ctx, LAMBDA_STAGES.curriculum) };
}
async function ids(prefix: string): Promise<string[]> {
  return (await rows(prefix)).map((p) => p.id);
}
async function rows(prefix: string) {
  const out = [];
  for await (const p of readShardRows(prefix, problems)) out.push(p);
  return out;
}
async function* trainRows() {
  yield* readShardRows(join(layout.stage("ingest"), "train", "train"), problems);
}

/** A scored group of two samples of `problemId`, `correct` of them right. */
function group(problemId: string, iteration: number, correct: number) {
  return [0, 1].map((s) => ({
    ...{
      id: `${problemId}@v${iteration}/${s}`,
      problem_id: problemId,
      group_id: `${problemId}@v${iteration}`,
    },
    ...{ sample_index: s, policy_version: iteration, level: 1, answer: "1", answer_type: "numeric" as const },
    ...{ choices: [], prompt: "q", completion: "c", prompt_token_ids: [1], completion_token_ids: [2] },
    ...{ logprobs: [-1], finish_reason: "stop" as const, rm_score: null, rm_step_scores: null },
    ...{
      step_token_ends: null,
      extracted_answer: "1",
      correct: s < correct,
      reward_accuracy: s < correct ? 1 : 0,
    },
    ...{ reward_format: 1, reward_language: 0, reward_length: 0, reward_repetition: 0, reward_model: 0 },
    ...{ reward_total: 1, step_rewards: [], advantage: 0, token_advantages: null },
  }));
}

describe("the curriculum at block boundaries", () => {
  it("draws block 0's later iterations from the initial state, and a disjoint reserve for each", async () => {
    await runStage("ingest", stageContext(manifest, layout, "ingest"), LAMBDA_STAGES.ingest);
    await run("curriculum");
    const { ctx, summary } = await run("grpo-block-curriculum", 0);
    expect(summary.metrics).toMatchObject({ block: 0, iterations: 2, measuredGroups: 0, level: 1, batch: 4 });
    // Iteration 0's batch is the initial curriculum's (the reward stage samples it too); 1's is new.
    const batch0 = await ids(ctx.paths.curriculumBatch(0));
    expect(ctx.paths.curriculumBatch(0)).toContain("-curriculum/batch");
    const batch1 = await ids(ctx.paths.round(1).batch(1));
    expect(batch1).toHaveLength(4);
    // No measurement between the two: iteration 1 is what the curriculum draws from the initial state.
    const initial = CurriculumState.parse(await readJson(ctx.paths.curriculumState(0)));
    const expected = await nextCurriculumBatch(trainRows(), { state: initial }, manifest.stages.curriculum);
    expect(batch1).toEqual(expected.batch.map((p) => p.id));
    for (const [i, batch] of [batch0, batch1].entries()) {
      const reserve = await ids(ctx.paths.round(1).reserve(i));
      expect(reserve, `iteration ${i}`).toHaveLength(4 * 2);
      expect(
        reserve.filter((id) => batch.includes(id)),
        `iteration ${i}`,
      ).toEqual([]);
      const levels = (await rows(ctx.paths.round(1).reserve(i))).map((p) => p.level);
      expect(new Set(levels), `iteration ${i}: level 1 only`).toEqual(new Set([1]));
    }
    const state = CurriculumState.parse(await readJson(join(ctx.dir, "state.json")));
    expect(state.iteration).toBe(2);
    expect(state).toEqual(expected.state);
    // Each reserve is what the old per-iteration draw gave: the batch's state, its ids dropped.
    const reserveSettings = { ...manifest.stages.curriculum, batchSize: 4 * 2 };
    for (const [i, [after, batch]] of [
      [initial, batch0],
      [expected.state, batch1],
    ].entries() as IterableIterator<[number, [CurriculumState, string[]]]>) {
      const dropped = [...new Set([...after.dropped, ...batch])].sort();
      const old = await nextCurriculumBatch(
        trainRows(),
        { state: { ...after, iteration: i, dropped } },
        reserveSettings,
      );
      expect(await ids(ctx.paths.round(1).reserve(i)), `iteration ${i}`).toEqual(old.batch.map((p) => p.id));
    }
  });

  it("measures the whole previous block once: no unlock at 10/16 right, drops every flat group", async () => {
    const paths = stageContext(manifest, layout, "grpo-block-curriculum", 1).paths;
    const [b0, b1] = [await ids(paths.curriculumBatch(0)), await ids(paths.round(1).batch(1))];
    // Iteration 0: 1/2, 0/2, 0/2, 1/2 right (2 of 8); iteration 1: every group 2/2 (8 of 8). Iteration 1
    // alone (100 %) would unlock level 2 at threshold 0.7; the block's 10/16 = 62.5 % does not.
    const scored = (i: number) =>
      join(layout.stage("grpo-block", 0), `iter-000${i}`, "scored", "part-00000.arrow");
    await writeTable(
      scored(0),
      scoredRollouts,
      b0.flatMap((p, k) => group(p, 0, [1, 0, 0, 1][k]!)),
    );
    await writeTable(
      scored(1),
      scoredRollouts,
      b1.flatMap((p) => group(p, 1, 2)),
    );

    const { ctx, summary } = await run("grpo-block-curriculum", 1);
    expect(summary.metrics).toMatchObject({ block: 1, measuredGroups: 8, level: 1, accuracy: 0.625 });
    expect(summary.metrics.unlockedLevel).toBeUndefined();
    // (A problem may be in both batches: nothing was dropped between them.)
    const dropped = [...new Set([b0[1]!, b0[2]!, ...b1])].sort();
    const state = CurriculumState.parse(await readJson(join(ctx.dir, "state.json")));
    expect(state.dropped).toEqual(dropped);
    expect(state.iteration).toBe(4);
    for (const i of [2, 3]) {
      const batch = await ids(paths.round(1).batch(i));
      expect(batch, `iteration ${i}`).toHaveLength(4);
      expect(
        batch.filter((id) => dropped.includes(id)),
        `iteration ${i}`,
      ).toEqual([]);
      const reserve = await ids(paths.round(1).reserve(i));
      expect([...reserve, ...batch].filter((id) => dropped.includes(id))).toEqual([]);
    }
  });
});
