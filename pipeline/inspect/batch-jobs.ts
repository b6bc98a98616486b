/**
 * A run's GPU jobs from the AWS Batch API, for `r1flow inspect s3://…` (read-only calls).
 *
 * Where the job ids come from: nothing in the run records them, and the state machine's
 * `submitJob.sync` tasks only learn a job's id when it ends. So the jobs are found in Batch itself:
 *   status.json's executionArn → DescribeStateMachineForExecution (the definition that execution
 *   runs, naming its job queues) → ListJobs on each queue, job name `<runId>-*` (every state
 *   names its job `<runId>-<stage>`) → DescribeJobs; each job's `spec` parameter is its visit's
 *   `…/stages/<NN>-<stage>[/iter-NNNN]/spec.json`, which places it exactly, GRPO iteration included.
 * This sees a job that is still RUNNABLE (and Batch's reason why), jobs of earlier executions of the
 * run (loop continuations, a re-uploaded manifest), and every retried attempt. Batch keeps finished
 * jobs for a limited time only, so an old run may show fewer jobs than it ran.
 *
 * Local runs (a path, no execution) make no AWS call at all.
 */
import {
  BatchClient,
  DescribeComputeEnvironmentsCommand,
  DescribeJobQueuesCommand,
  DescribeJobsCommand,
  type JobDetail,
  ListJobsCommand,
} from "@aws-sdk/client-batch";
import { DescribeStateMachineForExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { batchReport, jobRow, type QueueCompute, type VisitRef } from "./batch-usage.ts";
import type { BatchReport, RunInfo, VisitRow } from "./model.ts";
import { PRICE_SOURCE, PRICES, type PriceTable } from "./prices.ts";
import { visitLabel } from "./table.ts";

export interface BatchOptions {
  /** Clients to use (tests pass mocked ones); default: the SDK's credential chain, the execution's region. */
  readonly clients?: { readonly batch: BatchClient; readonly sfn: SFNClient };
  readonly prices?: PriceTable;
  readonly now?: () => Date;
}

const QUEUE_ARN = /arn:aws[a-z-]*:batch:[a-z0-9-]+:\d{12}:job-queue\/[A-Za-z0-9_-]+/g;

/** The job queues a state machine definition submits to (its Batch task states' `JobQueue`). */
export function queueArns(definition: string): string[] {
  return [...new Set(definition.match(QUEUE_ARN) ?? [])].sort();
}

/** `…/runs/<runId>/stages/07-grpo-update/iter-0002` → `stages/07-grpo-update/iter-0002`, else null. */
function runRelative(uri: string, runId: string): string | null {
  const marker = `/runs/${runId}/`;
  const at = uri.lastIndexOf(marker);
  return at < 0 ? null : uri.slice(at + marker.length).replace(/\/+$/, "");
}

/** The visit a job ran for, from its `spec` parameter; null when the job is not this run's. */
export function visitOfJob(job: JobDetail, runId: string, visits: readonly VisitRow[]): VisitRef | null {
  const spec = job.parameters?.spec;
  const dir = spec ? runRelative(spec.replace(/\/spec\.json$/, ""), runId) : null;
  if (dir === null) return null;
  const visit = visits.find((v) => runRelative(v.dir, runId) === dir);
  if (!visit) return { stage: dir.split("/")[1]?.replace(/^\d+-/, "") ?? dir, label: dir };
  return {
    stage: visit.stage,
    ...(visit.iteration === undefined ? {} : { iteration: visit.iteration }),
    label: visitLabel(visit),
  };
}

async function listRunJobs(batch: BatchClient, queue: string, runId: string): Promise<string[]> {
  const ids: string[] = [];
  let nextToken: string | undefined;
  do {
    const page = await batch.send(
      new ListJobsCommand({
        jobQueue: queue,
        filters: [{ name: "JOB_NAME", values: [`${runId}-*`] }],
        nextToken,
      }),
    );
    // The filter is a case-insensitive prefix: keep this run's names only.
    for (const s of page.jobSummaryList ?? [])
      if (s.jobName?.startsWith(`${runId}-`) && s.jobId) ids.push(s.jobId);
    nextToken = page.nextToken;
  } while (nextToken);
  return ids;
}

async function describeJobs(batch: BatchClient, ids: readonly string[]): Promise<JobDetail[]> {
  const jobs: JobDetail[] = [];
  for (let i = 0; i < ids.length; i += 100) {
    const out = await batch.send(new DescribeJobsCommand({ jobs: ids.slice(i, i + 100) }));
    jobs.push(...(out.jobs ?? []));
  }
  return jobs;
}

/** Each queue's compute: spot or on-demand, and the instance types its environments may start. */
async function queueCompute(
  batch: BatchClient,
  queues: readonly string[],
): Promise<Map<string, QueueCompute>> {
  const out = new Map<string, QueueCompute>();
  if (queues.length === 0) return out;
  const { jobQueues = [] } = await batch.send(new DescribeJobQueuesCommand({ jobQueues: [...queues] }));
  const order = (q: (typeof jobQueues)[number]) =>
    [...(q.computeEnvironmentOrder ?? [])]
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0))
      .map((c) => c.computeEnvironment ?? "");
  const envArns = [...new Set(jobQueues.flatMap(order))].filter(Boolean);
  const { computeEnvironments = [] } = envArns.length
    ? await batch.send(new DescribeComputeEnvironmentsCommand({ computeEnvironments: envArns }))
    : {};
  for (const q of jobQueues) {
    const envs = order(q).map((arn) => computeEnvironments.find((e) => e.computeEnvironmentArn === arn));
    const market = envs[0]?.computeResources?.type?.includes("SPOT") ? "spot" : "on-demand";
    const instanceTypes = [...new Set(envs.flatMap((e) => e?.computeResources?.instanceTypes ?? []))];
    const compute = { queueName: q.jobQueueName ?? q.jobQueueArn ?? "", market, instanceTypes } as const;
    if (q.jobQueueArn) out.set(q.jobQueueArn, compute);
    if (q.jobQueueName) out.set(q.jobQueueName, compute);
  }
  return out;
}

