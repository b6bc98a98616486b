/**
 * The calls a new user's first run on AWS makes, simulated against the synthesized roles: the ones
 * the LocalStack suite records (test/localstack, with the recorder) cannot reach everything AWS
 * does — the state machine's own calls (Lambda invokes, Batch `.sync` jobs and the managed
 * EventBridge rule they need, the Distributed Map's ItemReader and ResultWriter, the GRPO loop's
 * hand-over), and first-contact cases such as a new run's missing `status.json`. Each call is
 * written as its SDK operation and mapped to IAM requests by the same code as the recorded ones.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { PIPELINE_HANDLERS } from "../../infra/constructs/stage-functions.ts";
import { runLayout } from "../../recipe/layout.ts";
import { RECIPE } from "../../recipe/recipe.ts";
import type { AslMachine, AslState } from "../infra/asl.ts";
import { synthesized } from "../infra/fixture.ts";
import { ACCOUNT, REGION } from "../localstack/aws.ts";
import { synthesizedDefinition } from "../localstack/definition.ts";
import { denials, type RecordedCall, simulateCalls } from "./simulate.ts";
import { iamModel } from "./template-iam.ts";

const BUCKET = "r1flow-first-run";
const RUN = "first-run";
const layout = runLayout(`s3://${BUCKET}`, RUN);
const key = (uri: string) => uri.slice(`s3://${BUCKET}/`.length);
const s3 = (
  principal: string,
  operation: string,
  input: Record<string, unknown>,
  status = 200,
): RecordedCall => ({
  principal,
  service: "s3",
  operation,
  input: { Bucket: BUCKET, ...input },
  status,
});

/** What the trigger, every function and every job do on a run's first attempt. */
function firstRunCalls(machineArn: string, jobs: string[]): RecordedCall[] {
  const manifest = key(layout.manifest);
  const status = key(layout.status);
  const calls: RecordedCall[] = [
    // The trigger: the manifest version of the event; the new run's status.json is missing.
    s3("function:trigger", "GetObject", { Key: manifest, VersionId: "v1" }),
    s3("function:trigger", "GetObject", { Key: status }, 404),
    s3("function:trigger", "PutObject", { Key: status }),
    {
      principal: "function:trigger",
      service: "sfn",
      operation: "StartExecution",
      input: { stateMachineArn: machineArn },
      status: 200,
    },
    // validate HEADs the data sets and models a manifest names, staged under datasets/ and models/.
    s3("function:validate", "HeadObject", { Key: "datasets/gsm8k/train.jsonl" }),
    s3("function:validate", "HeadObject", { Key: "datasets/gsm8k/missing.jsonl" }, 404),
    s3("function:validate", "HeadObject", { Key: "models/qwen/config.json" }),
    s3("function:ingest", "GetObject", { Key: "datasets/gsm8k/train.jsonl" }),
    // status: the run's status.json, a stage's metrics.json read back (missing when a job died), shards.json.
    s3("function:status", "GetObject", { Key: status }),
    s3("function:status", "PutObject", { Key: status }),
    s3("function:status", "GetObject", { Key: `${key(layout.stage("sft"))}/metrics.json` }, 404),
    s3("function:status", "PutObject", { Key: `${key(layout.stage("grpo-rollout", 0))}/shards.json` }),
    // status, on the execution's end event: the failed stage from the execution's history, and
    // for a failed block the manifest (the block's iterations).
    s3("function:status", "GetObject", { Key: manifest }),
    {
      principal: "function:status",
      service: "sfn",
      operation: "GetExecutionHistory",
      input: { executionArn: executionOf(machineArn, `${RUN}-0f1e2d3c`) },
      status: 200,
    },
  ];
  for (const handler of PIPELINE_HANDLERS.filter((h) => h !== "status")) {
    const stage = RECIPE.find((s) => (s.kind === "lambda" ? s.handler : "plan") === handler) ?? RECIPE[0]!;
    const dir = key(layout.stage(stage.id, stage.inLoop ? 0 : undefined));
    const fn = `function:${handler}`;
    calls.push(
      s3(fn, "GetObject", { Key: manifest }),
      // A stage that never ran has no _SUCCESS; a re-run deletes the stale one first.
      s3(fn, "HeadObject", { Key: `${dir}/_SUCCESS` }, 404),
      s3(fn, "GetObject", { Key: `${dir}/_SUCCESS` }, 404),
      s3(fn, "DeleteObject", { Key: `${dir}/_SUCCESS` }, 204),
      s3(fn, "ListObjectsV2", { Prefix: `${dir}/` }),
      s3(fn, "PutObject", { Key: `${dir}/metrics.json` }),
      // Large Arrow shards go up in parts; a failed upload is aborted.
      s3(fn, "CreateMultipartUpload", { Key: `${dir}/part-00000.arrow` }),
      s3(fn, "UploadPart", { Key: `${dir}/part-00000.arrow`, UploadId: "u" }),
      s3(fn, "CompleteMultipartUpload", { Key: `${dir}/part-00000.arrow`, UploadId: "u" }),
      s3(fn, "AbortMultipartUpload", { Key: `${dir}/part-00001.arrow`, UploadId: "u" }, 204),
    );
  }
  for (const job of jobs) {
    const dir = key(layout.stage("sft"));
    calls.push(
      s3(job, "GetObject", { Key: `${dir}/spec.json` }),
      s3(job, "HeadObject", { Key: `${dir}/_SUCCESS` }, 404),
      s3(job, "GetObject", { Key: "models/qwen/model.safetensors" }),
      s3(job, "ListObjectsV2", { Prefix: "models/qwen/" }),
      s3(job, "ListObjectsV2", { Prefix: `${dir}/checkpoints/` }),
      s3(job, "HeadObject", { Key: `${dir}/checkpoints/latest.json` }, 404),
      s3(job, "CreateMultipartUpload", { Key: `${dir}/model/model.safetensors` }),
      s3(job, "UploadPart", { Key: `${dir}/model/model.safetensors`, UploadId: "u" }),
      s3(job, "CompleteMultipartUpload", { Key: `${dir}/model/model.safetensors`, UploadId: "u" }),
      s3(job, "AbortMultipartUpload", { Key: `${dir}/model/optimizer.pt`, UploadId: "u" }, 204),
      s3(job, "PutObject", { Key: `${dir}/_SUCCESS` }),
    );
  }
  // Both RL rounds' block loops (round 2 on the SFT round 2 model), under the same job role.
  calls.push(...blockLoopCalls("grpo-block-curriculum", "grpo-block", "sft"));
  calls.push(...blockLoopCalls("rl2-block-curriculum", "rl2-block", "sft2"));
  return calls;
}

