/**
 * `r1flow inspect` on an AWS run: its GPU jobs from the AWS Batch API. No emulator has Batch, so the
 * Batch and Step Functions clients are mocked (aws-sdk-client-mock) with HAND-WRITTEN RESPONSES in
 * the shape the API reference gives (DescribeStateMachineForExecution, ListJobs, DescribeJobs,
 * DescribeJobQueues, DescribeComputeEnvironments) — not recorded from a live account. The run's
 * files are a real synthetic run on disk; the expected GPU-hours and costs are worked out by hand.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  type JobDetail,
  ListJobsCommand,
} from "@aws-sdk/client-batch";
import { DescribeStateMachineForExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { writeJson } from "../../functions/io/objects.ts";
import { gatherBatch, queueArns } from "../../pipeline/inspect/batch-jobs.ts";
import { gatherRun } from "../../pipeline/inspect/gather.ts";
import { renderHtml } from "../../pipeline/inspect/html.ts";
import type { InspectModel, RunInfo, VisitRow } from "../../pipeline/inspect/model.ts";
import { renderTable } from "../../pipeline/inspect/table.ts";
import { RUN_ID, writeSyntheticRun } from "./fixture.ts";

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const ACCOUNT = "123456789012";
const EXECUTION = `arn:aws:states:us-east-1:${ACCOUNT}:execution:R1flowPipeline:synthetic-v1`;
const SPOT_Q = `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/ComputeSpotQueue-AbC123`;
const OD_Q = `arn:aws:batch:us-east-1:${ACCOUNT}:job-queue/ComputeOnDemandQueue-XyZ789`;
const SPOT_CE = `arn:aws:batch:us-east-1:${ACCOUNT}:compute-environment/ComputeSpot-1`;
const OD_CE = `arn:aws:batch:us-east-1:${ACCOUNT}:compute-environment/ComputeOnDemand-1`;
const T0 = Date.parse("2026-11-30T10:00:00Z");
const NOW = new Date(T0 + 4 * 3_600_000);
const MIN = 60_000;
const GPU1 = [{ type: "GPU" as const, value: "1" }];

const batch = mockClient(BatchClient);
const sfn = mockClient(SFNClient);
const clients = () => ({
  batch: new BatchClient({ region: "us-east-1" }),
  sfn: new SFNClient({ region: "us-east-1" }),
});

let visits: VisitRow[];
const rel = (v: VisitRow) => v.dir.slice(v.dir.lastIndexOf(`/runs/${RUN_ID}/`) + `/runs/${RUN_ID}/`.length);
const specOf = (stage: string, iteration?: number) => {
  const v = visits.find((x) => x.stage === stage && x.iteration === iteration);
  if (!v) throw new Error(`no visit ${stage} ${iteration}`);
  return { spec: `s3://bucket/runs/${RUN_ID}/${rel(v)}/spec.json` };
};

/** Jobs as DescribeJobs returns them (fields the API reference lists; hand-written). A job not yet
 * started has no startedAt, though the SDK's type marks it required. */
