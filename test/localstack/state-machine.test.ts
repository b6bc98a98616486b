/**
 * The synthesized state machine's control flow on LocalStack's Step Functions interpreter. Lambda
 * and Batch cannot run here, so every Task state answers from the emulator's mocked service
 * integrations (mocks.ts; LocalStack must be started with SFN_MOCK_CONFIG pointing at the file):
 * the three RL loops' visit counts (GRPO per iteration or per block of K iterations, the second RL
 * round per block), each block loop's hand-over to a new execution after `loopChunk` blocks and a
 * continuation entering the loop its input names, the
 * Choice skips, a failed stage failing the execution at that
 * state (recorded from its history as the end-event rule would), and the Lambda retries. (A stop is
 * tested in test/infra/failed-stage.test.ts: 2026.3 answers StopExecution of a mocked execution
 * with an InternalError.)
 * The Distributed Maps read their shard list from the emulator's S3. Last, the local runner and
 * the state machine visit the same stages in the same order for the same manifest.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import {
  type DescribeExecutionCommandOutput,
  DescribeMapRunCommand,
  type HistoryEvent,
  ListMapRunsCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { StageEvent } from "../../functions/handlers/shared/stage-event.ts";
import { s3RunObjects } from "../../functions/trigger/aws.ts";
import {
  ExecutionEnded,
  recordExecutionEnded,
  sfnNewestFirst,
} from "../../functions/trigger/execution-ended.ts";
import { RecordRunStatus } from "../../functions/trigger/record-status.ts";
import { ReadStageSummary } from "../../functions/trigger/stage-readback.ts";
import { PLAN_SELECTOR } from "../../infra/pipeline/definition.ts";
import { type RunEvent, runLocal } from "../../pipeline/runner.ts";
import { plannedVisits } from "../../recipe/recipe.ts";
import type { Manifest } from "../../schemas/manifest.ts";
import { endpoint, s3Client, sfnClient, uniqueName } from "./aws.ts";
import {
  deployableDefinition,
  deployStateMachine,
  emulatorPatches,
  synthesizedDefinition,
} from "./definition.ts";
import { history, lambdaCalls, stageVisits, statesEntered, visitNames, waitForEnd } from "./history.ts";
import { CASE_CONTINUATIONS, CASE_MANIFESTS, type MockCase } from "./manifests.ts";
import {
  FAILED_BLOCK_JOB,
  FAILED_JOB,
  FAILING_BLOCK_JOB,
  FAILING_JOB,
  MISSING_SHARDS_MAP,
  MOCK_CONFIG_PATH,
  MOCKED_MACHINE,
  planOf,
  SHARDS_KEY,
  THROTTLED_STATE,
  writeMockConfig,
} from "./mocks.ts";

endpoint(); // fails the file, with what to do, when AWS_ENDPOINT_URL is not set

const s3 = s3Client();
const sfn = sfnClient();
const bucket = uniqueName("r1flow-sfn");
let machineArn = "";

interface Finished {
  readonly runId: string;
  readonly executionArn: string;
  readonly description: DescribeExecutionCommandOutput;
  readonly events: HistoryEvent[];
}
const finished = new Map<MockCase, Finished>();

/** What validate keeps of a manifest's plan in `$.plan` (PLAN_SELECTOR applied to its output). */
function keptPlan(testCase: MockCase): Record<string, unknown> {
  const plan = planOf(CASE_MANIFESTS[testCase]) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(PLAN_SELECTOR).map(([k, path]) => [k.slice(0, -2), plan[path.slice(2)]]),
  );
}

/**
 * Starts `<machine>#<case>` for a new run id of the case's manifest; the run's input as the trigger
 * builds it, or, for a continuation case, as a loop's hand-over does (with the plan and the index).
 */