/**
 * A block loop's calls at block 1 (iterations 2 and 3 of a round in blocks of K = 2), on a first
 * attempt: the block curriculum (function `curriculum`) reads block 0's iteration results and the
 * curriculum state, and writes each iteration's batch and reserve; `plan` writes the block's spec
 * and reads its inputs' `_SUCCESS`; the `grpo-block` job reads its spec, the curriculum's shards,
 * block 0's checkpoint (model, AdamW state, RNG) and the KL reference (`reference`'s model), and
 * writes its iterations' tables, its checkpoints and model (copied from its end checkpoint) under
 * its own block directory; `status` reads its summary back.
 */
function blockLoopCalls(curriculumStage: string, blockStage: string, reference: string): RecordedCall[] {
  const curriculum = (b: number) => key(layout.stage(curriculumStage, b));
  const block = (b: number) => key(layout.stage(blockStage, b));
  const iter = (b: number, i: number) => `${block(b)}/iter-${String(i).padStart(4, "0")}`;
  const fn = "function:curriculum";
  const job = "job:grpo-block";
  const multipart = (principal: string, k: string) => [
    s3(principal, "CreateMultipartUpload", { Key: k }),
    s3(principal, "UploadPart", { Key: k, UploadId: "u" }),
    s3(principal, "CompleteMultipartUpload", { Key: k, UploadId: "u" }),
  ];
  return [
    s3(fn, "GetObject", { Key: key(layout.manifest) }),
    s3(fn, "GetObject", { Key: `${curriculum(0)}/state.json` }),
    s3(fn, "ListObjectsV2", { Prefix: `${iter(0, 1)}/scored/` }),
    s3(fn, "GetObject", { Key: `${iter(0, 1)}/scored/part-00000.arrow` }),
    s3(fn, "GetObject", { Key: `${iter(0, 1)}/metrics.json` }),
    s3(fn, "ListObjectsV2", { Prefix: `${key(layout.stage("ingest"))}/train/` }),
    s3(fn, "GetObject", { Key: `${key(layout.stage("ingest"))}/train/gsm8k/part-00000.arrow` }),
    s3(fn, "HeadObject", { Key: `${curriculum(1)}/_SUCCESS` }, 404),
    s3(fn, "DeleteObject", { Key: `${curriculum(1)}/_SUCCESS` }, 204),
    s3(fn, "PutObject", { Key: `${curriculum(1)}/batch/iter-0002/part-00000.arrow` }),
    s3(fn, "PutObject", { Key: `${curriculum(1)}/reserve/iter-0003/part-00000.arrow` }),
    s3(fn, "PutObject", { Key: `${curriculum(1)}/state.json` }),
    s3(fn, "PutObject", { Key: `${curriculum(1)}/_SUCCESS` }),
    s3("function:plan", "GetObject", { Key: `${curriculum(1)}/_SUCCESS` }),
    s3("function:plan", "GetObject", { Key: `${block(0)}/_SUCCESS` }),
    s3("function:plan", "HeadObject", { Key: `${block(1)}/_SUCCESS` }, 404),
    s3("function:plan", "PutObject", { Key: `${block(1)}/spec.json` }),
    s3(job, "GetObject", { Key: `${block(1)}/spec.json` }),
    s3(job, "HeadObject", { Key: `${block(1)}/_SUCCESS` }, 404),
    s3(job, "ListObjectsV2", { Prefix: `${curriculum(1)}/batch/iter-0002/` }),
    s3(job, "GetObject", { Key: `${curriculum(1)}/batch/iter-0002/part-00000.arrow` }),
    s3(job, "ListObjectsV2", { Prefix: `${curriculum(1)}/reserve/iter-0003/` }),
    s3(job, "ListObjectsV2", { Prefix: `${block(0)}/checkpoints/` }),
    s3(job, "GetObject", { Key: `${block(0)}/checkpoints/latest.json` }),
    s3(job, "GetObject", { Key: `${block(0)}/checkpoints/step-00002/optimizer.pt` }),
    s3(job, "GetObject", { Key: `${block(0)}/model/model.safetensors` }),
    s3(job, "ListObjectsV2", { Prefix: `${key(layout.stage(reference))}/model/` }),
    s3(job, "GetObject", { Key: `${key(layout.stage(reference))}/model/model.safetensors` }),
    // Its own checkpoint: none on a first attempt (a spot retry resumes from it).
    s3(job, "ListObjectsV2", { Prefix: `${block(1)}/checkpoints/` }),
    s3(job, "HeadObject", { Key: `${block(1)}/checkpoints/latest.json` }, 404),
    s3(job, "PutObject", { Key: `${iter(1, 2)}/rollouts/part-00000.arrow` }),
    s3(job, "PutObject", { Key: `${iter(1, 2)}/scored/part-00000.arrow` }),
    s3(job, "PutObject", { Key: `${iter(1, 2)}/metrics.json` }),
    ...multipart(job, `${block(1)}/checkpoints/step-00003/optimizer.pt`),
    s3(job, "AbortMultipartUpload", { Key: `${block(1)}/checkpoints/step-00003/rng.pt`, UploadId: "u" }, 204),
    s3(job, "DeleteObject", { Key: `${block(1)}/checkpoints/step-00002/optimizer.pt` }, 204),
    // model/ is the end checkpoint's files, copied server-side (a large shard as a multipart copy).
    s3(job, "ListObjectsV2", { Prefix: `${block(1)}/checkpoints/step-00003/model/` }),
    s3(job, "HeadObject", { Key: `${block(1)}/checkpoints/step-00003/model/model.safetensors` }),
    s3(job, "CreateMultipartUpload", { Key: `${block(1)}/model/model.safetensors` }),
    s3(job, "UploadPartCopy", {
      Key: `${block(1)}/model/model.safetensors`,
      UploadId: "u",
      CopySource: `${BUCKET}/${block(1)}/checkpoints/step-00003/model/model.safetensors`,
    }),
    s3(job, "CompleteMultipartUpload", { Key: `${block(1)}/model/model.safetensors`, UploadId: "u" }),
    s3(job, "CopyObject", {
      Key: `${block(1)}/model/config.json`,
      CopySource: `${BUCKET}/${block(1)}/checkpoints/step-00003/model/config.json`,
    }),
    s3(job, "PutObject", { Key: `${block(1)}/metrics.json` }),
    s3(job, "PutObject", { Key: `${block(1)}/_SUCCESS` }),
    s3("function:status", "GetObject", { Key: `${block(1)}/metrics.json` }),
  ];
}

