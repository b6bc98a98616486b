/**
 * The eval table from the evaluate stage's metrics (`<checkpoint>.<benchmark>.pass1|majAtK|pass@k`):
 * one row per benchmark and measure, the checkpoints side by side in recipe order, each with its
 * change against the checkpoint before it, so the table shows what each stage bought.
 */
import { EVAL_CHECKPOINTS, type EvalPlan } from "../../recipe/checkpoints.ts";
import type { EvalRow, EvalTable } from "./model.ts";

const KEY = /^([^.]+)\.(.+)\.(pass1|majAtK|pass@\d+)$/;

const MEASURE_LABEL: Record<string, string> = { pass1: "pass@1", majAtK: "maj@k" };

/** Measures in display order: pass@1, maj@k, then pass@k by k. */
function measureRank(measure: string): number {
  if (measure === "pass1") return -2;
  if (measure === "majAtK") return -1;
  return Number(measure.slice("pass@".length));
}

/** Recipe order; a checkpoint name the recipe does not know (an older run's) goes last. */
function checkpointRank(c: string): number {
  const i = (EVAL_CHECKPOINTS as readonly string[]).indexOf(c);
  return i < 0 ? EVAL_CHECKPOINTS.length : i;
}

export function evalTable(
  metrics: Readonly<Record<string, number>>,
  plan: Pick<EvalPlan, "aliases" | "skipped"> = { aliases: {}, skipped: {} },
): EvalTable {
  const cells = new Map<string, { benchmark: string; measure: string; values: Record<string, number> }>();
  const seen = new Set<string>();
  for (const [key, value] of Object.entries(metrics)) {
    const match = KEY.exec(key);
    if (!match) continue;
    const [, checkpoint, benchmark, measure] = match as unknown as [string, string, string, string];
    const id = `${benchmark}\u0000${measure}`;
    const cell = cells.get(id) ?? { benchmark, measure, values: {} };
    cell.values[checkpoint] = value;
    cells.set(id, cell);
    seen.add(checkpoint);
  }
  const checkpoints = [...seen].sort((a, b) => checkpointRank(a) - checkpointRank(b) || a.localeCompare(b));
  // Unbiased pass@1 equals the mean share correct (pass1): show it once.
  const redundant = (c: { benchmark: string; measure: string }) =>
    c.measure === "pass@1" && cells.has(`${c.benchmark}\u0000pass1`);
  const rows = [...cells.values()]
    .filter((c) => !redundant(c))
    .sort((a, b) => a.benchmark.localeCompare(b.benchmark) || measureRank(a.measure) - measureRank(b.measure))
    .map(({ benchmark, measure, values }): EvalRow => {
      const deltas: Record<string, number> = {};
      let previous: number | undefined;
      for (const c of checkpoints) {
        const v = values[c];
        if (v === undefined) continue;
        if (previous !== undefined) deltas[c] = v - previous;
        previous = v;
      }
      return { benchmark, measure: MEASURE_LABEL[measure] ?? measure, values, deltas };
    });
  return { checkpoints, rows, aliases: { ...plan.aliases }, skipped: { ...plan.skipped } };
}

/** The lines under the table: which checkpoint stands for which, and which were skipped. */
export function evalNotes(table: EvalTable): string[] {
  return [
    ...Object.entries(table.aliases).map(
      ([alias, same]) => `${alias} is the same model as ${same}: evaluated once, shown as ${same}`,
    ),
    ...Object.entries(table.skipped).map(([c, why]) => `${c} not evaluated: ${why}`),
  ];
}

export const pct = (x: number | undefined) => (x === undefined ? "" : `${(x * 100).toFixed(1)}%`);
const pts = (d: number | undefined) => (d === undefined ? "" : `${d > 0 ? "+" : ""}${(d * 100).toFixed(1)}`);

/** The terminal eval table: per checkpoint its value and Δ (points) vs the column to its left. */
export function renderEvalTable(table: EvalTable, k: number): string {
  if (table.rows.length === 0) return "";
  const header = ["benchmark", "measure"];
  for (const [i, c] of table.checkpoints.entries()) header.push(c, ...(i === 0 ? [] : [`Δ ${c}`]));
  const rows = table.rows.map((r) => {
    const cells = [r.benchmark, r.measure === "maj@k" ? `maj@${k}` : r.measure];
    for (const [i, c] of table.checkpoints.entries()) {
      cells.push(pct(r.values[c]), ...(i === 0 ? [] : [pts(r.deltas[c])]));
    }
    return cells;
  });
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, c) => (c < 2 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join("  ")
      .trimEnd();
  const out = [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)];
  out.push(`Δ in points vs the checkpoint to its left; pass@1 averaged over ${k} samples per problem.`);
  out.push(...evalNotes(table));
  return `${out.join("\n")}\n`;
}
