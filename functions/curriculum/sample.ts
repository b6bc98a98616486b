/**
 * The curriculum stage: which problems the next GRPO iteration trains on. Streams the problems
 * table once, holding a reservoir of at most `batchSize` problems per pool.
 */
import type { problems, Row } from "../../schemas/index.ts";
import { rngFor, shuffle } from "../sampling/prng.ts";
import { Reservoir } from "../sampling/reservoir.ts";
import type { GroupOutcome } from "./outcomes.ts";
import { type CurriculumSettingsT, CurriculumState, initialCurriculumState } from "./state.ts";
import { MAX_LEVEL, updateCurriculum } from "./update.ts";

export type ProblemRow = Row<typeof problems>;

const POOLS = ["current", "replay", "next"] as const;
type Pool = (typeof POOLS)[number];

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

/**
 * Draws the next batch and returns it with the new state.
 *
 * Shares: round(batchSize · replayShare) from the lower unlocked levels, round(batchSize ·
 * nextLevelShare) from the next, still locked level, the rest from the current level. A pool with
 * too few eligible problems leaves its places to the others, in the order current, next, replay;
 * the batch is short only when all three run out. Each pool is a reservoir sample (Algorithm R)
 * driven by a PRNG seeded from (seed, iteration, pool), and the batch is shuffled the same way, so
 * for a given seed, iteration and input order the batch is always the same, whether the state was
 * kept in memory or resumed from JSON.
 */
export async function nextCurriculumBatch(
  problemRows: Iterable<ProblemRow> | AsyncIterable<ProblemRow>,
  input: CurriculumInput,
  settings: CurriculumSettingsT,
): Promise<{ batch: ProblemRow[]; state: CurriculumState; summary: CurriculumSummary }> {
  const prev = input.state ? CurriculumState.parse(input.state) : initialCurriculumState(settings);
  const { state, unlockedLevel } = updateCurriculum(
    prev,
    input.outcomes ?? [],
    settings,
    input.levelAccuracy,
  );
  const { iteration, level } = state;
  const B = settings.batchSize;
  const lower = new Set(state.unlocked.filter((l) => l < level));
  const next = level < MAX_LEVEL ? level + 1 : null;

  const want: Record<Pool, number> = { current: 0, replay: 0, next: 0 };
  want.replay = lower.size > 0 ? Math.min(B, Math.round(B * settings.replayShare)) : 0;
  want.next = next !== null ? Math.min(B - want.replay, Math.round(B * settings.nextLevelShare)) : 0;
  want.current = B - want.replay - want.next;

  const pools: Record<Pool, Reservoir<ProblemRow>> = {
    current: new Reservoir(B, rngFor(settings.seed, iteration, "current")),
    replay: new Reservoir(B, rngFor(settings.seed, iteration, "replay")),
    next: new Reservoir(B, rngFor(settings.seed, iteration, "next")),
  };
  const dropped = new Set(state.dropped);
  for await (const p of problemRows) {
    if (dropped.has(p.id)) continue;
    if (p.level === level) pools.current.offer(p);
    else if (lower.has(p.level)) pools.replay.offer(p);
    else if (p.level === next) pools.next.offer(p);
  }

  const taken: Record<Pool, ProblemRow[]> = { current: [], replay: [], next: [] };
  const rest: Record<Pool, ProblemRow[]> = { current: [], replay: [], next: [] };
  for (const pool of POOLS) {
    const items = shuffle([...pools[pool].items], rngFor(settings.seed, iteration, `${pool}/order`));
    taken[pool] = items.slice(0, want[pool]);
    rest[pool] = items.slice(want[pool]);
  }
  let missing = B - POOLS.reduce((n, pool) => n + taken[pool].length, 0);
  for (const pool of ["current", "next", "replay"] as const) {
    const extra = rest[pool].slice(0, missing);
    taken[pool].push(...extra);
    missing -= extra.length;
  }

  const batch = shuffle(
    POOLS.flatMap((pool) => taken[pool]),
    rngFor(settings.seed, iteration, "batch"),
  );
  const newState: CurriculumState = { ...state, iteration: iteration + 1 };
  const summary: CurriculumSummary = {
    iteration,
    level,
    unlocked: state.unlocked,
    unlockedLevel,
    drawn: { current: taken.current.length, replay: taken.replay.length, next: taken.next.length },
    available: { current: pools.current.seen, replay: pools.replay.seen, next: pools.next.seen },
    dropped: state.dropped.length,
    shortfall: missing,
  };
  return { batch, state: newState, summary };
}
