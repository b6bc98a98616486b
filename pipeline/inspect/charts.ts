/**
 * The report's charts as data, derived from the inspect model: GRPO curves per iteration (reward
 * and its components, accuracy, KL, entropy, clip fraction), curriculum level, rejection keep-rate
 * and drops by reason, SFT loss per step. `svg.ts` draws them.
 */
import type { InspectModel, VisitRow } from "./model.ts";

export interface Series {
  readonly name: string;
  /** `[x, y]`, in x order. */
  readonly points: readonly (readonly [number, number])[];
}
export interface LineChart {
  readonly kind: "line";
  /** Stable id: `data-chart` in the HTML. */
  readonly id: string;
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly Series[];
}
export interface BarChart {
  readonly kind: "bar";
  readonly id: string;
  readonly title: string;
  readonly bars: readonly { readonly label: string; readonly value: number }[];
}
export type Chart = LineChart | BarChart;

/** Every chart the report has, in display order; `null` where the run has no data for it yet. */
export interface ChartSlot {
  readonly id: string;
  readonly title: string;
  readonly chart: Chart | null;
}

const done = (visits: readonly VisitRow[], stage: string) =>
  visits.filter((v) => v.stage === stage && v.status === "succeeded");

/** One series of `metric` over a stage's visits, x = GRPO iteration. */
function perIteration(visits: readonly VisitRow[], metric: string, name = metric): Series {
  const points = visits
    .filter((v) => v.metrics[metric] !== undefined)
    .map((v) => [v.iteration ?? 0, v.metrics[metric] as number] as const);
  return { name, points };
}

function line(id: string, title: string, xLabel: string, series: Series[]): ChartSlot {
  const drawn = series.filter((s) => s.points.length > 0);
  return { id, title, chart: drawn.length ? { kind: "line", id, title, xLabel, series: drawn } : null };
}

function rewardSeries(score: readonly VisitRow[]): Series[] {
  const names = new Set(score.flatMap((v) => Object.keys(v.metrics)).filter((k) => k.startsWith("reward.")));
  names.delete("reward.total");
  // Components weighted 0 stay 0 throughout: they would only flatten the plot.
  const live = [...names].sort().filter((n) => score.some((v) => (v.metrics[n] ?? 0) !== 0));
  return [
    perIteration(score, "reward.total", "total"),
    ...live.map((n) => perIteration(score, n, n.slice("reward.".length))),
  ];
}

function curriculumSeries(visits: readonly VisitRow[]): Series {
  const points = [...done(visits, "curriculum"), ...done(visits, "grpo-curriculum")]
    .filter((v) => v.metrics.level !== undefined)
    .map((v) => [v.iteration === undefined ? 0 : v.iteration + 1, v.metrics.level as number] as const);
  return { name: "level", points };
}

function rejectionChart(visits: readonly VisitRow[]): ChartSlot {
  const id = "rejection";
  const v = done(visits, "rejection").at(-1);
  const keepRate = v?.metrics.keepRate;
  const title =
    keepRate === undefined
      ? "Rejection sampling: kept and dropped"
      : `Rejection sampling: kept and dropped (keep rate ${(keepRate * 100).toFixed(1)}%)`;
  if (!v) return { id, title, chart: null };
  const bars = [
    { label: "kept", value: v.metrics.kept ?? 0 },
    ...Object.entries(v.metrics)
      .filter(([k]) => k.startsWith("dropped."))
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, value]) => ({ label: `dropped: ${k.slice("dropped.".length)}`, value })),
  ];
  return { id, title, chart: { kind: "bar", id, title, bars } };
}

export function buildCharts(model: InspectModel): ChartSlot[] {
  const score = done(model.visits, "grpo-score");
  const update = done(model.visits, "grpo-update");
  const iter = "GRPO iteration";
  return [
    line("reward", "Mean reward per GRPO iteration (total and components)", iter, rewardSeries(score)),
    line("accuracy", "Rollout accuracy per GRPO iteration", iter, [perIteration(score, "accuracy")]),
    line("kl", "KL to the reference policy (k3)", iter, [perIteration(update, "kl")]),
    line("entropy", "Policy entropy", iter, [perIteration(update, "entropy")]),
    line("clip-fraction", "Clip fraction", iter, [perIteration(update, "clip_fraction", "clip fraction")]),
    line("curriculum", "Curriculum level (0 = initial, then after each iteration)", "curriculum update", [
      curriculumSeries(model.visits),
    ]),
    rejectionChart(model.visits),
    line(
      "sft-loss",
      "SFT loss per optimizer step",
      "step",
      Object.entries(model.sftLoss).map(([stage, pts]) => ({
        name: stage,
        points: pts.map((p) => [p.step, p.loss] as const),
      })),
    ),
  ];
}
