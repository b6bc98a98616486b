/** bench/iteration-split.ts blockSplit on hand-made visits: what an iteration of a block costs. */
import { describe, expect, it } from "vitest";
import { blockSplit, type Visit } from "../../bench/iteration-split.ts";
import type { StageSummary } from "../../schemas/stage-spec.ts";

const summary = (stage: string, metrics: Record<string, number>, outputs: Record<string, unknown> = {}) =>
  ({
    stage,
    status: "succeeded",
    startedAt: "",
    durationS: 0,
    outputs,
    metrics,
    warnings: [],
  }) as StageSummary;

describe("blockSplit", () => {
  it("shares a block's start and end among its iterations, by part", async () => {
    // Block 0: curriculum 0–1 s, job 1–21 s; block 1 starts at 22 s. Two iterations of 6 s in the job.
    const job = summary(
      "grpo-block",
      { job_load_s: 2, job_resume_s: 1, job_checkpoint_s: 1, job_save_s: 0.5 },
      { iterations: ["it0", "it1"] },
    );
    const visits: Visit[] = [
      { id: "grpo-block-curriculum", iteration: 0, startS: 0, endS: 1, summary: summary("curriculum", {}) },
      { id: "grpo-block", iteration: 0, startS: 1, endS: 21, summary: job },
      { id: "grpo-block-curriculum", iteration: 1, startS: 22, endS: 23, summary: summary("curriculum", {}) },
      {
        id: "grpo-block",
        iteration: 1,
        startS: 23,
        endS: 30,
        summary: { ...job, outputs: { iterations: ["it2"] } },
      },
    ];
    const seconds = {
      rollout_s: 2,
      score_s: 0.5,
      update_s: 3,
      write_s: 0.25,
      sync_s: 0,
      reward_model_s: 0.25,
      other_s: 0,
      iteration_s: 6,
    };
    const split = await blockSplit(visits, async () => seconds);
    // Block 0 spans 22 s, 12 s of it in the loop: 10 s shared, 5 s per iteration.
    expect(split[0]).toMatchObject({ wallS: 11, rolloutS: 2, scoreS: 0.5, updateS: 3, overheadS: 5.5 });
    expect(split[0]?.parts).toEqual({
      "table writes": 0.25,
      "scorer start wait": 0,
      "reward-model scoring": 0.25,
      "weight sync": 0,
      "other in-loop": 0,
      "job: model loads, shared": 1,
      "job: resume, engine, shared": 0.5,
      "job: checkpoints, shared": 0.5,
      "job: final save, shared": 0.25,
      // 5 s shared less 0.5 s of curriculum and 2.25 s of the job's named parts.
      "job: process start, commit, shared": 2.25,
      "curriculum Lambda, shared": 0.5,
    });
    // The last block ends at its job's end: 30 − 22 = 8 s, 6 s in its one iteration, 2 s shared.
    expect(split[2]).toMatchObject({ wallS: 8, overheadS: 0.5 + 2 });
  });
});