function defaultClients(executionArn: string) {
  const region = executionArn.split(":")[3] || undefined;
  return { batch: new BatchClient({ region }), sfn: new SFNClient({ region }) };
}

/** The run's Batch jobs; undefined for runs that have no execution (local runs): no AWS call then. */
export async function gatherBatch(
  run: RunInfo,
  visits: readonly VisitRow[],
  options: BatchOptions = {},
): Promise<BatchReport | undefined> {
  if (!run.uri.startsWith("s3://") || !run.executionArn) return undefined;
  const now = (options.now ?? (() => new Date()))();
  const prices = options.prices ?? PRICES;
  const { batch, sfn } = options.clients ?? defaultClients(run.executionArn);
  try {
    const machine = await sfn.send(
      new DescribeStateMachineForExecutionCommand({ executionArn: run.executionArn }),
    );
    const ids: string[] = [];
    for (const queue of queueArns(machine.definition ?? ""))
      ids.push(...(await listRunJobs(batch, queue, run.runId)));
    const jobs = await describeJobs(batch, [...new Set(ids)]);
    const mine = jobs.flatMap((job) => {
      const visit = visitOfJob(job, run.runId, visits);
      return visit ? [{ job, visit }] : [];
    });
    const multiNode = mine.flatMap(({ job }) =>
      job.nodeProperties ? [`${job.jobId}#${job.nodeProperties.mainNode ?? 0}`] : [],
    );
    const mainNodes = new Map((await describeJobs(batch, multiNode)).map((n) => [n.jobId?.split("#")[0], n]));
    const compute = await queueCompute(
      batch,
      [...new Set(mine.map(({ job }) => job.jobQueue ?? ""))].filter(Boolean),
    );
    const rows = mine.map(({ job, visit }) =>
      jobRow(job, visit, compute.get(job.jobQueue ?? ""), prices, now, mainNodes.get(job.jobId)),
    );
    return batchReport(rows, now);
  } catch (error) {
    const e = error as Error;
    return {
      asOf: now.toISOString(),
      priceSource: PRICE_SOURCE,
      jobs: [],
      byVisit: [],
      byStage: [],
      total: { gpuHours: 0 },
      error: `could not read AWS Batch for ${run.executionArn}: ${e.name}: ${e.message}`,
    };
  }
}
