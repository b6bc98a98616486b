/**
 * The status function's lookup of where an execution ended: on GetExecutionHistory responses
 * RECORDED from LocalStack 2026.3's Step Functions (reverseOrder, the BatchFails mocked case; see
 * recorded/README.md), and on histories written here for what the emulator cannot produce (a stop,
 * a timeout, a redriven execution's second failure).
 */
import { readFileSync } from "node:fs";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { describe, expect, it } from "vitest";
import {
  ExecutionEnded,
  type NewestFirstPages,
  recordExecutionEnded,
} from "../../functions/trigger/execution-ended.ts";
import { failedStageOf, stageOfState } from "../../functions/trigger/failed-stage.ts";
import { grpoOnlyManifest } from "../pipeline/mini-manifest.ts";
import { FakeRunObjects } from "./fake-run-objects.ts";

const recorded = (name: string): HistoryEvent[] =>
  (
    JSON.parse(readFileSync(new URL(`recorded/${name}`, import.meta.url), "utf8")) as {
      events: HistoryEvent[];
    }
  ).events;

let id = 0;
const entered = (name: string, input?: string): HistoryEvent => ({
  id: ++id,
  timestamp: new Date(0),
  type: "TaskStateEntered",
  stateEnteredEventDetails: { name, ...(input === undefined ? {} : { input }) },
});
/** A state's input in a loop: what the state machine keeps in `$.loop`. */
const inLoop = (iteration: number) =>
  JSON.stringify({ runId: "demo-1", plan: { blocks: 3 }, loop: { iteration, chunkEnd: 25 } });
const plain = (type: string): HistoryEvent => ({ id: ++id, timestamp: new Date(0), type: type as never });

describe("failedStageOf on recorded histories (LocalStack 2026.3, GetExecutionHistory reverseOrder)", () => {
  it("finds the failed Batch job state, its stage, and the job's error and cause", () => {
    const failed = failedStageOf(recorded("history-batch-fails.localstack.json"));
    expect(failed?.state).toBe("grpo-update job spot");
    expect(failed?.stage).toBe("grpo-update");
    expect(failed?.index).toBe(0); // the mocked case fails iteration 0's update
    expect(failed?.error.Error).toBe("Batch.JobFailed");
    expect(JSON.parse(failed!.error.Cause!)).toMatchObject({
      JobName: "mocked-grpo-update",
      Status: "FAILED",
    });
  });
});

describe("failedStageOf on written histories", () => {
  it("needs more events until a state entered is seen, and with the whole history reports none", () => {
    const ending: HistoryEvent = {
      ...plain("ExecutionAborted"),
      executionAbortedEventDetails: {},
    };
    expect(failedStageOf([ending])).toBeUndefined();
    expect(failedStageOf([ending, plain("ExecutionStarted")], true)).toEqual({
      error: { Error: "States.Aborted", Cause: undefined },
    });
  });

  it("names the state a stopped execution was in, with the stop's error and cause", () => {
    const events = [
      {
        ...plain("ExecutionAborted"),
        executionAbortedEventDetails: { error: "Stopped", cause: "stopped by hand" },
      },
      plain("TaskStateAborted"),
      plain("TaskSubmitted"),
      entered("grpo-rollout job spot"),
    ];
    expect(failedStageOf(events)).toEqual({
      state: "grpo-rollout job spot",
      stage: "grpo-rollout",
      error: { Error: "Stopped", Cause: "stopped by hand" },
    });
  });

  it("names a timed-out execution's state", () => {
    const events = [
      { ...plain("ExecutionTimedOut"), executionTimedOutEventDetails: { error: "States.Timeout" } },
      plain("TaskStarted"),
      entered("sft job on-demand"),
    ];
    expect(failedStageOf(events)).toEqual({
      state: "sft job on-demand",
      stage: "sft",
      error: { Error: "States.Timeout", Cause: undefined },
    });
  });

  it("reads a redriven execution's second attempt, not its first", () => {
    const newestFirst = [
      { ...plain("ExecutionFailed"), executionFailedEventDetails: { error: "Lambda.Unknown", cause: "2nd" } },
      entered("sft2 summary"),
      plain("ExecutionRedriven"),
      {
        ...plain("ExecutionFailed"),
        executionFailedEventDetails: { error: "Batch.JobFailed", cause: "1st" },
      },
      entered("sft2 job spot"),
    ];
    expect(failedStageOf(newestFirst)).toMatchObject({ stage: "sft2", error: { Cause: "2nd" } });
  });

  it("reads a loop stage's index from its state's input; not outside the loops, nor from a cut input", () => {
    const failedIn = (state: string, input: string) =>
      failedStageOf([
        { ...plain("ExecutionFailed"), executionFailedEventDetails: { error: "Batch.JobFailed" } },
        entered(state, input),
      ]);
    expect(failedIn("grpo-block job spot", inLoop(2))).toMatchObject({ stage: "grpo-block", index: 2 });
    expect(failedIn("rl2-block-curriculum", inLoop(1))).toMatchObject({ index: 1 });
    // After the loop `$.loop` keeps its last index: rejection is no visit of it.
    expect(failedIn("rejection", inLoop(3))).not.toHaveProperty("index");
    expect(failedIn("grpo-block job spot", inLoop(2).slice(0, 40))).not.toHaveProperty("index");
    expect(failedIn("grpo block loop continue", inLoop(2))).toMatchObject({ stage: "grpo" });
    expect(failedIn("grpo block loop continue", inLoop(2))).not.toHaveProperty("index");
  });

  it("refuses a history whose newest state comes after no ending", () => {
    expect(() => failedStageOf([entered("sft")])).toThrow('last state "sft" comes after no execution ending');
  });
});

