/**
 * A run starts when its manifest lands, against the emulator's real APIs: the artifact bucket sends
 * its events to EventBridge, the rule (the synthesized event pattern) matches `runs/<id>/manifest.json`
 * only, and the trigger's logic (functions/trigger/start-run.ts, with the same S3 and Step Functions
 * adapters as the Lambda handler) runs on the event exactly as EventBridge delivered it.
 *
 * The rule's target is an SQS queue standing in for the trigger Lambda: LocalStack executes Lambda
 * functions only with Docker, so the test receives the event from the queue and calls the trigger
 * in-process.
 */
import {
  CreateBucketCommand,
  GetObjectCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
} from "@aws-sdk/client-s3";
import {
  DescribeExecutionCommand,
  type ExecutionListItem,
  paginateListExecutions,
  StopExecutionCommand,
} from "@aws-sdk/client-sfn";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3RunObjects, sfnExecutions } from "../../functions/trigger/aws.ts";
import { ObjectCreatedEvent } from "../../functions/trigger/object-created.ts";
import { RunStatus } from "../../functions/trigger/run-status.ts";
import { startRun, type TriggerDeps } from "../../functions/trigger/start-run.ts";
import { CallLog, withMachineName } from "../iam/recorder.ts";
import { denials, simulateCalls } from "../iam/simulate.ts";
import { iamModel } from "../iam/template-iam.ts";
import { synthesized } from "../infra/fixture.ts";
import { ACCOUNT, endpoint, events, REGION, receive, s3Client, sfnClient, sqs, uniqueName } from "./aws.ts";
import { deployableDefinition, deployStateMachine, manifestRulePattern } from "./definition.ts";
import { manifestInput } from "./manifests.ts";
import { TRIGGER_MACHINE, writeMockConfig } from "./mocks.ts";

endpoint(); // fails the file, with what to do, when AWS_ENDPOINT_URL is not set

const s3 = s3Client();
const sfn = sfnClient();
/** The trigger's own clients: every call they make is recorded for the IAM check (test/iam). */
const calls = new CallLog();
const triggerS3 = calls.recordClient(s3Client(), "s3", "function:trigger");
const triggerSfn = calls.recordClient(sfnClient(), "sfn", "function:trigger");
const bucket = uniqueName("r1flow-trigger");
const rule = uniqueName("r1flow-manifest-created");
/** Stands in for the trigger Lambda as the rule's target. */
const triggerStandIn = uniqueName("r1flow-trigger-lambda-stand-in");
let queueUrl = "";
let machineArn = "";
const toStop: string[] = [];

/** Events received from the stand-in queue, by object key. */
const inbox = new Map<string, ObjectCreatedEvent[]>();

async function poll(): Promise<void> {
  for (const m of await receive(queueUrl, 1)) {
    const event = ObjectCreatedEvent.parse(JSON.parse(m.body));
    const key = event.detail.object.key;
    inbox.set(key, [...(inbox.get(key) ?? []), event]);
  }
}

/** The next not yet taken event for `key`, as EventBridge delivered it. */
async function eventFor(key: string, timeoutMs = 20_000): Promise<ObjectCreatedEvent> {
  const deadline = Date.now() + timeoutMs;
  while (!inbox.get(key)?.length) {
    if (Date.now() > deadline) throw new Error(`no Object Created event for ${key} within ${timeoutMs} ms`);
    await poll();
  }
  return inbox.get(key)!.shift()!;
}

async function upload(key: string, body: unknown): Promise<void> {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  await s3.send(
    new PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: "application/json" }),
  );
}

/** The Lambda handler's wiring, pointed at the emulator; `testCase` runs the machine's mocked case. */
function deps(testCase?: string): TriggerDeps {
  return {
    objects: s3RunObjects(triggerS3, bucket),
    executions: sfnExecutions(triggerSfn, testCase ? `${machineArn}#${testCase}` : machineArn),
    now: () => new Date(),
  };
}

async function statusOf(runId: string): Promise<RunStatus> {
  const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: `runs/${runId}/status.json` }));
  return RunStatus.parse(JSON.parse(await out.Body!.transformToString()));
}

/** The executions of the machine for a run (execution names are `<runId>-<16 hex>`). */
async function executionsOf(runId: string): Promise<ExecutionListItem[]> {
  const all: ExecutionListItem[] = [];
  for await (const page of paginateListExecutions({ client: sfn }, { stateMachineArn: machineArn })) {
    all.push(...(page.executions ?? []));
  }
  return all.filter((e) => new RegExp(`^${runId}-[0-9a-f]{16}$`).test(e.name ?? ""));
}

