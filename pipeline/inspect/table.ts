/**
 * The terminal view of a run: one line per stage visit in recipe order (block loop: then one per
 * GRPO iteration), the eval table, then the run's status.
 */
import { visitName } from "../../recipe/visit-name.ts";
import { renderBatch } from "./batch-table.ts";
import { renderEvalTable } from "./eval-table.ts";
import { renderIterationTable } from "./iteration-table.ts";
import { formatNumber, keyMetrics } from "./key-metrics.ts";
import type { InspectModel, RunInfo, VisitRow } from "./model.ts";

/** `12.3s`, `4m 05s`, `1h 02m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const s = Math.round(seconds);
  if (s < 3600) return `${Math.floor(s / 60)}m ${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

/** `HH:MM:SS` of an ISO time, in UTC (the date is on the run line). */
function clock(iso: string | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(11, 19);
}

/** `sft`, `grpo-update [3]`, `grpo-block [block 1, iter 8-15]`: the name status.json gives a failed visit. */
export function visitLabel(v: VisitRow): string {
  return visitName(v.stage, v.iteration, v.iterations);
}

export function runLine(run: RunInfo): string {
  const when = run.updatedAt ? ` (updated ${run.updatedAt})` : "";
  let line = `run ${run.runId}: ${run.status}${when}`;
  if (run.stage) line += `\n  ${run.status} at ${run.visit ?? run.stage}${run.cause ? `: ${run.cause}` : ""}`;
  for (const error of run.errors ?? []) line += `\n  ${error}`;
  return line;
}

const HEADER = ["#", "stage", "status", "start (UTC)", "duration", "rows in", "rows out", "metrics"];

export function renderTable(model: InspectModel): string {
  const rows = model.visits.map((v, i) => [
    String(i + 1),
    visitLabel(v),
    v.status,
    clock(v.startedAt),
    v.durationS === undefined ? "" : formatDuration(v.durationS),
    v.rowsIn === undefined ? "" : String(v.rowsIn),
    v.rowsOut === undefined ? "" : String(v.rowsOut),
    keyMetrics(v, model.grpo.iterations)
      .map(([k, x]) => `${k}=${formatNumber(x)}`)
      .join("  "),
  ]);
  const widths = HEADER.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const right = new Set([0, 4, 5, 6]);
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (right.has(c) ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  const out = [`${model.run.uri}`, line(HEADER), line(widths.map((w) => "-".repeat(w)))];
  model.visits.forEach((v, i) => {
    out.push(line(rows[i]!));
    if (v.note && v.status === "failed") out.push(`${" ".repeat(widths[0]! + 2)}↳ ${v.note}`);
  });
  const iterations = renderIterationTable(model.grpo);
  if (iterations) out.push("", iterations.trimEnd());
  for (const w of model.grpo.warnings) out.push(`warning: GRPO iteration record ${w}`);
  const evals = renderEvalTable(model.eval, model.evalSamples);
  if (evals) out.push("", evals.trimEnd());
  out.push("", runLine(model.run));
  if (model.batch) out.push("", renderBatch(model.batch).trimEnd());
  return `${out.join("\n")}\n`;
}