describe("stageOfState", () => {
  it("maps `<id>` and `<id> <part>` to the recipe stage, not to a stage whose id is a prefix", () => {
    expect(stageOfState("sft2 job multi-node")).toBe("sft2");
    expect(stageOfState("sft")).toBe("sft");
    expect(stageOfState("reward-rollout")).toBe("reward-rollout");
    expect(stageOfState("reward summary")).toBe("reward");
    expect(stageOfState("validate failed")).toBe("validate");
    expect(stageOfState("grpo loop continue")).toBe("grpo");
    expect(stageOfState("grpo block loop continue")).toBe("grpo");
    expect(stageOfState("rl2 block loop handed over")).toBe("rl2");
    expect(stageOfState("grpo-block job spot")).toBe("grpo-block");
    expect(stageOfState("rl2-block-curriculum")).toBe("rl2-block-curriculum");
    expect(stageOfState("rl2-block summary")).toBe("rl2-block");
    expect(stageOfState("record success")).toBe("record success");
  });
});

const ARN = "arn:aws:states:us-east-1:123456789012:execution:R1flow-run:demo-1-abc";
const input = JSON.stringify({ runId: "demo-1", runUri: "s3://artifacts/runs/demo-1" });
const event = (executionArn = ARN) =>
  ExecutionEnded.parse({ action: "ended", detail: { executionArn, status: "FAILED", input } });
const pagesOf = (...pages: HistoryEvent[][]): NewestFirstPages =>
  async function* () {
    for (const page of pages) yield page;
  };
const now = () => new Date("2026-01-02T00:00:00Z");

describe("recordExecutionEnded", () => {
  const failing = [
    {
      ...plain("ExecutionFailed"),
      executionFailedEventDetails: { error: "States.TaskFailed", cause: "boom" },
    },
    plain("TaskFailed"),
  ];

  it("pages the history until a state is named and writes failed with that stage", async () => {
    const objects = new FakeRunObjects();
    const status = { runId: "demo-1", status: "running", updatedAt: "t", executionArn: ARN };
    await objects.put("runs/demo-1/status.json", JSON.stringify(status));
    let bucket = "";
    const written = await recordExecutionEnded(
      event(),
      pagesOf(failing, [entered("rejection"), entered("sft2 enabled")]),
      (b) => {
        bucket = b;
        return objects;
      },
      now,
    );
    expect(bucket).toBe("artifacts");
    expect(written).toMatchObject({ status: "failed", stage: "rejection", cause: "States.TaskFailed: boom" });
    expect(JSON.parse(objects.objects.get("runs/demo-1/status.json")!)).toMatchObject({
      status: "failed",
      stage: "rejection",
      executionArn: ARN,
    });
  });

  it("names a failed block and its iterations from the run's manifest", async () => {
    // 10 iterations in blocks of 4: block 1 runs 4-7, block 2 (the last, short) 8-9.
    const manifest = grpoOnlyManifest("demo-1", { iterations: 10, iterationsPerJob: 4 });
    const statusOf = async (manifestText: string | undefined, state: string, index: number) => {
      const objects = new FakeRunObjects();
      if (manifestText !== undefined) await objects.put("runs/demo-1/manifest.json", manifestText);
      const pages = pagesOf([...failing, entered(state, inLoop(index))]);
      await recordExecutionEnded(event(), pages, () => objects, now);
      return JSON.parse(objects.objects.get("runs/demo-1/status.json")!);
    };
    expect(await statusOf(JSON.stringify(manifest), "grpo-block job spot", 1)).toMatchObject({
      status: "failed",
      stage: "grpo-block",
      visit: "grpo-block [block 1, iter 4-7]",
      cause: "States.TaskFailed: boom",
    });
    expect((await statusOf(JSON.stringify(manifest), "grpo-block-curriculum", 2)).visit).toBe(
      "grpo-block-curriculum [block 2, iter 8-9]",
    );
    // No manifest, or one that does not parse: the block without its iterations, status written.
    expect((await statusOf(undefined, "grpo-block summary", 1)).visit).toBe("grpo-block [block 1]");
    expect((await statusOf("{}", "rl2-block job on-demand", 0)).visit).toBe("rl2-block [block 0]");
    // A per-iteration stage needs no manifest; a stage outside the loops has no visit.
    expect((await statusOf(undefined, "grpo-update job spot", 3)).visit).toBe("grpo-update [3]");
    expect(await statusOf(undefined, "rejection", 3)).not.toHaveProperty("visit");
  });

  it("leaves status.json alone when it already points at a later execution of the run", async () => {
    const objects = new FakeRunObjects();
    const later = { runId: "demo-1", status: "running", updatedAt: "t", executionArn: `${ARN}-i25` };
    await objects.put("runs/demo-1/status.json", JSON.stringify(later));
    const written = await recordExecutionEnded(
      event(),
      pagesOf([...failing, entered("sft")]),
      () => objects,
      now,
    );
    expect(written).toBeUndefined();
    expect(JSON.parse(objects.objects.get("runs/demo-1/status.json")!)).toEqual(later);
  });

  it("says which execution carried no input", async () => {
    const noInput = ExecutionEnded.parse({
      action: "ended",
      detail: { executionArn: ARN, status: "ABORTED", input: null },
    });
    await expect(recordExecutionEnded(noInput, pagesOf(), () => new FakeRunObjects(), now)).rejects.toThrow(
      `${ARN} ended ABORTED: its event carries no input`,
    );
  });
});