async function runCase(testCase: MockCase): Promise<Finished> {
  const runId = uniqueName(CASE_MANIFESTS[testCase].runId);
  const runUri = `s3://${bucket}/runs/${runId}`;
  const loop = CASE_CONTINUATIONS[testCase];
  const input = {
    runId,
    runUri,
    manifestUri: `${runUri}/manifest.json`,
    bucket,
    ...(loop === undefined ? {} : { plan: keptPlan(testCase), loop }),
  };
  let executionArn: string;
  try {
    const out = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: `${machineArn}#${testCase}`,
        name: runId,
        input: JSON.stringify(input),
      }),
    );
    executionArn = out.executionArn!;
  } catch (err) {
    if ((err as Error).name === "InvalidName") {
      throw new Error(
        `LocalStack did not load the Step Functions mock config (${(err as Error).message}). Start it with ` +
          `SFN_MOCK_CONFIG=${MOCK_CONFIG_PATH} in its environment (scripts/localstack.sh), or, for a ` +
          "LocalStack in Docker, mount that file and point SFN_MOCK_CONFIG at it.",
      );
    }
    throw err;
  }
  const description = await waitForEnd(sfn, executionArn, 240_000);
  return { runId, executionArn, description, events: await history(sfn, executionArn) };
}

/**
 * The status function's handling of the end event EventBridge would deliver, against the emulator's
 * S3 and its GetExecutionHistory (newest first; 3 events a page asked, but 2026.3 answers all at
 * once: paging is tested in test/infra/failed-stage.test.ts); status.json back.
 */
async function recordEnd(
  runId: string,
  executionArn: string,
  status: "FAILED",
  input: string,
): Promise<Record<string, string>> {
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: `runs/${runId}/manifest.json`, Body: "{}" }));
  const event = ExecutionEnded.parse({ action: "ended", detail: { executionArn, status, input } });
  await recordExecutionEnded(
    event,
    sfnNewestFirst(sfn, 3),
    (b) => s3RunObjects(s3, b),
    () => new Date(),
  );
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `runs/${runId}/status.json` }));
  return JSON.parse(await out.Body!.transformToString()) as Record<string, string>;
}

/**
 * A case whose execution failed at a Batch job state: that state is the execution's last (the
 * unsuccessful step a redrive resumes at), its error and cause the job's; then status.json as the
 * status function records it from the end event (emulator: no status-change events).
 */
async function failedAtJob(
  testCase: MockCase,
  jobState: string,
  job: unknown,
  stage: string,
): Promise<Record<string, string>> {
  const { description, events, runId, executionArn } = run(testCase);
  expect(description.status).toBe("FAILED");
  expect(statesEntered(events).at(-1)).toBe(jobState);
  expect(description.error).toBe("Batch.JobFailed");
  expect(JSON.parse(description.cause ?? "{}")).toEqual(job);
  const status = await recordEnd(runId, executionArn, "FAILED", description.input!);
  expect(status).toMatchObject({ runId, status: "failed", stage });
  return status;
}

function run(testCase: MockCase): Finished {
  const f = finished.get(testCase);
  if (!f) throw new Error(`the ${testCase} execution did not run (see beforeAll)`);
  return f;
}

/** The visits the local runner announces for a manifest (its `plan` event), without running a stage. */
async function runnerVisits(manifest: Manifest): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-plan-"));
  const stop = new AbortController();
  stop.abort(); // the runner plans, then stops before the first stage
  let plan: Extract<RunEvent, { type: "plan" }> | undefined;
  try {
    await runLocal(manifest, {
      store: dir,
      signal: stop.signal,
      onEvent: (e) => {
        if (e.type === "plan") plan = e;
      },
    }).catch((err: Error) => {
      if (!/interrupted before the stage started/.test(err.message)) throw err;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!plan) throw new Error("the runner emitted no plan event");
  return visitNames(plan.visits);
}

beforeAll(async () => {
  // Synthesize first (a minute or more): an emulator connection left idle meanwhile is closed under us.
  synthesizedDefinition(bucket, MOCKED_MACHINE);
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  // The shard list every mocked Batch summary points the next Distributed Map at: two shards.
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: SHARDS_KEY,
      Body: JSON.stringify([
        `s3://${bucket}/shards/part-00000.arrow`,
        `s3://${bucket}/shards/part-00001.arrow`,
      ]),
    }),
  );
  writeMockConfig();
  machineArn = await deployStateMachine(sfn, MOCKED_MACHINE, deployableDefinition(bucket, MOCKED_MACHINE));
  const cases = Object.keys(CASE_MANIFESTS) as MockCase[];
  const results = await Promise.all(cases.map(runCase));
  for (const [i, c] of cases.entries()) finished.set(c, results[i]!);
}, 300_000); // synthesis bundles every function: minutes on a busy machine