/** An execution ARN of the state machine `machineArn`. */
function executionOf(machineArn: string, name: string): string {
  return `${machineArn.replace(":stateMachine:", ":execution:")}:${name}`;
}

function tasks(machine: AslMachine): [string, AslState][] {
  return Object.entries(machine.States).flatMap(([name, state]): [string, AslState][] => {
    const inner = state.ItemProcessor ?? state.Iterator;
    return inner ? [[name, state], ...tasks(inner)] : [[name, state]];
  });
}

/**
 * The state machine role's calls, read off the definition: each Lambda Task invokes its function;
 * each Batch `.sync` Task submits to its queue and definition, polls and (when the execution is
 * stopped) terminates the job, and keeps the managed rule Step Functions uses to hear of job
 * changes (docs: "IAM policies for AWS Batch", Run a Job .sync); the GRPO loop starts the machine
 * itself; a Distributed Map reads its ItemReader object and writes its ResultWriter prefix.
 */
function stateMachineCalls(machine: AslMachine): RecordedCall[] {
  const calls: RecordedCall[] = [];
  const sm = (service: string, operation: string, input: Record<string, unknown>): RecordedCall => ({
    principal: "stateMachine",
    service,
    operation,
    input,
    status: 200,
  });
  for (const [, state] of tasks(machine)) {
    const resource = String(state.Resource ?? "");
    const params = (state.Parameters ?? {}) as Record<string, unknown>;
    if (/^arn:aws:lambda:/.test(resource)) calls.push(sm("lambda", "Invoke", { FunctionName: resource }));
    if (resource.endsWith(":states:::batch:submitJob.sync")) {
      calls.push(
        sm("batch", "SubmitJob", { jobQueue: params.JobQueue, jobDefinition: params.JobDefinition }),
        sm("batch", "DescribeJobs", {}),
        sm("batch", "TerminateJob", { jobId: "0c0ffee0-job" }),
        ...["PutRule", "PutTargets", "DescribeRule"].map((op) =>
          sm("events", op, { Name: "StepFunctionsGetEventsForBatchJobsRule" }),
        ),
      );
    }
    if (resource.endsWith(":states:::states:startExecution")) {
      calls.push(sm("sfn", "StartExecution", { stateMachineArn: String(params.StateMachineArn) }));
    }
    const reader = (state as { ItemReader?: { Parameters?: Record<string, unknown> } }).ItemReader;
    if (reader) {
      calls.push(
        sm("s3", "GetObject", { Bucket: BUCKET, Key: `${key(layout.stage("grpo-rollout", 0))}/shards.json` }),
      );
    }
    const writer = (state as { ResultWriter?: { Parameters?: Record<string, unknown> } }).ResultWriter;
    if (writer) {
      const prefix = `map-results/${RUN}/${String(state.Label ?? "map")}`;
      calls.push(
        sm("s3", "PutObject", { Bucket: BUCKET, Key: `${prefix}/0000/manifest.json` }),
        sm("s3", "CreateMultipartUpload", { Bucket: BUCKET, Key: `${prefix}/0000/SUCCEEDED_0.json` }),
        sm("s3", "AbortMultipartUpload", { Bucket: BUCKET, Key: `${prefix}/0000/SUCCEEDED_0.json` }),
        sm("s3", "ListParts", { Bucket: BUCKET, Key: `${prefix}/0000/SUCCEEDED_0.json` }),
      );
    }
  }
  return calls;
}

