/**
 * The eval table from the evaluate stage's metrics (`<checkpoint>.<benchmark>.pass1|majAtK|pass@k`):
 * one row per benchmark and measure, the base and final checkpoints side by side with the change.
 */
import type { EvalRow } from "./model.ts";

const KEY = /^([^.]+)\.(.+)\.(pass1|majAtK|pass@\d+)$/;

const MEASURE_LABEL: Record<string, string> = { pass1: "pass@1", majAtK: "maj@k" };

/** Measures in display order: pass@1, maj@k, then pass@k by k. */
function measureRank(measure: string): number {
  if (measure === "pass1") return -2;
  if (measure === "majAtK") return -1;
  return Number(measure.slice("pass@".length));
}

export function evalRows(metrics: Readonly<Record<string, number>>): EvalRow[] {
  const cells = new Map<string, { benchmark: string; measure: string; values: Record<string, number> }>();
  for (const [key, value] of Object.entries(metrics)) {
    const match = KEY.exec(key);
    if (!match) continue;
    const [, checkpoint, benchmark, measure] = match as unknown as [string, string, string, string];
    const id = `${benchmark}\u0000${measure}`;
    const cell = cells.get(id) ?? { benchmark, measure, values: {} };
    cell.values[checkpoint] = value;
    cells.set(id, cell);
  }
  // Unbiased pass@1 equals the mean share correct (pass1): show it once.
  const redundant = (c: { benchmark: string; measure: string }) =>
    c.measure === "pass@1" && cells.has(`${c.benchmark}\u0000pass1`);
  return [...cells.values()]
    .filter((c) => !redundant(c))
    .sort((a, b) => a.benchmark.localeCompare(b.benchmark) || measureRank(a.measure) - measureRank(b.measure))
    .map(({ benchmark, measure, values }) => {
      const { base, final } = values;
      return {
        benchmark,
        measure: MEASURE_LABEL[measure] ?? measure,
        ...(base === undefined ? {} : { base }),
        ...(final === undefined ? {} : { final }),
        ...(base === undefined || final === undefined ? {} : { delta: final - base }),
      };
    });
}
