/**
 * The report's charts as data, derived from the inspect model: GRPO curves per iteration of either
 * loop and each RL round (reward and its components, accuracy, KL, entropy, clip fraction;
 * `model.grpo`), curriculum level, rejection keep-rate and drops by reason, SFT loss per step.
 * `svg.ts` draws them.
 */
import { BLOCK_ROUNDS } from "../../recipe/recipe.ts";
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
const ROUNDS = [1, 2] as const;
/** Round 2's series are named apart: both rounds count their iterations from 0. */
const named = (name: string, round: 1 | 2) => (round === 1 ? name : `${name} (RL round 2)`);

/** One series of `metric` of an iteration phase in one RL round, x = the round's iteration. */
function perIteration(
  rows: readonly IterationRow[],
  round: 1 | 2,
  phase: Phase,
  metric: string,
  name = metric,
): Series {
  const points = rows
    .filter((r) => r.round === round && r[phase][metric] !== undefined)
    .map((r) => [r.iteration, r[phase][metric] as number] as const);
  return { name: named(name, round), points };
}

/** The same series for each round (a round without the figure draws nothing). */
const eachRound = (rows: readonly IterationRow[], phase: Phase, metric: string, name = metric) =>
  ROUNDS.map((round) => perIteration(rows, round, phase, metric, name));

function line(id: string, title: string, xLabel: string, series: Series[]): ChartSlot {
  const drawn = series.filter((s) => s.points.length > 0);
  return { id, title, chart: drawn.length ? { kind: "line", id, title, xLabel, series: drawn } : null };
}

function rewardSeries(rows: readonly IterationRow[]): Series[] {
  const names = new Set(rows.flatMap((r) => Object.keys(r.score)).filter((k) => k.startsWith("reward.")));
  names.delete("reward.total");
  // Components weighted 0 stay 0 throughout: they would only flatten the plot.
  const live = [...names].sort().filter((n) => rows.some((r) => (r.score[n] ?? 0) !== 0));
  return ROUNDS.flatMap((round) => [
    perIteration(rows, round, "score", "reward.total", "total"),
    ...live.map((n) => perIteration(rows, round, "score", n, n.slice("reward.".length))),
  ]);
}

/**
 * The level of the prompts drawn for each iteration, at that iteration: the initial curriculum's
 * at 0; grpo-curriculum [i] draws iteration i+1's; a block's curriculum draws its iterations (all
 * at one level: levels unlock between blocks), shown at the first one it drew (round 1's iteration
 * 0 is the initial curriculum's; RL round 2's curriculum draws its own from 0).
 */
function curriculumSeries(visits: readonly VisitRow[]): Series[] {
  const at = (v: VisitRow): number | undefined => {
    if (v.stage === "curriculum") return 0;
    if (v.stage === "grpo-curriculum") return v.iteration === undefined ? undefined : v.iteration + 1;
    return v.stage === BLOCK_ROUNDS[2].curriculum ? v.iterations?.[0] : v.iterations?.find((i) => i > 0);
  };
  const points = (stages: string[]) =>
    stages
      .flatMap((id) => done(visits, id))
      .map((v) => [at(v), v.metrics.level] as const)
      .filter((p): p is readonly [number, number] => p[0] !== undefined && p[1] !== undefined);
  return [
    { name: "level", points: points(["curriculum", "grpo-curriculum", BLOCK_ROUNDS[1].curriculum]) },
    { name: named("level", 2), points: points([BLOCK_ROUNDS[2].curriculum]) },
  ];
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
    line("accuracy", "Rollout accuracy per GRPO iteration", iter, eachRound(rows, "score", "accuracy")),
    line("kl", "KL to the reference policy (k3)", iter, eachRound(rows, "update", "kl")),
    line("entropy", "Policy entropy", iter, eachRound(rows, "update", "entropy")),
    line("clip-fraction", "Clip fraction", iter, eachRound(rows, "update", "clip_fraction", "clip fraction")),
    line(
      "curriculum",
      "Curriculum level of the prompts drawn for each iteration (0 = initial)",
      iter,
      curriculumSeries(model.visits),
    ),
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
