/** The terminal view of a run's AWS Batch jobs: one line per job, its reason and log, then GPU-hours and cost. */
import type { BatchJobRow, BatchReport, CostRange, GpuUsage } from "./model.ts";

/** `≈ $1.23` or `≈ $1.10–$2.40`; "" when unpriced. */
export function formatCost(cost: CostRange | undefined): string {
  if (!cost) return "";
  const usd = (x: number) => `$${x < 10 ? x.toFixed(2) : x.toFixed(0)}`;
  return cost.highUsd - cost.lowUsd < 0.005
    ? `≈ ${usd(cost.lowUsd)}`
    : `≈ ${usd(cost.lowUsd)}–${usd(cost.highUsd)}`;
}

export const formatGpuHours = (u: GpuUsage) => `${u.gpuHours.toFixed(2)} GPU-h`;

const clock = (iso: string | undefined) =>
  iso ? `${iso.slice(5, 10).replace("-", "/")} ${iso.slice(11, 19)}` : "";

function exitCodes(job: BatchJobRow): string {
  return job.attempts
    .map((a) => (a.spotReclaim ? "reclaimed" : a.exitCode === undefined ? "–" : String(a.exitCode)))
    .join(",");
}

const HEADER = [
  "visit",
  "job id",
  "status",
  "tries",
  "exits",
  "start (UTC)",
  "stop (UTC)",
  "GPU-h",
  "est. cost",
];

export function renderBatch(report: BatchReport): string {
  const out = [`GPU jobs (AWS Batch, as of ${report.asOf})`];
  if (report.error) return `${[...out, `  ${report.error}`].join("\n")}\n`;
  if (report.jobs.length === 0) return `${[...out, "  no jobs of this run found in Batch"].join("\n")}\n`;
  const rows = report.jobs.map((j) => [
    j.visit,
    j.jobId,
    j.status,
    String(j.attempts.length),
    exitCodes(j),
    clock(j.startedAt),
    clock(j.stoppedAt),
    j.gpuHours.toFixed(2),
    formatCost(j.estimatedCost) || (j.costNote ? "?" : ""),
  ]);
  const widths = HEADER.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c === 3 || c === 7 ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  out.push(line(HEADER), line(widths.map((w) => "-".repeat(w))));
  report.jobs.forEach((j, i) => {
    out.push(line(rows[i]!));
    const why = j.statusReason ?? j.attempts.at(-1)?.reason;
    if (why) out.push(`  ↳ ${j.status}: ${why}`);
    if (j.spotReclaims) out.push(`  ↳ ${j.spotReclaims} spot reclaim(s), retried by Batch`);
    if (j.logStream) out.push(`  ↳ log stream: ${j.logStream}`);
    if (j.costNote) out.push(`  ↳ cost: ${j.costNote}`);
  });
  const stages = report.byStage.map((s) =>
    `${s.stage} ${formatGpuHours(s)} ${formatCost(s.estimatedCost)}`.trim(),
  );
  out.push(`per stage: ${stages.join("; ")}`);
  out.push(`run total: ${formatGpuHours(report.total)} ${formatCost(report.total.estimatedCost)}`.trimEnd());
  out.push(`cost is an ESTIMATE of the GPU instances only (${report.priceSource})`);
  return `${out.join("\n")}\n`;
}
