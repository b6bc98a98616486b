/**
 * LocalStack's Step Functions mocked service integrations (the Step Functions Local format): a JSON
 * file named by the `SFN_MOCK_CONFIG` environment variable *of the LocalStack process* maps
 * `StateMachines.<name>.TestCases.<case>.<state name>` to a response in `MockedResponses`, and an
 * execution started on `<stateMachineArn>#<case>` answers those states from the file instead of
 * calling Lambda or Batch (which cannot run here). The file is re-read when its mtime changes, so
 * the tests (re)write it before their first execution; only its path has to be set when LocalStack
 * starts (scripts/localstack.sh). It is deterministic and kept in git, so a LocalStack in Docker can
 * mount it before the first run (`-e SFN_MOCK_CONFIG=/mocks/sfn-mock-config.json -v
 * $PWD/test/localstack/.generated:/mocks`); a change to the definition's states shows as a diff.
 *
 * The file is generated from the synthesized definition: every Task state of the state machine is
 * mocked by what its function (or job) returns, so a state added to the recipe is mocked without
 * editing this file.
 */
import { mkdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { runPlan } from "../../functions/stages/validate.ts";
import type { Manifest } from "../../schemas/manifest.ts";
import type { AslMachine, AslState } from "../infra/asl.ts";
import { deployableDefinition } from "./definition.ts";
import { CASE_MANIFESTS } from "./manifests.ts";

/** Where LocalStack reads the mock config: `SFN_MOCK_CONFIG`, or this folder's `.generated/`. */
export const MOCK_CONFIG_PATH =
  process.env.SFN_MOCK_CONFIG || fileURLToPath(new URL("./.generated/sfn-mock-config.json", import.meta.url));

/** The mock file keys test cases by state machine name, so the mocked machines have fixed names. */
export const MOCKED_MACHINE = "r1flow-localstack-mocked";
export const TRIGGER_MACHINE = "r1flow-localstack-trigger";

/** Key (in the run's bucket) of the shard list that mocked Batch summaries point Distributed Maps at. */
export const SHARDS_KEY = "fixtures/shards.json";

/** What the `validate` function returns into `$.plan`: its summary around the same `runPlan`. */
export function planOf(manifest: Manifest) {
  return { status: "succeeded", durationS: 0.1, metrics: {}, ...runPlan(manifest) };
}

type Handler = string;
type Kind = { lambda: Handler } | { batch: true } | { startExecution: true };

/** What a Task state calls, from its Resource. */
export function taskKind(name: string, state: AslState): Kind {
  const resource = String(state.Resource ?? "");
  const fn = /:function:Functions([a-z0-9]+?)[0-9A-F]{8}$/.exec(resource);
  if (fn) return { lambda: fn[1]! };
  if (resource.endsWith(":states:::batch:submitJob.sync")) return { batch: true };
  if (resource.endsWith(":states:::states:startExecution")) return { startExecution: true };
  throw new Error(`state "${name}": no mock for resource ${resource}`);
}

/** Every Task state, Distributed Map item processors included. */
export function taskStates(machine: AslMachine): [string, AslState][] {
  return Object.entries(machine.States).flatMap(([name, state]): [string, AslState][] => {
    const inner = state.ItemProcessor ?? state.Iterator;
    if (inner) return taskStates(inner);
    return state.Type === "Task" ? [[name, state]] : [];
  });
}

/** Enough for states visited up to this many times in one execution (loop iterations × shards). */
const MANY = "0-199";
const ok = (payload: unknown) => ({ Return: { StatusCode: 200, Payload: payload } });

const SUMMARY = { status: "succeeded", durationS: 1.5, metrics: { rows: 8 } };

/** The responses of the happy path: each function's output shape, each job SUCCEEDED. */
function defaultResponses(bucket: string) {
  const summary = SUMMARY;
  return {
    StageSummary: { [MANY]: ok(summary) },
    // The status function reading a Batch stage back: its shard list for the next Distributed Map.
    StageReadback: {
      [MANY]: ok({ stage: "mocked", ...summary, shards: { bucket, key: SHARDS_KEY, count: 2 } }),
    },
    RunStatusWritten: { [MANY]: ok({ runId: "mocked", status: "succeeded" }) },
    BatchPlan: {
      [MANY]: ok({
        specUri: `s3://${bucket}/mocked/spec.json`,
        skip: false,
        command: ["python", "-m", "r1worker", "mocked", "--spec", `s3://${bucket}/mocked/spec.json`],
      }),
    },
    BatchJobSucceeded: {
      [MANY]: { Return: { JobId: "00000000-mock-job", JobName: "mocked", Status: "SUCCEEDED" } },
    },
    ExecutionStarted: {
      [MANY]: {
        Return: {
          ExecutionArn: `arn:aws:states:us-east-1:000000000000:execution:${MOCKED_MACHINE}:continued`,
          StartDate: 0,
        },
      },
    },
  };
}

/** The default response name for a Task state. */
function defaultFor(name: string, state: AslState): string {
  const kind = taskKind(name, state);
  if ("batch" in kind) return "BatchJobSucceeded";
  if ("startExecution" in kind) return "ExecutionStarted";
  if (kind.lambda === "plan") return "BatchPlan";
  if (kind.lambda === "status") {
    const action = (state.Parameters as Record<string, unknown> | undefined)?.action;
    return action === "stage" ? "StageReadback" : "RunStatusWritten";
  }
  return "StageSummary";
}

/** A Batch `.sync` job that ends FAILED: the cause is the job description, as Step Functions gives it. */
export const FAILED_JOB = {
  JobName: "mocked-grpo-update",
  JobId: "00000000-mock-failed",
  Status: "FAILED",
  StatusReason: "Essential container in task exited",
  Attempts: [{ Container: { ExitCode: 1, Reason: "CUDA error: out of memory" } }],
  Container: { LogStreamName: "r1flow/default/mocked" },
};

/** The Batch job state that fails in `BatchFails` (the first GRPO update, on spot). */
export const FAILING_JOB = "grpo-update job spot";
/** The block loop's job state whose second visit (block 1) fails in `BlockFails`, and its job. */
export const FAILING_BLOCK_JOB = "grpo-block job spot";
export const FAILED_BLOCK_JOB = {
  ...FAILED_JOB,
  JobName: "mocked-grpo-block",
  JobId: "00000000-mock-failed-block",
  Attempts: [
    { Container: { ExitCode: 137, Reason: "OutOfMemoryError: Container killed due to memory usage" } },
  ],
};
/** The status read-back whose shard list is missing in `ItemReaderFails`, and the Map that reads it. */
export const MISSING_SHARDS_STATE = "grpo-rollout summary";
export const MISSING_SHARDS_MAP = "grpo-score";
/** The Lambda state throttled once in `LambdaThrottled`. */
export const THROTTLED_STATE = "ingest";

/**
 * The whole mock file: the mocked machine's cases (every Task mocked; validate answers with the
 * plan of the case's manifest) and the trigger machine's `Held` case (validate throttled for a
 * while, so the execution stays RUNNING). It depends on the synthesized definition only, not on
 * this run's resource names, so concurrent test files write the same file.
 */
export function mockConfig(machine: AslMachine = deployableDefinition("mocked-bucket", MOCKED_MACHINE)) {
  const bucket = "mocked-bucket";
  const tasks = taskStates(machine);
  const base = Object.fromEntries(tasks.map(([name, state]) => [name, defaultFor(name, state)]));
  const plans = Object.fromEntries(Object.entries(CASE_MANIFESTS).map(([c, m]) => [c, planOf(m)]));
  const planNames = Object.fromEntries(Object.keys(plans).map((c) => [c, `Plan${c}`]));
  const testCases: Record<string, Record<string, string>> = {};
  for (const c of Object.keys(plans)) testCases[c] = { ...base, validate: planNames[c]! };
  for (const [c, state] of [
    ["BatchFails", FAILING_JOB],
    ["BlockFails", FAILING_BLOCK_JOB],
    ["LambdaThrottled", THROTTLED_STATE],
    ["ItemReaderFails", MISSING_SHARDS_STATE],
  ] as const) {
    if (!(state in base)) throw new Error(`mock case ${c}: the definition has no Task state "${state}"`);
  }
  testCases.BatchFails![FAILING_JOB] = "BatchJobFailed";
  testCases.BlockFails![FAILING_BLOCK_JOB] = "SecondBlockJobFailed";
  testCases.LambdaThrottled![THROTTLED_STATE] = "ThrottledOnce";
  testCases.ItemReaderFails![MISSING_SHARDS_STATE] = "StageReadbackMissingShards";
  const throttled = {
    Throw: { Error: "Lambda.TooManyRequestsException", Cause: "Rate Exceeded. (mocked)" },
  };
  return {
    StateMachines: {
      [MOCKED_MACHINE]: { TestCases: testCases },
      [TRIGGER_MACHINE]: { TestCases: { Held: { validate: "ThrottledLong" } } },
    },
    MockedResponses: {
      ...defaultResponses(bucket),
      ...Object.fromEntries(Object.entries(plans).map(([c, plan]) => [planNames[c]!, { "0": ok(plan) }])),
      // AWS reports a failed `.sync` job as States.TaskFailed; the emulator's mocks may not throw
      // `States.*` names, so the mocked job fails with a name no Retry matches, as that one does not.
      BatchJobFailed: {
        "0": { Throw: { Error: "Batch.JobFailed", Cause: JSON.stringify(FAILED_JOB) } },
      },
      SecondBlockJobFailed: {
        "0": defaultResponses(bucket).BatchJobSucceeded[MANY],
        "1": { Throw: { Error: "Batch.JobFailed", Cause: JSON.stringify(FAILED_BLOCK_JOB) } },
      },
      ThrottledOnce: { "0": throttled, [`1-${MANY.split("-")[1]}`]: ok(SUMMARY) },
      StageReadbackMissingShards: {
        [MANY]: ok({
          stage: "mocked",
          ...SUMMARY,
          shards: { bucket, key: "fixtures/no-such-shards.json", count: 2 },
        }),
      },
      // Six retries with exponential backoff (2 s doubling, full jitter): about a minute RUNNING.
      ThrottledLong: { "0-6": throttled },
    },
  };
}

/**
 * Writes the mock file when its content changed. LocalStack caches it by whole-second mtime, so a
 * rewrite within the same second as the last one gets a later mtime; the write is atomic (rename).
 */
export function writeMockConfig(config: unknown = mockConfig()): string {
  const text = `${JSON.stringify(config, null, 2)}\n`;
  let previous: { text: string; mtime: number } | null = null;
  try {
    previous = { text: readFileSync(MOCK_CONFIG_PATH, "utf8"), mtime: statSync(MOCK_CONFIG_PATH).mtimeMs };
  } catch {
    previous = null;
  }
  if (previous?.text === text) return MOCK_CONFIG_PATH;
  mkdirSync(dirname(MOCK_CONFIG_PATH), { recursive: true });
  const tmp = `${MOCK_CONFIG_PATH}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  const now = Date.now();
  if (previous && Math.floor(previous.mtime / 1000) >= Math.floor(now / 1000)) {
    const later = (Math.floor(previous.mtime / 1000) + 1) * 1000;
    utimesSync(tmp, later / 1000, later / 1000);
  }
  renameSync(tmp, MOCK_CONFIG_PATH);
  return MOCK_CONFIG_PATH;
}
