/**
 * One curriculum draw without its rows: the plan (state after the update, places per pool, which
 * problems are eligible) and the finish (shuffles, fallback, summary, new state). Both are pure; the
 * stream between them is `sample.ts`'s, which can offer one read of the table to several plans.
 */
import type { problems, Row } from "../../schemas/index.ts";
import { rngFor, shuffle } from "../sampling/prng.ts";
import type { GroupOutcome } from "./outcomes.ts";
import { type CurriculumSettingsT, CurriculumState, initialCurriculumState } from "./state.ts";
import { MAX_LEVEL, updateCurriculum } from "./update.ts";

export type ProblemRow = Row<typeof problems>;

export const POOLS = ["current", "replay", "next"] as const;
export type Pool = (typeof POOLS)[number];

export interface CurriculumInput {
  /** The previous iteration's state (parsed from JSON), or null/undefined for the first batch. */
  state?: CurriculumState | null;
  /** Group outcomes of the last scored rollouts (`groupOutcomes(scoredRows)`); none before the first batch. */
  outcomes?: readonly GroupOutcome[];
  /** Accuracy per level ("1" … "5") that overrides the one computed from the outcomes. */
  levelAccuracy?: Readonly<Record<string, number>>;
}

export interface CurriculumSummary {
  iteration: number;
  level: number;
  unlocked: number[];
  /** The level unlocked by this step, or null. */
  unlockedLevel: number | null;
  /** Problems drawn from each pool, after falling back. */
  drawn: Record<Pool, number>;
  /** Problems eligible in each pool (not dropped). */
  available: Record<Pool, number>;
  /** Problems dropped so far as all right or all wrong. */
  dropped: number;
  /** batchSize − drawn, when the eligible problems ran out. */
  shortfall: number;
}

/** Everything about one draw that does not depend on the rows. */
export interface DrawPlan {
  readonly seed: number;
  readonly batchSize: number;
  /** The state after the update; the batch is drawn from its level at its iteration. */
  readonly state: CurriculumState;
  readonly unlockedLevel: number | null;
  /** Places per pool before falling back. */
  readonly want: Readonly<Record<Pool, number>>;
  /** Lower unlocked levels (the replay pool) and the next, still locked level. */
  readonly lower: ReadonlySet<number>;
  readonly next: number | null;
  /** `state.dropped` as a set: never drawn. */
  readonly dropped: ReadonlySet<string>;
  /** Further ids not to draw (a reserve's batch). */
  readonly exclude: ReadonlySet<string>;
}

/** The pools' reservoir samples after the stream: items held and items offered, per pool. */
export type PoolSamples = Record<Pool, { items: readonly ProblemRow[]; seen: number }>;

/**
 * The plan of a draw from `input`. `exclude`: ids not to draw beside the state's dropped ones.
 */
export function planDraw(
  input: CurriculumInput,
  settings: CurriculumSettingsT,
  options: { exclude?: Iterable<string> } = {},
): DrawPlan {
  const prev = input.state ? CurriculumState.parse(input.state) : initialCurriculumState(settings);
  const { state, unlockedLevel } = updateCurriculum(
    prev,
    input.outcomes ?? [],
    settings,
    input.levelAccuracy,
  );
  const { level } = state;
  const B = settings.batchSize;
  const lower = new Set(state.unlocked.filter((l) => l < level));
  const next = level < MAX_LEVEL ? level + 1 : null;

  const want: Record<Pool, number> = { current: 0, replay: 0, next: 0 };
  want.replay = lower.size > 0 ? Math.min(B, Math.round(B * settings.replayShare)) : 0;
  want.next = next !== null ? Math.min(B - want.replay, Math.round(B * settings.nextLevelShare)) : 0;
  want.current = B - want.replay - want.next;

  const dropped = new Set(state.dropped);
  const exclude = new Set(options.exclude ?? []);
  return { seed: settings.seed, batchSize: B, state, unlockedLevel, want, lower, next, dropped, exclude };
}

/** The pool a row is offered to under `plan`, or null when it is not eligible. */
export function poolOf(plan: DrawPlan, p: ProblemRow): Pool | null {
  if (plan.dropped.has(p.id) || plan.exclude.has(p.id)) return null;
  if (p.level === plan.state.level) return "current";
  if (plan.lower.has(p.level)) return "replay";
  if (p.level === plan.next) return "next";
  return null;
}

/**
 * The batch from the pools' samples: each pool shuffled, its share taken, places left over filled in
 * the order current, next, replay, the batch shuffled; and the state for the next draw.
 */
export function finishDraw(
  plan: DrawPlan,
  pools: PoolSamples,
): { batch: ProblemRow[]; state: CurriculumState; summary: CurriculumSummary } {
  const { seed, state, want } = plan;
  const { iteration } = state;
  const taken: Record<Pool, ProblemRow[]> = { current: [], replay: [], next: [] };
  const rest: Record<Pool, ProblemRow[]> = { current: [], replay: [], next: [] };
  for (const pool of POOLS) {
    const items = shuffle([...pools[pool].items], rngFor(seed, iteration, `${pool}/order`));
    taken[pool] = items.slice(0, want[pool]);
    rest[pool] = items.slice(want[pool]);
  }
  let missing = plan.batchSize - POOLS.reduce((n, pool) => n + taken[pool].length, 0);
  for (const pool of ["current", "next", "replay"] as const) {
    const extra = rest[pool].slice(0, missing);
    taken[pool].push(...extra);
    missing -= extra.length;
  }

  const batch = shuffle(
    POOLS.flatMap((pool) => taken[pool]),
    rngFor(seed, iteration, "batch"),
  );
  const summary: CurriculumSummary = {
    iteration,
    level: state.level,
    unlocked: state.unlocked,
    unlockedLevel: plan.unlockedLevel,
    drawn: { current: taken.current.length, replay: taken.replay.length, next: taken.next.length },
    available: { current: pools.current.seen, replay: pools.replay.seen, next: pools.next.seen },
    dropped: state.dropped.length,
    shortfall: missing,
  };
  return { batch, state: nextState(plan), summary };
}

/** The state after `plan`'s draw, known before its rows are read: the next draw plans from it. */
export function nextState(plan: DrawPlan): CurriculumState {
  return { ...plan.state, iteration: plan.state.iteration + 1 };
}
