/**
 * The state machine's status function, pure parts: a failure is recorded with its stage and a
 * readable cause (Batch job descriptions and Lambda errors shortened), success keeps the trigger's
 * fields, and a Batch stage's metrics.json is read back small, with its shard list written out.
 */
import { describe, expect, it } from "vitest";
import { summarizeCause } from "../../functions/trigger/failure-cause.ts";
import { recordRunStatus } from "../../functions/trigger/record-status.ts";
import { readStageSummary } from "../../functions/trigger/stage-readback.ts";
import { FakeRunObjects } from "./fake-run-objects.ts";

const now = () => new Date("2026-01-02T00:00:00Z");
const runUri = "s3://artifacts/runs/demo-1";

describe("summarizeCause", () => {
  it("keeps the status reason, exit code and log stream of a failed Batch job", () => {
    const cause = JSON.stringify({
      JobName: "demo-1-sft",
      Status: "FAILED",
      StatusReason: "Essential container in task exited",
      Attempts: [{ Container: { ExitCode: 1, Reason: "OutOfMemoryError" } }],
      Container: { LogStreamName: "sft/default/abc" },
      Padding: "x".repeat(50_000),
    });
    expect(summarizeCause({ Error: "States.TaskFailed", Cause: cause })).toBe(
      "Batch job demo-1-sft FAILED: Essential container in task exited; exit code 1; container: OutOfMemoryError; log stream sft/default/abc",
    );
  });

  it("shows a Lambda error as type and message, and clips anything long", () => {
    const cause = JSON.stringify({ errorType: "SchemaError", errorMessage: "spec.json: 1 problem" });
    expect(summarizeCause({ Error: "SchemaError", Cause: cause })).toBe(
      "SchemaError: SchemaError: spec.json: 1 problem",
    );
    expect(summarizeCause({ Error: "X", Cause: "y".repeat(5000) }).length).toBe(2000);
  });
});

describe("recordRunStatus", () => {
  it("records the failed stage and cause, keeping what the trigger wrote", async () => {
    const objects = new FakeRunObjects();
    const trigger = {
      runId: "demo-1",
      status: "running",
      updatedAt: "t",
      executionName: "demo-1-abc",
      manifestVersion: "v1",
    };
    await objects.put("runs/demo-1/status.json", JSON.stringify(trigger));
    await recordRunStatus(
      {
        action: "run",
        runUri,
        status: "failed",
        stage: "sft",
        error: { Error: "States.Timeout", Cause: "took too long" },
      },
      objects,
      now,
    );
    expect(JSON.parse(objects.objects.get("runs/demo-1/status.json")!)).toEqual({
      runId: "demo-1",
      status: "failed",
      updatedAt: "2026-01-02T00:00:00.000Z",
      executionName: "demo-1-abc",
      manifestVersion: "v1",
      stage: "sft",
      cause: "States.Timeout: took too long",
    });
  });

  it("records a failed loop visit beside its stage; running and succeeded carry none", async () => {
    const objects = new FakeRunObjects();
    const error = { Error: "Batch.JobFailed", Cause: "{}" };
    const failed = { action: "run", runUri, status: "failed", stage: "grpo-block", error } as const;
    const visit = "grpo-block [block 2, iter 8-11]";
    expect(await recordRunStatus({ ...failed, visit }, objects, now)).toMatchObject({
      stage: "grpo-block",
      visit,
      cause: "Batch.JobFailed: {}",
    });
    expect(JSON.parse(objects.objects.get("runs/demo-1/status.json")!).visit).toBe(visit);
    const running = await recordRunStatus({ action: "run", runUri, status: "running", visit }, objects, now);
    expect(running).not.toHaveProperty("visit");
  });
});

describe("readStageSummary", () => {
  it("returns a small summary and writes the shard list for the next Distributed Map", async () => {
    const objects = new FakeRunObjects();
    const shards = Array.from(
      { length: 3 },
      (_, i) => `${runUri}/stages/08-grpo-rollout/iter-0002/part-0000${i}.arrow`,
    );
    const summary = {
      stage: "grpo-rollout",
      status: "succeeded",
      startedAt: "t",
      durationS: 12,
      outputs: { rollouts: shards },
      metrics: { rewardMean: 0.5 },
    };
    await objects.put("runs/demo-1/stages/08-grpo-rollout/iter-0002/metrics.json", JSON.stringify(summary));
    const back = await readStageSummary(
      { action: "stage", runUri, stageId: "grpo-rollout", iteration: 2 },
      objects,
    );
    expect(back).toEqual({
      stage: "grpo-rollout",
      status: "succeeded",
      durationS: 12,
      metrics: { rewardMean: 0.5 },
      shards: {
        bucket: "artifacts",
        key: "runs/demo-1/stages/08-grpo-rollout/iter-0002/shards.json",
        count: 3,
      },
    });
    expect(JSON.parse(objects.objects.get(back.shards!.key)!)).toEqual(shards);
  });

  it("names the missing metrics.json of a stage that wrote none", async () => {
    await expect(
      readStageSummary({ action: "stage", runUri, stageId: "sft" }, new FakeRunObjects()),
    ).rejects.toThrow(
      'stage "sft" finished without writing s3://artifacts/runs/demo-1/stages/04-sft/metrics.json',
    );
  });
});
