/**
 * The self-contained HTML report of a run: inline CSS and inline SVG only — no script, no fonts,
 * no external request — so it opens from a file, an S3 console download or an e-mail attachment.
 */

import { formatCost } from "./batch-table.ts";
import { buildCharts, type ChartSlot } from "./charts.ts";
import { evalNotes, pct } from "./eval-table.ts";
import { iterationTableHtml } from "./iteration-table.ts";
import { formatNumber, keyMetrics } from "./key-metrics.ts";
import type { BatchReport, EvalTable, InspectModel, Sample } from "./model.ts";
import { barChartSvg, esc, lineChartSvg } from "./svg.ts";
import { formatDuration, visitLabel } from "./table.ts";

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1320px;color:#1f2937;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e5e7eb;padding-bottom:4px}
.uri{color:#6b7280;font-family:ui-monospace,monospace;font-size:12px}
.run-status{margin:10px 0;padding:8px 12px;border-radius:6px;background:#f3f4f6}
.run-status.failed,.run-status.interrupted,.run-status.invalid{background:#fee2e2}.run-status.succeeded{background:#dcfce7}
table{border-collapse:collapse;font-size:13px}th,td{padding:3px 10px;text-align:left;border-bottom:1px solid #f0f0f0}
td.time{white-space:nowrap}td.num{text-align:right;font-variant-numeric:tabular-nums}
.status{font-weight:600}.status-succeeded{color:#15803d}.status-failed{color:#b91c1c}.status-running{color:#1d4ed8}
.status-skipped,.status-pending{color:#6b7280}.note{color:#b91c1c;font-size:12px}
.charts{display:grid;grid-template-columns:repeat(auto-fill,minmax(620px,1fr));gap:16px}
figure{margin:0;border:1px solid #e5e7eb;border-radius:6px;padding:8px}figcaption{font-weight:600;margin-bottom:4px}
svg.chart text{font-size:11px;fill:#374151}.no-data{color:#9ca3af;font-style:italic}
.up{color:#15803d}.down{color:#b91c1c}
.sample{border:1px solid #e5e7eb;border-radius:6px;padding:8px 12px;margin:8px 0}
.sample pre{white-space:pre-wrap;word-break:break-word;background:#f9fafb;padding:6px;margin:4px 0;font-size:12px}
.ok{color:#15803d;font-weight:600}.wrong{color:#b91c1c;font-weight:600}
`;

function chartFigure(slot: ChartSlot): string {
  const body = !slot.chart
    ? `<p class="no-data" data-chart-missing="${esc(slot.id)}">No data in this run yet.</p>`
    : slot.chart.kind === "line"
      ? lineChartSvg(slot.chart)
      : barChartSvg(slot.chart);
  return `<figure id="chart-${esc(slot.id)}"><figcaption>${esc(slot.title)}</figcaption>\n${body}\n</figure>`;
}

function stagesTable(model: InspectModel): string {
  const rows = model.visits.map((v, i) => {
    const metrics = keyMetrics(v, model.grpo.iterations)
      .map(([k, x]) => `${esc(k)}=${esc(formatNumber(x))}`)
      .join(" &nbsp;");
    const note = v.note ? `<div class="note">${esc(v.note)}</div>` : "";
    const cell = (n: number | undefined) => `<td class="num">${n === undefined ? "" : n}</td>`;
    return `<tr data-stage="${esc(v.stage)}" data-status="${v.status}"><td class="num">${i + 1}</td><td>${esc(visitLabel(v))}<div class="uri">${esc(v.title)}</div>${note}</td><td class="status status-${v.status}">${v.status}</td><td class="time">${esc(v.startedAt?.replace("T", " ").replace(/\.\d+Z$/, "Z") ?? "")}</td><td class="num">${v.durationS === undefined ? "" : esc(formatDuration(v.durationS))}</td>${cell(v.rowsIn)}${cell(v.rowsOut)}<td>${metrics}</td></tr>`;
  });
  return `<table class="stages"><thead><tr><th>#</th><th>stage</th><th>status</th><th>started</th><th>duration</th><th>rows in</th><th>rows out</th><th>key metrics</th></tr></thead><tbody>\n${rows.join("\n")}\n</tbody></table>`;
}

function batchSection(report: BatchReport | undefined): string {
  if (!report) return "";
  const head = `<h2>GPU jobs (AWS Batch)</h2>\n<p class="uri">as of ${esc(report.asOf)}</p>`;
  if (report.error) return `${head}\n<p class="note" data-batch-error>${esc(report.error)}</p>`;
  if (report.jobs.length === 0) return `${head}\n<p class="no-data">No jobs of this run found in Batch.</p>`;
  const rows = report.jobs.map((j) => {
    const tries = j.attempts
      .map((a) => (a.spotReclaim ? "spot reclaim" : a.exitCode === undefined ? "–" : `exit ${a.exitCode}`))
      .join(", ");
    const why = j.statusReason ?? j.attempts.at(-1)?.reason;
    const notes = [why && `${j.status}: ${why}`, j.logStream && `log stream ${j.logStream}`, j.costNote]
      .filter(Boolean)
      .map((n) => `<div class="uri">${esc(n as string)}</div>`)
      .join("");
    return `<tr data-job="${esc(j.jobId)}" data-status="${esc(j.status)}"><td>${esc(j.visit)}</td><td>${esc(j.jobId)}${notes}</td><td class="status">${esc(j.status)}</td><td>${j.attempts.length} ${tries ? `(${esc(tries)})` : ""}</td><td>${esc(j.market)} ${esc(j.instanceTypes.join(", "))}</td><td class="time">${esc(j.startedAt ?? "")}</td><td class="time">${esc(j.stoppedAt ?? "")}</td><td class="num">${j.gpuHours.toFixed(2)}</td><td class="num">${esc(formatCost(j.estimatedCost))}</td></tr>`;
  });
  const stages = report.byStage
    .map(
      (s) =>
        `<tr><td>${esc(s.stage)}</td><td class="num">${s.gpuHours.toFixed(2)}</td><td class="num">${esc(formatCost(s.estimatedCost))}</td></tr>`,
    )
    .join("\n");
  const total = `<tr><td><b>run</b></td><td class="num"><b>${report.total.gpuHours.toFixed(2)}</b></td><td class="num" data-total-cost><b>${esc(formatCost(report.total.estimatedCost))}</b></td></tr>`;
  return `${head}
<table class="batch" data-table="batch"><thead><tr><th>visit</th><th>job</th><th>status</th><th>attempts</th><th>compute</th><th>started</th><th>stopped</th><th>GPU-h</th><th>est. cost</th></tr></thead><tbody>
${rows.join("\n")}
</tbody></table>
<h2>GPU-hours and estimated cost</h2>
<table class="gpu-cost" data-table="gpu-cost"><thead><tr><th>stage</th><th>GPU-h</th><th>est. cost (USD)</th></tr></thead><tbody>
${stages}
${total}
</tbody></table>
<p class="uri">Costs are an ESTIMATE of the GPU instances only: ${esc(report.priceSource)}. A range spans the cheapest to the dearest instance type the job's compute environment may start.</p>`;
}

function deltaCell(d: number | undefined): string {
  if (d === undefined) return `<td class="num"></td>`;
  const cls = d > 0 ? "up" : d < 0 ? "down" : "";
  return `<td class="num delta"><span class="${cls}">${d > 0 ? "+" : ""}${(d * 100).toFixed(1)} pts</span></td>`;
}

function evalTable(table: EvalTable, k: number): string {
  if (table.rows.length === 0)
    return `<p class="no-data" data-table-missing="eval">No evaluation in this run yet.</p>`;
  const head = table.checkpoints
    .map((c, i) => `<th>${esc(c)}</th>${i === 0 ? "" : `<th>Δ ${esc(c)}</th>`}`)
    .join("");
  const body = table.rows.map((r) => {
    const measure = r.measure === "maj@k" ? `maj@${k}` : r.measure;
    const cells = table.checkpoints.map(
      (c, i) => `<td class="num">${pct(r.values[c])}</td>${i === 0 ? "" : deltaCell(r.deltas[c])}`,
    );
    return `<tr><td>${esc(r.benchmark)}</td><td>${esc(measure)}</td>${cells.join("")}</tr>`;
  });
  const notes = evalNotes(table).map((n) => `<p class="uri">${esc(n)}</p>`);
  return `<table class="eval" data-table="eval"><thead><tr><th>benchmark</th><th>measure</th>${head}</tr></thead><tbody>\n${body.join("\n")}\n</tbody></table><p class="uri">pass@1 is averaged over ${k} samples per problem; pass@k uses the unbiased estimator; Δ is against the checkpoint to its left.</p>${notes.join("")}`;
}

function sampleCard(s: Sample): string {
  const verdict = s.correct ? `<span class="ok">correct</span>` : `<span class="wrong">wrong</span>`;
  const reward = s.rewardTotal === undefined ? "" : ` · reward_total ${esc(formatNumber(s.rewardTotal))}`;
  const prompt = s.prompt ? `<pre class="prompt">${esc(s.prompt)}</pre>` : "";
  return `<div class="sample"><div>${esc(s.source)} · ${verdict}${reward} · answer <code>${esc(s.answer)}</code>, extracted <code>${esc(s.extractedAnswer ?? "(none)")}</code></div>${prompt}<pre class="completion">${esc(s.completion)}</pre></div>`;
}

export function renderHtml(model: InspectModel, generatedAt = new Date()): string {
  const { run } = model;
  const cause = run.stage
    ? ` at <b>${esc(run.visit ?? run.stage)}</b>${run.cause ? `: ${esc(run.cause)}` : ""}`
    : "";
  const errors = (run.errors ?? []).map((e) => `<div>${esc(e)}</div>`).join("");
  const samples = model.samples.length
    ? model.samples.map(sampleCard).join("\n")
    : `<p class="no-data">No scored rollouts or eval records yet.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>r1flow run ${esc(run.runId)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body>
<h1>r1flow run ${esc(run.runId)}</h1>
<div class="uri">${esc(run.uri)} · report generated ${esc(generatedAt.toISOString())}</div>
<div class="run-status ${esc(run.status)}">Run status: <b>${esc(run.status)}</b>${cause}${errors}</div>
<h2>Stages</h2>
${stagesTable(model)}
${iterationTableHtml(model.grpo)}
${batchSection(model.batch)}
<h2>Training curves</h2>
<div class="charts">
${buildCharts(model).map(chartFigure).join("\n")}
</div>
<h2>Evaluation per checkpoint</h2>
${evalTable(model.eval, model.evalSamples)}
<h2>Sample completions</h2>
${samples}
</body></html>
`;
}
