/**
 * The block loop's iterations, one line each, under the stage table (terminal and HTML): a block is
 * one visit, so its iterations' figures — a line each in a per-iteration run's table — go here.
 */
import { formatNumber } from "./key-metrics.ts";
import type { GrpoIterations, IterationRow } from "./model.ts";
import { esc } from "./svg.ts";

/** Column name → its figure in a row. */
const COLUMNS: readonly [string, (r: IterationRow) => number | undefined][] = [
  ["accuracy", (r) => r.score.accuracy],
  ["reward.total", (r) => r.score["reward.total"]],
  ["zeroVarianceShare", (r) => r.score.zeroVarianceShare],
  ["kl", (r) => r.update.kl],
  ["entropy", (r) => r.update.entropy],
  ["clip_fraction", (r) => r.update.clip_fraction],
  // The worker's whole iteration when it says, else the sum of its phases.
  ["seconds", (r) => r.seconds.iteration ?? sum(Object.values(r.seconds))],
];

const sum = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) : undefined);

/** A row's cells; with `rounds`, its RL round first (a run with a second round). */
function cells(r: IterationRow, rounds: boolean): string[] {
  const figure = (x: number | undefined) => (x === undefined ? "" : formatNumber(x));
  const head = [String(r.iteration), String(r.block ?? "")];
  return [...(rounds ? [String(r.round)] : []), ...head, ...COLUMNS.map(([, f]) => figure(f(r)))];
}

const header = (rounds: boolean) => [
  ...(rounds ? ["round"] : []),
  "iter",
  "block",
  ...COLUMNS.map(([n]) => n),
];
const twoRounds = (grpo: GrpoIterations) => grpo.iterations.some((r) => r.round === 2);

/** The terminal table; empty for a per-iteration run (its table has a line per iteration already). */
export function renderIterationTable(grpo: GrpoIterations): string {
  if (grpo.loop !== "block" || grpo.iterations.length === 0) return "";
  const rounds = twoRounds(grpo);
  const rows = grpo.iterations.map((r) => cells(r, rounds));
  const head = header(rounds);
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cs: string[]) =>
    cs
      .map((cell, c) => cell.padStart(widths[c] ?? 0))
      .join("  ")
      .trimEnd();
  const out = ["GRPO iterations (block loop)", line(head), line(widths.map((w) => "-".repeat(w)))];
  return `${[...out, ...rows.map(line)].join("\n")}\n`;
}

/** The same as an HTML table (`data-table="grpo-iterations"`), with the records that could not be read. */
export function iterationTableHtml(grpo: GrpoIterations): string {
  const warnings = grpo.warnings.map((w) => `<p class="note">${esc(w)}</p>`).join("");
  if (grpo.loop !== "block" || grpo.iterations.length === 0) return warnings;
  const rounds = twoRounds(grpo);
  const head = header(rounds)
    .map((h) => `<th>${esc(h)}</th>`)
    .join("");
  const body = grpo.iterations.map(
    (r) =>
      `<tr data-round="${r.round}" data-iteration="${r.iteration}">${cells(r, rounds)
        .map((c) => `<td class="num">${esc(c)}</td>`)
        .join("")}</tr>`,
  );
  return `<h2>GRPO iterations (block loop)</h2>
<table class="iterations" data-table="grpo-iterations"><thead><tr>${head}</tr></thead><tbody>
${body.join("\n")}
</tbody></table>${warnings}`;
}