function jobs(): JobDetail[] {
  const base = { jobDefinition: "arn:jd", retryStrategy: { attempts: 6 } };
  return [
    {
      ...base,
      jobId: "j-sft",
      jobName: `${RUN_ID}-sft`,
      jobQueue: SPOT_Q,
      status: "SUCCEEDED",
      createdAt: T0,
      startedAt: T0 + 40 * MIN,
      stoppedAt: T0 + 100 * MIN,
      parameters: specOf("sft"),
      container: { resourceRequirements: GPU1, logStreamName: "sft/default/attempt2" },
      attempts: [
        {
          startedAt: T0,
          stoppedAt: T0 + 30 * MIN,
          statusReason: "Host EC2 (instance i-0abc) terminated.",
          container: { logStreamName: "sft/default/attempt1" },
        },
        {
          startedAt: T0 + 40 * MIN,
          stoppedAt: T0 + 100 * MIN,
          container: { exitCode: 0, logStreamName: "sft/default/attempt2" },
        },
      ],
    },
    {
      ...base,
      jobId: "j-reward",
      jobName: `${RUN_ID}-reward`,
      jobQueue: OD_Q,
      status: "FAILED",
      statusReason: "Essential container in task exited",
      createdAt: T0 + 101 * MIN,
      startedAt: T0 + 105 * MIN,
      stoppedAt: T0 + 117 * MIN,
      parameters: specOf("reward"),
      container: { resourceRequirements: GPU1, exitCode: 1, logStreamName: "reward/default/x" },
      attempts: [
        {
          startedAt: T0 + 105 * MIN,
          stoppedAt: T0 + 117 * MIN,
          container: { exitCode: 1, reason: "OutOfMemoryError: Container killed due to memory usage" },
        },
      ],
    },
    {
      ...base,
      jobId: "j-grpo-0",
      jobName: `${RUN_ID}-grpo-update`,
      jobQueue: SPOT_Q,
      status: "RUNNING",
      createdAt: T0 + 200 * MIN,
      startedAt: NOW.getTime() - 15 * MIN,
      parameters: specOf("grpo-update", 0),
      container: { resourceRequirements: GPU1, logStreamName: "grpo/default/y" },
      attempts: [],
    },
    {
      ...base,
      jobId: "j-grpo-1",
      jobName: `${RUN_ID}-grpo-update`,
      jobQueue: SPOT_Q,
      status: "RUNNABLE",
      statusReason:
        "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY - There is no Spot capacity available that meets your request.",
      createdAt: T0 + 230 * MIN,
      parameters: specOf("grpo-update", 1),
      container: { resourceRequirements: GPU1 },
      attempts: [],
    },
    {
      ...base,
      jobId: "j-sft2",
      jobName: `${RUN_ID}-sft2`,
      jobQueue: OD_Q,
      status: "SUCCEEDED",
      createdAt: T0 + 120 * MIN,
      startedAt: T0 + 125 * MIN,
      stoppedAt: T0 + 155 * MIN,
      parameters: { ...specOf("sft2"), stage: "sft" },
      nodeProperties: {
        numNodes: 2,
        mainNode: 0,
        nodeRangeProperties: [{ targetNodes: "0:1", container: { resourceRequirements: GPU1 } }],
      },
      attempts: [{ startedAt: T0 + 125 * MIN, stoppedAt: T0 + 155 * MIN }],
    },
    {
      // Another run whose id starts with this one's: the JOB_NAME prefix matches, the spec does not.
      ...base,
      jobId: "j-other",
      jobName: `${RUN_ID}-b-sft`,
      jobQueue: SPOT_Q,
      status: "SUCCEEDED",
      createdAt: T0,
      parameters: { spec: `s3://bucket/runs/${RUN_ID}-b/stages/03-sft/spec.json` },
      container: { resourceRequirements: GPU1 },
      attempts: [{ startedAt: T0, stoppedAt: T0 + 600 * MIN }],
    },
  ] as JobDetail[];
}