afterAll(() => {
  s3.destroy();
  sfn.destroy();
});

describe("the synthesized state machine on LocalStack's Step Functions interpreter (Lambda and Batch mocked)", () => {
  it("deploys as synthesized, changed only where the emulator falls short of AWS", () => {
    const patches = emulatorPatches(synthesizedDefinition(bucket, MOCKED_MACHINE));
    // A string `Parameters` on a Lambda task is passed to the function as that literal string: CDK
    // renders `payloadResponseOnly` + `TaskInput.fromJsonPathAt("$")` so (aws/aws-cdk#34260).
    expect(
      patches.filter((p) => !p.endsWith("(emulator limit)")),
      "Task states whose Parameters is not an object",
    ).toEqual([]);
  });

  it("runs each block loop once per block of K iterations (GRPO ⌈5/2⌉ = 3, round 2 ⌈3/2⌉ = 2), visiting the recipe's stages in plannedVisits order", async () => {
    const { description, events, executionArn } = run("FullRun");
    expect(description.status, description.cause).toBe("SUCCEEDED");
    expect(stageVisits(events)).toEqual(visitNames(plannedVisits(CASE_MANIFESTS.FullRun)));
    const entered = statesEntered(events);
    const count = (state: string) => entered.filter((s) => s === state).length;
    expect(count("grpo block loop next")).toBe(3);
    expect(count("grpo-block-curriculum")).toBe(3);
    expect(count("grpo-block")).toBe(3); // the block's plan: one Batch stage visit per block
    expect(entered.filter((s) => s.startsWith("grpo-block job "))).toHaveLength(3);
    expect(count("rl2 block loop next")).toBe(2);
    expect(count("rl2-block-curriculum")).toBe(2);
    expect(entered.filter((s) => s.startsWith("rl2-block job "))).toHaveLength(2);
    expect(entered.indexOf("rl2 block loop start")).toBeGreaterThan(entered.indexOf("sft2 summary"));
    expect(entered).not.toContain("grpo block loop continue");
    expect(entered).not.toContain("rl2 block loop continue");
    expect(entered.filter((s) => s.startsWith("grpo loop ") || s.startsWith("grpo-update"))).toEqual([]);
    expect(entered.at(-1)).toBe("run succeeded");
    // The block curricula and the blocks' plans are handed their round's block index.
    for (const [state, blocks] of [
      ["grpo-block-curriculum", 3],
      ["grpo-block", 3],
      ["rl2-block-curriculum", 2],
      ["rl2-block", 2],
    ] as const) {
      const calls = lambdaCalls(events).filter((c) => c.state === state);
      expect(
        calls.map((c) => c.input),
        state,
      ).toEqual(
        Array.from({ length: blocks }, (_, b) => expect.objectContaining({ stageId: state, iteration: b })),
      );
    }
    // Only rejection runs per shard in the block loop: its Distributed Map over two shards read from S3.
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn }));
    expect(runs.mapRuns).toHaveLength(1);
    const d = await sfn.send(new DescribeMapRunCommand({ mapRunArn: runs.mapRuns![0]!.mapRunArn }));
    expect(d.status).toBe("SUCCEEDED");
    expect(d.itemCounts?.succeeded).toBe(2);
  });

  it("runs the per-iteration loop (`loop: stages`) once per GRPO iteration, its score stage per shard", async () => {
    const { description, events, executionArn } = run("StagesLoop");
    expect(description.status, description.cause).toBe("SUCCEEDED");
    expect(stageVisits(events)).toEqual(visitNames(plannedVisits(CASE_MANIFESTS.StagesLoop)));
    const entered = statesEntered(events);
    expect(entered.filter((s) => s === "grpo loop next")).toHaveLength(2);
    expect(entered).not.toContain("grpo loop continue");
    expect(entered.filter((s) => s.startsWith("grpo block loop ") || s.startsWith("grpo-block"))).toEqual([]);
    expect(entered.at(-1)).toBe("run succeeded");
    // Each per-shard stage fanned out over the two shards of its list, read from S3.
    const runs = await sfn.send(new ListMapRunsCommand({ executionArn }));
    expect(runs.mapRuns).toHaveLength(3); // grpo-score twice, rejection once
    for (const r of runs.mapRuns ?? []) {
      const m = await sfn.send(new DescribeMapRunCommand({ mapRunArn: r.mapRunArn }));
      expect(m.status).toBe("SUCCEEDED");
      expect(m.itemCounts?.succeeded).toBe(2);
    }
  });

  it.each([
    ["BlockHandOver", "grpo block loop", "b", ["grpo-block-curriculum", "grpo-block"]],
    ["Rl2HandOver", "rl2 block loop", "r", ["rl2-block-curriculum", "rl2-block"]],
  ] as const)(
    "%s: hands the %s over to a new execution after loopChunk blocks, with the plan and the next block",
    (testCase, loopName, prefix, stages) => {
      const { description, events, runId } = run(testCase);
      expect(description.status, description.cause).toBe("SUCCEEDED");
      const chunk = loopChunkOf(deployableDefinition(bucket, MOCKED_MACHINE), loopName);
      const from = CASE_CONTINUATIONS[testCase]!.iteration;
      const plan = keptPlan(testCase);
      const bound = testCase === "Rl2HandOver" ? plan.rl2Blocks : plan.blocks;
      expect(bound).toBe(30);
      expect(from + chunk, "the hand-over needs more blocks than one chunk").toBeLessThan(30);
      const entered = statesEntered(events);
      // A continuation skips validate and enters the loop its input names.
      expect(entered.slice(0, 3)).toEqual([
        "new run or loop continuation",
        `${loopName} chunk`,
        `${loopName} iterate`,
      ]);
      const blocks = Array.from({ length: chunk }, (_, j) => from + j);
      expect(stageVisits(events)).toEqual(blocks.flatMap((b) => stages.map((s) => `${s}#${b}`)));
      expect(entered.slice(-3)).toEqual([
        `${loopName} continue`,
        `${loopName} handed over`,
        "continued in new execution",
      ]);
      // The new execution starts at the next block of this loop with the same plan, under a name of its own.
      const started = events.filter(
        (e) => e.type === "TaskScheduled" && e.taskScheduledEventDetails?.resource === "startExecution",
      );
      expect(started).toHaveLength(1);
      const params = JSON.parse(started[0]!.taskScheduledEventDetails!.parameters ?? "{}") as {
        Name?: string;
        Input?: unknown;
      };
      expect(params.Name).toMatch(new RegExp(`^${prefix}${from + chunk}-[0-9a-f]{40}$`));
      expect(params.Input).toMatchObject({ runId, plan, loop: { iteration: from + chunk, kind: loopName } });
      // status.json is pointed at the new execution.
      const handedOver = lambdaCalls(events).filter((c) => c.state === `${loopName} handed over`);
      expect(handedOver.map((c) => c.input)).toEqual([
        expect.objectContaining({
          action: "run",
          status: "running",
          executionArn: expect.stringContaining(":execution:"),
        }),
      ]);
    },
  );

  it("enters the per-iteration loop for a continuation whose plan uses it, and finishes the run", () => {
    const { description, events } = run("StagesContinued");
    expect(description.status, description.cause).toBe("SUCCEEDED");
    const entered = statesEntered(events);
    expect(entered.slice(0, 2)).toEqual(["new run or loop continuation", "grpo loop chunk"]);
    expect(entered.filter((s) => / block loop /.test(s))).toEqual([]);
    const planned = visitNames(plannedVisits(CASE_MANIFESTS.StagesContinued));
    const from = CASE_CONTINUATIONS.StagesContinued!.iteration;
    expect(stageVisits(events)).toEqual(planned.slice(planned.indexOf(`grpo-rollout#${from}`)));
    expect(entered.at(-1)).toBe("run succeeded");
  });

  it("skips the stages a manifest switches off through their Choice states", () => {
    const { description, events } = run("SftRewardOff");
    expect(description.status, description.cause).toBe("SUCCEEDED");
    const visited = stageVisits(events);
    for (const off of ["sft", "reward-rollout", "reward-pairs", "reward"]) expect(visited).not.toContain(off);
    expect(visited).toEqual(visitNames(plannedVisits(CASE_MANIFESTS.SftRewardOff)));
    const entered = statesEntered(events);
    expect(entered).toContain("sft enabled");
    expect(entered).toContain("reward enabled");
    expect(entered).toContain("sft2"); // the same job kind, switched by its own flag
  });

  it("fails a run at the failed Batch job itself (no Catch: a redrive re-runs it) and records failed with the stage from its history", async () => {
    const status = await failedAtJob("BatchFails", FAILING_JOB, FAILED_JOB, "grpo-update");
    expect(stageVisits(run("BatchFails").events)).not.toContain("grpo-curriculum#0");
    expect(status.cause).toBe(
      "Batch job mocked-grpo-update FAILED: Essential container in task exited; exit code 1; " +
        "container: CUDA error: out of memory; log stream r1flow/default/mocked",
    );
  });

  it("fails a block-loop run at the failed block's job, after that block's curriculum, and records failed with grpo-block", async () => {
    const status = await failedAtJob("BlockFails", FAILING_BLOCK_JOB, FAILED_BLOCK_JOB, "grpo-block");
    const visited = stageVisits(run("BlockFails").events);
    expect(visited.slice(-3)).toEqual(["grpo-block#0", "grpo-block-curriculum#1", "grpo-block#1"]);
    expect(status.cause).toBe(
      "Batch job mocked-grpo-block FAILED: Essential container in task exited; exit code 137; " +
        "container: OutOfMemoryError: Container killed due to memory usage; log stream r1flow/default/mocked",
    );
  });

  it("records `failed` with the stage when a Distributed Map's ItemReader fails (its shard list is missing)", async () => {
    const { description, events, runId, executionArn } = run("ItemReaderFails");
    expect(description.status).toBe("FAILED");
    expect(statesEntered(events).at(-1)).toBe(MISSING_SHARDS_MAP);
    const status = await recordEnd(runId, executionArn, "FAILED", description.input!);
    expect(status).toMatchObject({ runId, status: "failed", stage: MISSING_SHARDS_MAP });
    // AWS names the error States.ItemReaderFailed; the emulator (2026.3) fails its own raise of a
    // States.* error and reports that instead. Either way status.json gets a cause.
    expect(status.cause).toMatch(/^States\.\w+/);
  });

  it("retries a throttled Lambda call and goes on", () => {
    const { description, events } = run("LambdaThrottled");
    expect(description.status, description.cause).toBe("SUCCEEDED");
    const calls = lambdaCalls(events).filter((c) => c.state === THROTTLED_STATE);
    expect(calls).toHaveLength(2);
    const failures = events.filter((e) => e.type === "LambdaFunctionFailed" || e.type === "TaskFailed");
    expect(
      failures.map((e) => (e.lambdaFunctionFailedEventDetails ?? e.taskFailedEventDetails)?.error),
    ).toEqual(["Lambda.TooManyRequestsException"]);
    expect(statesEntered(events).filter((s) => s === THROTTLED_STATE)).toHaveLength(1);
    expect(stageVisits(events)).toEqual(visitNames(plannedVisits(CASE_MANIFESTS.LambdaThrottled)));
  });

  it("hands every function an input its handler accepts", () => {
    const StatusEvent = z.discriminatedUnion("action", [RecordRunStatus, ReadStageSummary, ExecutionEnded]);
    const machine = deployableDefinition(bucket, MOCKED_MACHINE);
    const rejected: string[] = [];
    const check = (state: string, resource: string, input: unknown) => {
      const schema = /:function:Functionsstatus/.test(resource) ? StatusEvent : StageEvent;
      const parsed = schema.safeParse(input);
      if (!parsed.success) rejected.push(`${state}: ${parsed.error.issues.map((i) => i.message).join("; ")}`);
    };
    for (const testCase of finished.keys()) {
      const { events } = run(testCase);
      for (const call of lambdaCalls(events)) check(call.state, call.resource, call.input);
      // A Distributed Map's items run in child executions whose history the emulator does not
      // expose: each shard function gets the Map's ItemSelector applied to the Map's input.
      for (const e of events.filter((x) => x.type === "MapStateEntered")) {
        const name = e.stateEnteredEventDetails!.name!;
        const map = machine.States[name]!;
        const shard = Object.values(map.ItemProcessor!.States)[0]!;
        const item = `s3://${bucket}/shards/part-00000.arrow`;
        const selected = selectPaths(map.ItemSelector, JSON.parse(e.stateEnteredEventDetails!.input!), item);
        check(`${name} (one shard)`, String(shard.Resource), selected);
      }
    }
    expect([...new Set(rejected)], "Lambda inputs their handler's schema rejects").toEqual([]);
  });
});

