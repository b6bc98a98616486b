/**
 * The report's charts as data, derived from the inspect model: GRPO curves per iteration of either
 * loop (reward and its components, accuracy, KL, entropy, clip fraction; `model.grpo`), curriculum
 * level, rejection keep-rate and drops by reason, SFT loss per step. `svg.ts` draws them.
 */
import type { InspectModel, IterationRow, VisitRow } from "./model.ts";

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

type Phase = "score" | "update";

/** One series of `metric` of an iteration phase, x = GRPO iteration. */
function perIteration(rows: readonly IterationRow[], phase: Phase, metric: string, name = metric): Series {
  const points = rows
    .filter((r) => r[phase][metric] !== undefined)
    .map((r) => [r.iteration, r[phase][metric] as number] as const);
  return { name, points };
}

function line(id: string, title: string, xLabel: string, series: Series[]): ChartSlot {
  const drawn = series.filter((s) => s.points.length > 0);
  return { id, title, chart: drawn.length ? { kind: "line", id, title, xLabel, series: drawn } : null };
}

function rewardSeries(rows: readonly IterationRow[]): Series[] {
  const names = new Set(rows.flatMap((r) => Object.keys(r.score)).filter((k) => k.startsWith("reward.")));
  names.delete("reward.total");
  // Components weighted 0 stay 0 throughout: they would only flatten the plot.
  const live = [...names].sort().filter((n) => rows.some((r) => (r.score[n] ?? 0) !== 0));
  return [
    perIteration(rows, "score", "reward.total", "total"),
    ...live.map((n) => perIteration(rows, "score", n, n.slice("reward.".length))),
  ];
}

/**
 * The level of the prompts drawn for each iteration, at that iteration: the initial curriculum's
 * at 0; grpo-curriculum [i] draws iteration i+1's; a block's curriculum draws its iterations (all
 * at one level: levels unlock between blocks), shown at the first one it drew (iteration 0 is the
 * initial curriculum's).
 */
function curriculumSeries(visits: readonly VisitRow[]): Series {
  const at = (v: VisitRow): number | undefined => {
    if (v.stage === "curriculum") return 0;
    if (v.stage === "grpo-curriculum") return v.iteration === undefined ? undefined : v.iteration + 1;
    return v.iterations?.find((i) => i > 0);
  };
  const stages = ["curriculum", "grpo-curriculum", "grpo-block-curriculum"];
  const points = stages
    .flatMap((id) => done(visits, id))
    .map((v) => [at(v), v.metrics.level] as const)
    .filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined);
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
  const rows = model.grpo.iterations;
  const iter = "GRPO iteration";
  return [
    line("reward", "Mean reward per GRPO iteration (total and components)", iter, rewardSeries(rows)),
    line("accuracy", "Rollout accuracy per GRPO iteration", iter, [perIteration(rows, "score", "accuracy")]),
    line("kl", "KL to the reference policy (k3)", iter, [perIteration(rows, "update", "kl")]),
    line("entropy", "Policy entropy", iter, [perIteration(rows, "update", "entropy")]),
    line("clip-fraction", "Clip fraction", iter, [
      perIteration(rows, "update", "clip_fraction", "clip fraction"),
    ]),
    line("curriculum", "Curriculum level of the prompts drawn for each iteration (0 = initial)", iter, [
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