function answerAsBatch(odTypes = ["g6e.xlarge", "g6e.2xlarge"]) {
  const all = jobs();
  const summary = (j: JobDetail) => ({ jobId: j.jobId!, jobName: j.jobName!, status: j.status });
  sfn.on(DescribeStateMachineForExecutionCommand, { executionArn: EXECUTION }).resolves({
    stateMachineArn: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:R1flowPipeline`,
    name: "R1flowPipeline",
    roleArn: `arn:aws:iam::${ACCOUNT}:role/r`,
    updateDate: new Date(T0),
    definition: JSON.stringify({
      StartAt: "sft",
      States: {
        "sft job spot": {
          Type: "Task",
          Resource: "arn:aws:states:::batch:submitJob.sync",
          Parameters: { JobQueue: SPOT_Q },
        },
        "sft job on-demand": {
          Type: "Task",
          Resource: "arn:aws:states:::batch:submitJob.sync",
          Parameters: { JobQueue: OD_Q },
        },
      },
    }),
  });
  const spot = all.filter((j) => j.jobQueue === SPOT_Q).map(summary);
  // Two pages on the spot queue: the look-up must follow nextToken.
  batch
    .on(ListJobsCommand, { jobQueue: SPOT_Q, nextToken: undefined })
    .resolves({ jobSummaryList: spot.slice(0, 2), nextToken: "page-2" })
    .on(ListJobsCommand, { jobQueue: SPOT_Q, nextToken: "page-2" })
    .resolves({ jobSummaryList: spot.slice(2) })
    .on(ListJobsCommand, { jobQueue: OD_Q })
    .resolves({ jobSummaryList: all.filter((j) => j.jobQueue === OD_Q).map(summary) });
  batch.on(DescribeJobsCommand).callsFake(({ jobs: ids }: { jobs: string[] }) => ({
    jobs: ids.flatMap((id) => {
      if (id === "j-sft2#0")
        return [
          {
            ...all.find((j) => j.jobId === "j-sft2")!,
            jobId: "j-sft2#0",
            nodeProperties: undefined,
            container: { logStreamName: "multi-node/default/main" },
          },
        ];
      return all.filter((j) => j.jobId === id);
    }),
  }));
  batch.on(DescribeJobQueuesCommand).resolves({
    jobQueues: [
      {
        jobQueueName: "ComputeSpotQueue-AbC123",
        jobQueueArn: SPOT_Q,
        state: "ENABLED",
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: SPOT_CE }],
      },
      {
        jobQueueName: "ComputeOnDemandQueue-XyZ789",
        jobQueueArn: OD_Q,
        state: "ENABLED",
        priority: 1,
        computeEnvironmentOrder: [{ order: 1, computeEnvironment: OD_CE }],
      },
    ],
  });
  batch.on(DescribeComputeEnvironmentsCommand).resolves({
    computeEnvironments: [
      {
        computeEnvironmentName: "spot",
        computeEnvironmentArn: SPOT_CE,
        computeResources: { type: "SPOT", maxvCpus: 56, subnets: [], instanceTypes: ["g6e.2xlarge"] },
      },
      {
        computeEnvironmentName: "od",
        computeEnvironmentArn: OD_CE,
        computeResources: { type: "EC2", maxvCpus: 56, subnets: [], instanceTypes: odTypes },
      },
    ],
  });
}

const RUN: RunInfo = {
  runId: RUN_ID,
  uri: `s3://bucket/runs/${RUN_ID}`,
  status: "running",
  executionArn: EXECUTION,
};

beforeEach(async () => {
  batch.reset();
  sfn.reset();
  if (!visits) {
    const store = mkdtempSync(join(tmpdir(), "r1flow-batch-"));
    dirs.push(store);
    visits = [...(await gatherRun(await writeSyntheticRun(store), { batch: false })).visits];
  }
});

describe("inspect: GPU jobs from AWS Batch (mocked clients, hand-written responses)", () => {
  it("finds the run's queues in the execution's definition", () => {
    const def = JSON.stringify({
      States: {
        a: { Parameters: { JobQueue: OD_Q } },
        b: { Parameters: { JobQueue: SPOT_Q } },
        c: { Parameters: { JobQueue: OD_Q } },
      },
    });
    expect(queueArns(def)).toEqual([OD_Q, SPOT_Q].sort());
  });

  it("places each job on its visit and reports status, reasons, attempts, logs, GPU-hours and cost", async () => {
    answerAsBatch();
    const report = (await gatherBatch(RUN, visits, { clients: clients(), now: () => NOW }))!;
    expect(report.error).toBeUndefined();
    expect(report.jobs.map((j) => [j.visit, j.jobId, j.status])).toEqual([
      ["sft", "j-sft", "SUCCEEDED"],
      ["reward", "j-reward", "FAILED"],
      ["sft2", "j-sft2", "SUCCEEDED"],
      ["grpo-update [0]", "j-grpo-0", "RUNNING"],
      ["grpo-update [1]", "j-grpo-1", "RUNNABLE"],
    ]); // oldest first; the other run's job is not listed
    const [sft, reward, sft2, grpo0, grpo1] = report.jobs;
    expect(sft).toMatchObject({
      spotReclaims: 1,
      market: "spot",
      logStream: "sft/default/attempt2",
      gpuHours: 1.5,
    });
    expect(sft!.attempts.map((a) => [a.spotReclaim, a.exitCode])).toEqual([
      [true, undefined],
      [false, 0],
    ]);
    expect(reward!.statusReason).toBe("Essential container in task exited");
    expect(reward!.attempts[0]?.reason).toMatch(/OutOfMemoryError/);
    expect(reward!.gpuHours).toBeCloseTo(0.2, 10);
    expect(sft2).toMatchObject({
      nodes: 2,
      gpusPerNode: 1,
      gpuHours: 1,
      logStream: "multi-node/default/main",
    });
    expect(grpo0!.gpuHours).toBeCloseTo(0.25, 10); // running 15 minutes at `now`
    expect(grpo1).toMatchObject({
      gpuHours: 0,
      statusReason: expect.stringMatching(/^CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY/),
    });

    // Spot g6e.2xlarge at 40% of 2.24208 $/h; on-demand between g6e.xlarge 1.861 and g6e.2xlarge 2.24208 $/h.
    expect(sft!.estimatedCost!.lowUsd).toBeCloseTo(1.5 * 2.24208 * 0.4, 9);
    expect(reward!.estimatedCost!.lowUsd).toBeCloseTo(0.2 * 1.861, 9);
    expect(reward!.estimatedCost!.highUsd).toBeCloseTo(0.2 * 2.24208, 9);
    expect(sft2!.estimatedCost).toEqual({ lowUsd: 1.861, highUsd: 2.24208 });
    expect(report.total.gpuHours).toBeCloseTo(2.95, 10);
    const low = 1.5 * 2.24208 * 0.4 + 0.2 * 1.861 + 1.861 + 0.25 * 2.24208 * 0.4;
    const high = 1.5 * 2.24208 * 0.4 + 0.2 * 2.24208 + 2.24208 + 0.25 * 2.24208 * 0.4;
    expect(report.total.estimatedCost!.lowUsd).toBeCloseTo(low, 9);
    expect(report.total.estimatedCost!.highUsd).toBeCloseTo(high, 9);
    expect(report.byStage.map((s) => [s.stage, Number(s.gpuHours.toFixed(6))])).toEqual([
      ["sft", 1.5],
      ["reward", 0.2],
      ["sft2", 1],
      ["grpo-update", 0.25],
    ]);
    expect(report.priceSource).toMatch(/us-east-1.*not re-checked.*spot assumed at 40%/);
  });

  it("shows the jobs in the table, --json and the HTML report, labelled as an estimate", async () => {
    answerAsBatch();
    const batchReport = (await gatherBatch(RUN, visits, { clients: clients(), now: () => NOW }))!;
    const model = {
      ...(await gatherRun(join(dirs[0]!, "runs", RUN_ID), { batch: false })),
      batch: batchReport,
    } as InspectModel;
    const table = renderTable(model);
    expect(table).toContain("GPU jobs (AWS Batch, as of 2026-11-30T14:00:00.000Z)");
    expect(table).toMatch(/grpo-update \[1\]\s+j-grpo-1\s+RUNNABLE/);
    expect(table).toContain("↳ RUNNABLE: CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY");
    expect(table).toContain("↳ 1 spot reclaim(s), retried by Batch");
    expect(table).toContain("↳ log stream: sft/default/attempt2");
    expect(table).toMatch(/sft\s+j-sft\s+SUCCEEDED\s+2\s+reclaimed,0/);
    expect(table).toContain(`run total: 2.95 GPU-h ≈ $3.80–$4.26`);
    expect(table).toContain("cost is an ESTIMATE");
    const json = JSON.parse(JSON.stringify(model)) as InspectModel;
    expect(json.batch?.jobs).toHaveLength(5);
    const html = renderHtml(model, NOW);
    expect(html).toContain(`data-table="batch"`);
    expect(html).toMatch(/<tr data-job="j-grpo-1" data-status="RUNNABLE">/);
    expect(html).toContain("Costs are an ESTIMATE");
    expect(html).toMatch(/data-total-cost><b>≈ \$3\.80–\$4\.26</);
  });

  it("leaves the cost unknown, and says why, when an instance type has no price", async () => {
    answerAsBatch(["p5.48xlarge"]);
    const report = (await gatherBatch(RUN, visits, { clients: clients(), now: () => NOW }))!;
    const reward = report.jobs.find((j) => j.jobId === "j-reward")!;
    expect(reward.estimatedCost).toBeUndefined();
    expect(reward.costNote).toBe("no price for p5.48xlarge in the table");
    expect(report.total.estimatedCost).toBeUndefined();
    expect(report.total.gpuHours).toBeCloseTo(2.95, 10);
  });

  it("reports an unreadable Batch API as one line instead of failing inspect", async () => {
    sfn
      .on(DescribeStateMachineForExecutionCommand)
      .rejects(Object.assign(new Error("User is not authorized"), { name: "AccessDeniedException" }));
    const report = (await gatherBatch(RUN, visits, { clients: clients(), now: () => NOW }))!;
    expect(report.jobs).toEqual([]);
    expect(report.error).toBe(
      `could not read AWS Batch for ${EXECUTION}: AccessDeniedException: User is not authorized`,
    );
    expect(batch.calls()).toHaveLength(0);
  });

  it("makes no AWS call for a local run, even with an execution in its status.json", async () => {
    const store = mkdtempSync(join(tmpdir(), "r1flow-batch-local-"));
    dirs.push(store);
    const root = await writeSyntheticRun(store);
    await writeJson(join(root, "status.json"), {
      runId: RUN_ID,
      status: "running",
      updatedAt: "t",
      executionArn: EXECUTION,
    });
    const model = await gatherRun(root, { batch: { clients: clients() } });
    expect(model.run.executionArn).toBe(EXECUTION);
    expect(model.batch).toBeUndefined();
    expect(renderTable(model)).not.toContain("AWS Batch");
    expect(sfn.calls()).toHaveLength(0);
    expect(batch.calls()).toHaveLength(0);
  });
});