beforeAll(async () => {
  // Synthesize first (a minute or more): an emulator connection left idle meanwhile is closed under us.
  synthesized();
  // The artifact bucket as the CDK app makes it: versioned, with EventBridge notifications on.
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  await s3.send(
    new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
  );
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: bucket,
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    }),
  );
  const queue = await sqs("CreateQueue", { QueueName: triggerStandIn });
  queueUrl = String(queue.QueueUrl);
  const attrs = await sqs("GetQueueAttributes", { QueueUrl: queueUrl, AttributeNames: ["QueueArn"] });
  const queueArn = (attrs.Attributes as { QueueArn: string }).QueueArn;
  await events("PutRule", {
    Name: rule,
    EventPattern: JSON.stringify(manifestRulePattern(bucket)),
    State: "ENABLED",
  });
  await events("PutTargets", { Rule: rule, Targets: [{ Id: "trigger-lambda-stand-in", Arn: queueArn }] });

  writeMockConfig();
  machineArn = await deployStateMachine(sfn, TRIGGER_MACHINE, deployableDefinition(bucket, TRIGGER_MACHINE));
}, 300_000); // synthesis bundles every function: minutes on a busy machine

afterAll(async () => {
  for (const executionArn of toStop) {
    await sfn.send(new StopExecutionCommand({ executionArn })).catch(() => {});
  }
  await events("RemoveTargets", { Rule: rule, Ids: ["trigger-lambda-stand-in"] }).catch(() => {});
  await events("DeleteRule", { Name: rule }).catch(() => {});
  if (queueUrl) await sqs("DeleteQueue", { QueueUrl: queueUrl }).catch(() => {});
  for (const client of [s3, sfn, triggerS3, triggerSfn]) client.destroy();
});

describe("the artifact bucket and the trigger rule (an SQS queue stands in for the trigger Lambda)", () => {
  it("uses the event pattern the CDK app synthesizes", () => {
    expect(manifestRulePattern(bucket)).toEqual({
      source: ["aws.s3"],
      "detail-type": ["Object Created"],
      detail: { bucket: { name: [bucket] }, object: { key: [{ wildcard: "runs/*/manifest.json" }] } },
    });
  });

  it("delivers an Object Created event naming the bucket, the key and the version for runs/<id>/manifest.json", async () => {
    const runId = uniqueName("match");
    await upload(`runs/${runId}/manifest.json`, manifestInput(runId));
    const event = await eventFor(`runs/${runId}/manifest.json`);
    expect(event.source).toBe("aws.s3");
    expect(event.detail.bucket.name).toBe(bucket);
    expect(event.detail.object["version-id"]).toMatch(/.+/);
  });

  it("delivers nothing for other keys of the bucket", async () => {
    const runId = uniqueName("nomatch");
    await upload(`runs/${runId}/other.json`, {});
    await upload(`runs/${runId}/manifest.json.bak`, {});
    await upload(`manifests/${runId}/manifest.json`, {});
    // A matching upload after them: once its event is in, theirs would have been too.
    await upload(`runs/${runId}/manifest.json`, manifestInput(runId));
    await eventFor(`runs/${runId}/manifest.json`);
    await poll();
    expect([...inbox.keys()].filter((k) => k.includes(runId))).toEqual([`runs/${runId}/manifest.json`]);
  });
});