describe("a first run on AWS under the synthesized roles (simulated: LocalStack enforces no IAM)", () => {
  beforeAll(() => void synthesized(), 300_000); // bundles every function: about a minute
  const template = () => synthesized().template.toJSON();
  const model = () => iamModel(template(), { bucket: BUCKET, account: ACCOUNT, region: REGION });

  it("allows every call the trigger, the functions and the jobs make", async () => {
    const m = model();
    const jobs = [...m.principals.keys()].filter((p) => p.startsWith("job:"));
    expect(jobs.sort()).toEqual([
      "job:grpo",
      "job:grpo-block",
      "job:multinode",
      "job:reward",
      "job:rollout",
      "job:sft",
    ]);
    const calls = firstRunCalls(m.stateMachineArn, jobs);
    const verdicts = await simulateCalls(m, calls);
    expect(verdicts.length).toBeGreaterThan(100);
    expect(denials(verdicts), "calls a first run makes that the roles refuse").toEqual([]);
  });

  it("allows every call the state machine makes for its Lambda, Batch, loop and Distributed Map states", async () => {
    const m = model();
    const machine = synthesizedDefinition(BUCKET, m.stateMachineArn.split(":").at(-1)!);
    const calls = stateMachineCalls(machine);
    const ops = new Set(calls.map((c) => `${c.service}:${c.operation}`));
    for (const op of [
      "lambda:Invoke",
      "batch:SubmitJob",
      "batch:TerminateJob",
      "sfn:StartExecution",
      "s3:GetObject",
    ])
      expect(ops, op).toContain(op);
    const verdicts = await simulateCalls(m, calls);
    expect(denials(verdicts), "state machine calls its role refuses").toEqual([]);
  });

  it("lets the status function read the history of this machine's executions only", async () => {
    const m = model();
    const other = m.stateMachineArn.replace(/:stateMachine:.*$/, ":stateMachine:someone-else");
    const read = (machineArn: string): RecordedCall => ({
      principal: "function:status",
      service: "sfn",
      operation: "GetExecutionHistory",
      input: { executionArn: executionOf(machineArn, "x") },
      status: 200,
    });
    const verdicts = await simulateCalls(m, [read(m.stateMachineArn), read(other)]);
    expect(denials(verdicts)).toEqual([
      expect.stringMatching(/^function:status: states:GetExecutionHistory on .*:execution:someone-else:x /),
    ]);
    const trigger = { ...read(m.stateMachineArn), principal: "function:trigger" };
    expect(denials(await simulateCalls(m, [trigger]))).toHaveLength(1);
  });

  it("keeps the grpo-block job to its prefixes: inputs read-only, writes under runs/ only", async () => {
    const m = model();
    const job = "job:grpo-block";
    const verdicts = await simulateCalls(m, [
      s3(job, "GetObject", { Key: "models/qwen/model.safetensors" }),
      s3(job, "PutObject", { Key: "models/qwen/model.safetensors" }),
      s3(job, "DeleteObject", { Key: "datasets/gsm8k/train.jsonl" }, 204),
      s3(job, "PutObject", { Key: "map-results/first-run/rejection/0000/manifest.json" }),
      s3(job, "ListObjectsV2", { Prefix: "" }),
    ]);
    expect(denials(verdicts).map((d) => d.split(" ImplicitlyDenied")[0])).toEqual([
      `${job}: s3:PutObject on arn:aws:s3:::${BUCKET}/models/qwen/model.safetensors`,
      `${job}: s3:DeleteObject on arn:aws:s3:::${BUCKET}/datasets/gsm8k/train.jsonl`,
      `${job}: s3:PutObject on arn:aws:s3:::${BUCKET}/map-results/first-run/rejection/0000/manifest.json`,
      `${job}: s3:ListBucket on arn:aws:s3:::${BUCKET} (s3:prefix=)`,
    ]);
  });

  it("names the principal, action and resource of a call the roles refuse", async () => {
    const m = model();
    const call = s3("function:report", "GetObject", { Key: "datasets/private.jsonl" });
    const verdicts = await simulateCalls(m, [call]);
    expect(denials(verdicts)).toEqual([
      `function:report: s3:GetObject on arn:aws:s3:::${BUCKET}/datasets/private.jsonl ImplicitlyDenied — for s3 GetObject ${BUCKET}/datasets/private.jsonl → 200`,
    ]);
  });
});
