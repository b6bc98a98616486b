import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createScorer, type ScoreOptions, scoreRollouts } from "../../functions/score/index.ts";
import { RewardWeights, scoredRollouts } from "../../schemas/index.ts";
import { RIGHT, rollout, WRONG } from "./rollout-fixture.ts";

const accuracyOnly = RewardWeights.parse({ format: 0 });
const outcome: ScoreOptions = { weights: accuracyOnly, advantageNorm: "std", advantage: "outcome" };

async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

describe("scoreRollouts", () => {
  it("writes every scored_rollouts column with GRPO advantages", async () => {
    const rows = [RIGHT, WRONG, WRONG, RIGHT].map((completion, i) =>
      rollout({ group_id: "g", sample_index: i, completion }),
    );
    const { rows: out, summary } = await scoreRollouts(rows, outcome);
    for (const r of out) scoredRollouts.row.parse(r);
    // rewards [1, 0, 0, 1] → mean 0.5, std 0.5 → ±0.5 / (0.5 + 1e-6)
    const x = 0.5 / (0.5 + 1e-6);
    expect(out.map((r) => r.advantage)).toEqual([x, -x, -x, x]);
    expect(out.map((r) => r.extracted_answer)).toEqual(["42", "41", "41", "42"]);
    expect(out[0]).toMatchObject({ correct: true, reward_accuracy: 1, reward_format: 1, reward_language: 1 });
    expect(out[0]).toMatchObject({
      reward_length: 0,
      reward_repetition: 0,
      reward_model: 0,
      reward_total: 1,
    });
    expect(out[0]?.token_advantages).toBeNull();
    expect(summary).toMatchObject({ rows: 4, groups: 1, accuracy: 0.5, zeroVarianceGroups: 0, warnings: [] });
    expect(summary.meanReward).toMatchObject({ accuracy: 0.5, format: 1, total: 0.5 });
  });

  it("Dr. GRPO leaves the std out, and folds the other components into the total", async () => {
    const weights = RewardWeights.parse({ rewardModel: 0.5 });
    const rows = [
      rollout({ group_id: "g", sample_index: 0, completion: RIGHT, rm_score: 2 }),
      rollout({ group_id: "g", sample_index: 1, completion: "no think \\boxed{42}", rm_score: 0 }),
      rollout({ group_id: "g", sample_index: 2, completion: WRONG, rm_score: -2 }),
    ];
    // totals: 1 + 1 + 0.5·2 = 3; 1 + 0 + 0 = 1; 0 + 1 + 0.5·(−2) = 0 → mean 4/3
    const { rows: out } = await scoreRollouts(rows, { weights, advantageNorm: "none", advantage: "outcome" });
    expect(out.map((r) => r.reward_total)).toEqual([3, 1, 0]);
    expect(out.map((r) => r.advantage)).toEqual(
      [3 - 4 / 3, 1 - 4 / 3, -4 / 3].map((v) => expect.closeTo(v, 12)),
    );
  });

  it("groups by group_id even when a group's rows are interleaved, from an async source", async () => {
    const rows = [
      rollout({ group_id: "a", sample_index: 0, completion: RIGHT }),
      rollout({ group_id: "b", sample_index: 0, completion: RIGHT }),
      rollout({ group_id: "a", sample_index: 1, completion: WRONG }),
      rollout({ group_id: "b", sample_index: 1, completion: RIGHT }),
    ];
    const { rows: out, summary } = await scoreRollouts(asAsync(rows), outcome);
    expect(out.map((r) => r.id)).toEqual(["a/0", "a/1", "b/0", "b/1"]);
    expect(out.map((r) => r.advantage)).toEqual([1, -1, 0, 0].map((v) => expect.closeTo(v, 5)));
    expect(summary).toMatchObject({
      groups: 2,
      zeroVarianceGroups: 1,
      allCorrectGroups: 1,
      flatRewardGroups: 1,
    });
  });

  it("streams a group as soon as it holds groupSize rows, and refuses a late row", () => {
    const scorer = createScorer({ ...outcome, groupSize: 2 });
    expect(scorer.push(rollout({ group_id: "a", sample_index: 0 }))).toEqual([]);
    expect(scorer.push(rollout({ group_id: "a", sample_index: 1 })).map((r) => r.id)).toEqual(["a/0", "a/1"]);
    expect(() => scorer.push(rollout({ group_id: "a", sample_index: 2 }))).toThrow(/group "a" already/);
    expect(scorer.finish()).toEqual([]);
  });

  it("refuses a group that ends short of groupSize rows (split across shards), naming group and shard", () => {
    const scorer = createScorer({ ...outcome, groupSize: 4, source: "s3://b/runs/r/part-00001.arrow" });
    scorer.push(rollout({ group_id: "a", sample_index: 0, completion: RIGHT }));
    scorer.push(rollout({ group_id: "a", sample_index: 1, completion: WRONG }));
    expect(() => scorer.finish()).toThrow(
      'group "a" in s3://b/runs/r/part-00001.arrow has 2 of its 4 rows: a rollout group must not span shards',
    );
    // Without groupSize the groups are whatever the rows hold: no error.
    const free = createScorer(outcome);
    free.push(rollout({ group_id: "a", sample_index: 0, completion: RIGHT }));
    expect(free.finish()).toHaveLength(1);
  });

  it("process supervision: token advantages from the process RM's step scores", async () => {
    // Same numbers as the processAdvantages test: A [0, 5] at tokens [1, 3] of 5; B [0, 0, 0] at [0, 1, 3] of 4
    const rows = [
      rollout({
        group_id: "g",
        sample_index: 0,
        completion_token_ids: [1, 2, 3, 4, 5],
        rm_step_scores: [0, 5],
        step_token_ends: [1, 3],
      }),
      rollout({
        group_id: "g",
        sample_index: 1,
        completion_token_ids: [1, 2, 3, 4],
        rm_step_scores: [0, 0, 0],
        step_token_ends: [0, 1, 3],
      }),
    ];
    const { rows: out } = await scoreRollouts(rows, { ...outcome, advantage: "process", eps: 0 });
    expect(out[0]?.token_advantages).toEqual([1.5, 1.5, 2, 2, 0]);
    expect(out[1]?.token_advantages).toEqual([-1.5, -1, -0.5, -0.5]);
    expect(out[0]?.step_rewards).toEqual([0, 5]);
  });

  it("process supervision from rule-checked steps, mapped to tokens by character share", async () => {
    const check = (line: string) => {
      const m = /^(\d+) \+ (\d+) = (\d+)$/.exec(line);
      return m ? Number(m[1]) + Number(m[2]) === Number(m[3]) : null;
    };
    // 36 characters; steps end at characters 16 and 26; 12 tokens →
    // ⌈16/36·12⌉ − 1 = 5 and ⌈26/36·12⌉ − 1 = 8
    const good = "<think>1 + 1 = 2\n1 + 2 = 3</think> 4";
    const bad = "<think>1 + 1 = 2\n1 + 2 = 4</think> 4";
    const rows = [good, bad].map((completion, i) =>
      rollout({ group_id: "g", sample_index: i, completion, answer: "4" }),
    );
    const weights = RewardWeights.parse({ format: 0, steps: 1 });
    const { rows: out } = await scoreRollouts(rows, {
      weights,
      advantageNorm: "none",
      advantage: "process",
      checkStep: check,
    });
    // step rewards [1, 1] and [1, −1]: mean 0.5 → normalised [0.5, 0.5] and [0.5, −1.5]
    expect(out.map((r) => r.step_rewards)).toEqual([
      [1, 1],
      [1, -1],
    ]);
    const expectA = [1, 1, 1, 1, 1, 1, 0.5, 0.5, 0.5, 0, 0, 0];
    const expectB = [-1, -1, -1, -1, -1, -1, -1.5, -1.5, -1.5, 0, 0, 0];
    expect(out[0]?.token_advantages).toEqual(expectA);
    expect(out[1]?.token_advantages).toEqual(expectB);
    // totals: 1 (accuracy) + mean step reward: 1 + 1 = 2 and 1 + 0 = 1
    expect(out.map((r) => r.reward_total)).toEqual([2, 1]);
  });

  it("warns when most groups are all right or all wrong", async () => {
    const rows = ["a", "b", "c"].flatMap((g, gi) =>
      [0, 1].map((i) =>
        rollout({ group_id: g, sample_index: i, completion: gi === 2 && i === 1 ? WRONG : RIGHT }),
      ),
    );
    const { summary } = await scoreRollouts(rows, outcome);
    expect(summary.zeroVarianceGroups).toBe(2);
    expect(summary.zeroVarianceShare).toBeCloseTo(2 / 3, 12);
    expect(summary.warnings).toHaveLength(1);
    expect(summary.warnings[0]).toMatch(/^WARNING: 66\.7% of groups are all right or all wrong/);
  });

  it("warns when most completions were truncated", async () => {
    const rows = [0, 1, 2, 3].map((i) =>
      rollout({
        group_id: "g",
        sample_index: i,
        completion: i < 2 ? RIGHT : "<think>6 * 7 is",
        finish_reason: i === 0 ? "stop" : "length",
      }),
    );
    const { summary } = await scoreRollouts(rows, outcome);
    expect(summary.truncatedShare).toBe(0.75);
    expect(summary.warnings).toEqual([
      expect.stringMatching(/^WARNING: 75\.0% of completions were truncated/),
    ]);
  });

  it("reports accuracy per level", async () => {
    const rows = [
      rollout({ group_id: "a", sample_index: 0, level: 1 }),
      rollout({ group_id: "a", sample_index: 1, level: 1, completion: WRONG }),
      rollout({ group_id: "b", sample_index: 0, level: 3 }),
    ];
    const { summary } = await scoreRollouts(rows, outcome);
    expect(summary.levels).toEqual({
      "1": { rows: 2, correct: 1, accuracy: 0.5 },
      "3": { rows: 1, correct: 1, accuracy: 1 },
    });
  });

  it("scores empty input to no rows and a valid summary", async () => {
    const { rows, summary } = await scoreRollouts([], outcome);
    expect(rows).toEqual([]);
    expect(summary).toMatchObject({
      rows: 0,
      groups: 0,
      accuracy: 0,
      truncatedShare: 0,
      zeroVarianceShare: 0,
    });
    expect(summary.warnings).toEqual([]);
    expect(Object.values(summary.meanReward).every((v) => v === 0)).toBe(true);
  });

  it("advantages of every group sum to ~0 (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }),
        fc.constantFrom("std" as const, "none" as const),
        async (groups, norm) => {
          const rows = groups.flatMap((g, gi) =>
            g.map((ok, i) =>
              rollout({ group_id: `g${gi}`, sample_index: i, completion: ok ? RIGHT : WRONG }),
            ),
          );
          const { rows: out } = await scoreRollouts(rows, { ...outcome, advantageNorm: norm });
          const sums = new Map<string, number>();
          for (const r of out) sums.set(r.group_id, (sums.get(r.group_id) ?? 0) + r.advantage);
          for (const s of sums.values()) expect(Math.abs(s)).toBeLessThan(1e-6);
        },
      ),
      { numRuns: 50 },
    );
  });
});