describe("the trigger on events as EventBridge delivered them", () => {
  it("starts an execution of the state machine with the run's location as input, and records it", async () => {
    const runId = uniqueName("start");
    const key = `runs/${runId}/manifest.json`;
    await upload(key, manifestInput(runId));
    const event = await eventFor(key);

    const outcome = await startRun(event, deps());
    expect(outcome.outcome).toBe("started");
    if (outcome.outcome !== "started") return;
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn: outcome.executionArn }));
    expect(execution.stateMachineArn).toBe(machineArn);
    expect(execution.name).toBe(outcome.executionName);
    expect(JSON.parse(execution.input ?? "{}")).toEqual({
      runId,
      runUri: `s3://${bucket}/runs/${runId}`,
      manifestUri: `s3://${bucket}/${key}`,
      bucket,
    });
    expect(await statusOf(runId)).toMatchObject({
      runId,
      status: "running",
      executionName: outcome.executionName,
      executionArn: outcome.executionArn,
      manifestVersion: event.detail.object["version-id"],
    });
  });

  it("starts one execution for an event delivered twice, also after a crash between claim and start", async () => {
    const runId = uniqueName("twice");
    const key = `runs/${runId}/manifest.json`;
    await upload(key, manifestInput(runId));
    const event = await eventFor(key);

    const first = await startRun(event, deps());
    expect(first.outcome).toBe("started");
    const second = await startRun(structuredClone(event), deps());
    expect(second).toEqual({
      outcome: "duplicate",
      runId,
      executionName: (first as { executionName: string }).executionName,
    });

    // The trigger died after claiming the run (status `starting`) and the event comes again: Step
    // Functions' execution name, derived from the manifest version, still allows one execution.
    const status = await statusOf(runId);
    await upload(`runs/${runId}/status.json`, { ...status, status: "starting", executionArn: undefined });
    const third = await startRun(structuredClone(event), deps());
    expect(["duplicate", "started"]).toContain(third.outcome);
    const executions = await executionsOf(runId);
    expect(executions.map((e) => e.name)).toEqual([(first as { executionName: string }).executionName]);
  });

  it("refuses an invalid manifest: status.json is `invalid` with one line per problem, and nothing starts", async () => {
    const runId = uniqueName("invalid");
    const key = `runs/${runId}/manifest.json`;
    const bad = manifestInput(runId) as Record<string, unknown> & { stages: Record<string, unknown> };
    bad.stages = { ...bad.stages, grpo: { iterations: 2, groupSize: 1 } };
    bad.colour = "blue";
    await upload(key, bad);
    const event = await eventFor(key);

    const outcome = await startRun(event, deps());
    expect(outcome.outcome).toBe("invalid");
    const status = await statusOf(runId);
    expect(status.status).toBe("invalid");
    expect(status.errors).toEqual(
      expect.arrayContaining([
        '(root): unknown key "colour"',
        "stages.grpo.groupSize: expected an integer ≥ 2 (GRPO needs a group), got 1",
      ]),
    );
    expect(status.errors).toHaveLength(2);
    expect(await executionsOf(runId)).toEqual([]);
  });

  it("refuses a second upload of a run id while its execution is running", async () => {
    const runId = uniqueName("running");
    const key = `runs/${runId}/manifest.json`;
    await upload(key, manifestInput(runId));
    // `Held`: the execution's first Lambda call is throttled for about a minute, so it stays RUNNING.
    const first = await startRun(await eventFor(key), deps("Held"));
    expect(first.outcome).toBe("started");
    if (first.outcome !== "started") return;
    toStop.push(first.executionArn);
    const running = await sfn.send(new DescribeExecutionCommand({ executionArn: first.executionArn }));
    expect(running.status).toBe("RUNNING");

    await upload(key, manifestInput(runId, { iterations: 5 }));
    const again = await eventFor(key);
    expect(again.detail.object["version-id"]).not.toBe((await statusOf(runId)).manifestVersion);
    const second = await startRun(again, deps());
    expect(second.outcome).toBe("refused");
    expect((second as { reason: string }).reason).toContain(`already running as ${first.executionArn}`);
    expect((await executionsOf(runId)).map((e) => e.executionArn)).toEqual([first.executionArn]);
    expect((await statusOf(runId)).executionArn).toBe(first.executionArn);
  });
});

describe("the trigger's calls under its role in the synthesized template (LocalStack enforces no IAM)", () => {
  it("are all allowed, including the GET of a new run's missing status.json", async () => {
    const operations = new Set(calls.calls.map((c) => `${c.service}:${c.operation}:${c.status}`));
    // A new run reads its missing status.json first; a running one is described before refusing.
    expect(operations).toContain("s3:GetObject:404");
    expect(operations).toContain("sfn:StartExecution:200");
    expect(operations).toContain("sfn:DescribeExecution:200");
    const template = synthesized().template.toJSON();
    const model = iamModel(template, { bucket, account: ACCOUNT, region: REGION });
    const named = withMachineName(calls.calls, TRIGGER_MACHINE, model.stateMachineArn.split(":").at(-1)!);
    const verdicts = await simulateCalls(model, named);
    expect(verdicts.length).toBeGreaterThan(4);
    expect(denials(verdicts), "trigger calls its role would refuse").toEqual([]);
  });
});