/** A Parameters/ItemSelector template with plain `$.a.b` paths and `$$.Map.Item.Value`, applied. */
function selectPaths(template: unknown, input: unknown, item: unknown): unknown {
  const at = (path: string): unknown => {
    if (path === "$$.Map.Item.Value") return item;
    if (!/^\$(\.[A-Za-z0-9_]+)*$/.test(path)) throw new Error(`unsupported path ${path}`);
    return path
      .split(".")
      .slice(1)
      .reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], input);
  };
  if (template === null || typeof template !== "object") return template;
  return Object.fromEntries(
    Object.entries(template as Record<string, unknown>).map(([k, v]) =>
      k.endsWith(".$") ? [k.slice(0, -2), at(String(v))] : [k, selectPaths(v, input, item)],
    ),
  );
}

describe("the local runner and the state machine", () => {
  it("visit the same stages in the same order for the same manifest", async () => {
    for (const testCase of ["FullRun", "StagesLoop", "SftRewardOff"] as const) {
      const runner = await runnerVisits(CASE_MANIFESTS[testCase]);
      expect(runner.length).toBeGreaterThan(10);
      expect(stageVisits(run(testCase).events), testCase).toEqual(runner);
    }
  });
});

/** `loopChunk` as deployed: the bound a loop's chunk state adds to the index it starts at. */
function loopChunkOf(machine: ReturnType<typeof deployableDefinition>, loop: string): number {
  const params = machine.States[`${loop} chunk`]?.Parameters as Record<string, string> | undefined;
  const m = /^States\.MathAdd\(\$\.loop\.iteration, (\d+)\)$/.exec(params?.["chunkEnd.$"] ?? "");
  if (!m) throw new Error(`no "${loop} chunk" state adding loopChunk in the definition`);
  return Number(m[1]);
}
