/**
 * From AWS Batch job descriptions to the inspect model's GPU job rows (pure): status and why, each
 * attempt (spot reclaims, exit codes, log streams), GPU-hours, and an ESTIMATED cost from the price
 * table (prices.ts) and the compute environment the job's queue feeds (spot or on-demand, and the
 * instance types it may start).
 */
import type { JobDetail, ResourceRequirement } from "@aws-sdk/client-batch";
import type { BatchAttempt, BatchJobRow, BatchReport, CostRange, GpuUsage } from "./model.ts";
import { gpuHourPrice, PRICE_SOURCE, type PriceTable } from "./prices.ts";

/** What a job's queue runs on (from DescribeJobQueues → DescribeComputeEnvironments). */
export interface QueueCompute {
  readonly queueName: string;
  readonly market: "spot" | "on-demand";
  readonly instanceTypes: readonly string[];
}

/** Where a job belongs: its visit directory relative to the run root, and the visit's label. */
export interface VisitRef {
  readonly stage: string;
  readonly iteration?: number;
  readonly label: string;
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
const HOST_LOST = /^Host EC2/;

function gpusOf(requirements: readonly ResourceRequirement[] | undefined): number {
  const gpu = requirements?.find((r) => r.type === "GPU")?.value;
  return gpu ? Number(gpu) : 0;
}

/** GPUs per node and nodes: single-node from `container`, multi-node from its node range. */
export function jobShape(job: JobDetail): { gpusPerNode: number; nodes: number } {
  if (job.nodeProperties) {
    const range = job.nodeProperties.nodeRangeProperties?.[0]?.container?.resourceRequirements;
    return { gpusPerNode: gpusOf(range), nodes: job.nodeProperties.numNodes ?? 1 };
  }
  return { gpusPerNode: gpusOf(job.container?.resourceRequirements), nodes: 1 };
}

/** Hours the job held its hosts: every finished attempt, plus the one running now. */
export function runningHours(job: JobDetail, now: Date): number {
  const attempts = job.attempts ?? [];
  let ms = attempts.reduce((sum, a) => sum + (a.startedAt && a.stoppedAt ? a.stoppedAt - a.startedAt : 0), 0);
  const lastStop = attempts.at(-1)?.stoppedAt ?? 0;
  if (job.status === "RUNNING" && job.startedAt && job.startedAt > lastStop)
    ms += now.getTime() - job.startedAt;
  return ms / 3_600_000;
}

/** Cost of `gpuHours` at each listed instance type's GPU-hour price: the cheapest to the dearest. */
export function estimateCost(
  gpuHours: number,
  compute: QueueCompute | undefined,
  prices: PriceTable,
): CostRange | undefined {
  if (!compute) return undefined;
  const rates = compute.instanceTypes.map((t) => gpuHourPrice(prices, t, compute.market));
  if (rates.length === 0 || rates.some((r) => r === undefined)) return undefined;
  const known = rates as number[];
  return { lowUsd: gpuHours * Math.min(...known), highUsd: gpuHours * Math.max(...known) };
}

function attemptRow(a: NonNullable<JobDetail["attempts"]>[number]): BatchAttempt {
  return {
    ...(a.startedAt ? { startedAt: iso(a.startedAt) } : {}),
    ...(a.stoppedAt ? { stoppedAt: iso(a.stoppedAt) } : {}),
    ...(a.container?.exitCode === undefined ? {} : { exitCode: a.container.exitCode }),
    ...(a.statusReason ? { statusReason: a.statusReason } : {}),
    ...(a.container?.reason ? { reason: a.container.reason } : {}),
    ...(a.container?.logStreamName ? { logStream: a.container.logStreamName } : {}),
    spotReclaim: HOST_LOST.test(a.statusReason ?? ""),
  };
}

export function jobRow(
  job: JobDetail,
  visit: VisitRef,
  compute: QueueCompute | undefined,
  prices: PriceTable,
  now: Date,
  mainNode?: JobDetail,
): BatchJobRow {
  const { gpusPerNode, nodes } = jobShape(job);
  const gpuHours = runningHours(job, now) * gpusPerNode * nodes;
  // A multi-node job's log streams are its nodes'; the main node's (`<id>#<main>`) carries the run.
  const logSource = mainNode ?? job;
  const attempts = (logSource.attempts ?? []).map(attemptRow);
  const logStream =
    logSource.container?.logStreamName ?? [...attempts].reverse().find((a) => a.logStream)?.logStream;
  const cost = estimateCost(gpuHours, compute, prices);
  const unpriced = compute?.instanceTypes.filter((t) => !prices[t]) ?? [];
  return {
    visit: visit.label,
    stage: visit.stage,
    ...(visit.iteration === undefined ? {} : { iteration: visit.iteration }),
    jobId: job.jobId ?? "",
    jobName: job.jobName ?? "",
    queue: compute?.queueName ?? job.jobQueue ?? "",
    status: job.status ?? "UNKNOWN",
    ...(job.statusReason ? { statusReason: job.statusReason } : {}),
    ...(job.createdAt ? { createdAt: iso(job.createdAt) } : {}),
    ...(job.startedAt ? { startedAt: iso(job.startedAt) } : {}),
    ...(job.stoppedAt ? { stoppedAt: iso(job.stoppedAt) } : {}),
    attempts,
    spotReclaims: attempts.filter((a) => a.spotReclaim).length,
    ...(logStream ? { logStream } : {}),
    nodes,
    gpusPerNode,
    market: compute?.market ?? "unknown",
    instanceTypes: [...(compute?.instanceTypes ?? [])],
    gpuHours,
    ...(cost ? { estimatedCost: cost } : {}),
    ...(cost || !compute
      ? {}
      : { costNote: `no price for ${unpriced.join(", ") || "its instance types"} in the table` }),
  };
}

function addCost(a: CostRange | undefined, b: CostRange | undefined, first: boolean): CostRange | undefined {
  if (first) return b;
  if (!a || !b) return undefined; // one unpriced job makes the sum unknown
  return { lowUsd: a.lowUsd + b.lowUsd, highUsd: a.highUsd + b.highUsd };
}

function sum(jobs: readonly BatchJobRow[]): GpuUsage {
  let cost: CostRange | undefined;
  jobs.forEach((j, i) => {
    cost = addCost(cost, j.estimatedCost, i === 0);
  });
  return { gpuHours: jobs.reduce((s, j) => s + j.gpuHours, 0), ...(cost ? { estimatedCost: cost } : {}) };
}

/** Jobs oldest first, with GPU-hours and estimated cost per visit, per recipe stage and for the run. */
export function batchReport(jobs: BatchJobRow[], now: Date): BatchReport {
  const ordered = [...jobs].sort((a, b) => (a.createdAt ?? "").localeCompare(b.createdAt ?? ""));
  const group = (key: (j: BatchJobRow) => string) => {
    const keys = [...new Set(ordered.map(key))];
    return keys.map((k) => ({ key: k, ...sum(ordered.filter((j) => key(j) === k)) }));
  };
  return {
    asOf: now.toISOString(),
    priceSource: PRICE_SOURCE,
    jobs: ordered,
    byVisit: group((j) => j.visit).map(({ key, ...u }) => ({ visit: key, ...u })),
    byStage: group((j) => j.stage).map(({ key, ...u }) => ({ stage: key, ...u })),
    total: sum(ordered),
  };
}
