import { describe, expect, it } from "vitest";
import {
  CurriculumState,
  drawAll,
  type GroupOutcome,
  initialCurriculumState,
  nextCurriculumBatch,
  nextState,
  planDraw,
} from "../../functions/curriculum/index.ts";
import { CurriculumSettings, problems, type Row } from "../../schemas/index.ts";

type ProblemRow = Row<typeof problems>;

function problem(level: number, n: number): ProblemRow {
  return problems.row.parse({
    id: `arithmetic/train/L${level}-${n}`,
    source: "arithmetic",
    split: "train",
    question: `question ${level}-${n}`,
    answer: String(n),
    answer_type: "numeric",
    choices: [],
    level,
    reasoning: null,
    subject: null,
  });
}

/** `perLevel[l − 1]` problems at level l, interleaved by level as a real table would be. */
function table(perLevel: number[]): ProblemRow[] {
  const rows: ProblemRow[] = [];
  const max = Math.max(...perLevel);
  for (let n = 0; n < max; n++) {
    perLevel.forEach((count, i) => {
      if (n < count) rows.push(problem(i + 1, n));
    });
  }
  return rows;
}

async function* stream<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

const settings = CurriculumSettings.parse({ batchSize: 10, replayShare: 0.2, nextLevelShare: 0.1, seed: 7 });
function countByLevel(batch: ProblemRow[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const p of batch) counts[p.level] = (counts[p.level] ?? 0) + 1;
  return counts;
}

describe("nextCurriculumBatch", () => {
  it("starts at startLevel: no replay yet, a share of the next level", async () => {
    const { batch, state, summary } = await nextCurriculumBatch(stream(table([50, 50, 50])), {}, settings);
    // replay needs a lower unlocked level: 0; next round(10 · 0.1) = 1; current 9
    expect(countByLevel(batch)).toEqual({ 1: 9, 2: 1 });
    expect(state).toMatchObject({ iteration: 1, level: 1, unlocked: [1] });
    expect(summary).toMatchObject({ iteration: 0, drawn: { current: 9, replay: 0, next: 1 }, shortfall: 0 });
    expect(new Set(batch.map((p) => p.id)).size).toBe(10);
  });

  it("respects the replay and next-level shares", async () => {
    const s = { ...settings, startLevel: 3 };
    const { batch, summary } = await nextCurriculumBatch(table([50, 50, 50, 50, 50]), {}, s);
    // replay round(10 · 0.2) = 2 from levels 1–2; next 1 from level 4; current 7 from level 3
    const counts = countByLevel(batch);
    expect((counts[1] ?? 0) + (counts[2] ?? 0)).toBe(2);
    expect(counts[3]).toBe(7);
    expect(counts[4]).toBe(1);
    expect(counts[5]).toBeUndefined();
    expect(summary.available).toEqual({ current: 50, replay: 100, next: 50 });
  });

  it("falls back to the next level, then replay, when the current level runs short", async () => {
    const s = { ...settings, startLevel: 2 };
    // level 2 has 3 problems: 7 places left → next level (level 3, 4 problems) takes 1 + 3 = 4, replay 2 + 1 = 3
    const { batch, summary } = await nextCurriculumBatch(table([20, 3, 4]), {}, s);
    expect(countByLevel(batch)).toEqual({ 1: 3, 2: 3, 3: 4 });
    expect(summary).toMatchObject({ drawn: { current: 3, next: 4, replay: 3 }, shortfall: 0 });
    // and is short only when everything runs out
    const short = await nextCurriculumBatch(table([1, 2, 1]), {}, s);
    expect(short.batch).toHaveLength(4);
    expect(short.summary.shortfall).toBe(6);
  });

  it("unlocks the next level once the current one's accuracy reaches the threshold", async () => {
    const outcomes = (correct: number): GroupOutcome[] => [
      { problem_id: "x1", level: 1, n: 4, correct },
      { problem_id: "x2", level: 1, n: 4, correct: 2 },
    ];
    const first = await nextCurriculumBatch(table([30, 30, 30]), {}, settings);
    // accuracy (2 + 2) / 8 = 0.5 < 0.7: stays
    const stay = await nextCurriculumBatch(
      table([30, 30, 30]),
      { state: first.state, outcomes: outcomes(2) },
      settings,
    );
    expect(stay.state).toMatchObject({ level: 1, unlocked: [1] });
    expect(stay.summary.unlockedLevel).toBeNull();
    // accuracy (4 + 2) / 8 = 0.75 ≥ 0.7: level 2, with level 1 replayed
    const up = await nextCurriculumBatch(
      table([30, 30, 30]),
      { state: stay.state, outcomes: outcomes(4) },
      settings,
    );
    expect(up.state).toMatchObject({ level: 2, unlocked: [1, 2], iteration: 3 });
    expect(up.summary.unlockedLevel).toBe(2);
    expect(countByLevel(up.batch)).toEqual({ 1: 2, 2: 7, 3: 1 });
    expect(up.state.history).toEqual([
      { iteration: 1, level: 1, accuracy: 0.5, groups: 2 },
      { iteration: 2, level: 1, accuracy: 0.75, groups: 2 },
    ]);
    // an explicit accuracy overrides the outcomes'
    const forced = await nextCurriculumBatch(
      [],
      { state: stay.state, levelAccuracy: { "1": 0.7 } },
      settings,
    );
    expect(forced.state.level).toBe(2);
  });

  it("drops problems whose group was all right or all wrong, for good", async () => {
    const rows = table([12]);
    const ids = rows.map((p) => p.id);
    const outcomes = [
      { problem_id: ids[0] as string, level: 1, n: 4, correct: 4 },
      { problem_id: ids[1] as string, level: 1, n: 4, correct: 0 },
      { problem_id: ids[2] as string, level: 1, n: 4, correct: 1 },
    ];
    const s = { ...settings, unlockThreshold: 1 };
    const a = await nextCurriculumBatch(rows, { outcomes }, s);
    expect(a.state.dropped).toEqual([ids[0], ids[1]].sort());
    expect(a.batch).toHaveLength(10);
    expect(a.batch.map((p) => p.id)).not.toContain(ids[0]);
    expect(a.batch.map((p) => p.id)).not.toContain(ids[1]);
    const b = await nextCurriculumBatch(rows, { state: a.state }, s);
    expect(b.state.dropped).toHaveLength(2);
    expect(b.summary.available.current).toBe(10);
    // with dropSolved off nothing is dropped
    const keep = await nextCurriculumBatch(rows, { outcomes }, { ...s, dropSolved: false });
    expect(keep.state.dropped).toEqual([]);
  });

  it("is deterministic for a seed and iteration, and varies with them", async () => {
    const rows = table([100, 100]);
    const ids = async (s = settings, state?: CurriculumState) =>
      (await nextCurriculumBatch(stream(rows), { state: state ?? null }, s)).batch.map((p) => p.id);
    expect(await ids()).toEqual(await ids());
    expect(await ids({ ...settings, seed: 8 })).not.toEqual(await ids());
    const later = { ...initialCurriculumState(settings), iteration: 5 };
    expect(await ids(settings, later)).not.toEqual(await ids());
  });

  it("a run resumed from JSON each iteration equals one kept in memory", async () => {
    const rows = table([40, 40, 40, 40, 40]);
    // Synthetic results: a problem's group is all right when its number is even, else half right.
    const outcomesOf = (batch: ProblemRow[]): GroupOutcome[] =>
      batch.map((p) => ({
        problem_id: p.id,
        level: p.level,
        n: 4,
        correct: Number(p.answer) % 2 === 0 ? 4 : 3,
      }));
    let memory: { state: CurriculumState | null; outcomes: GroupOutcome[] } = { state: null, outcomes: [] };
    let json: string | null = null;
    let jsonOutcomes: GroupOutcome[] = [];
    for (let i = 0; i < 6; i++) {
      const a = await nextCurriculumBatch(rows, memory, settings);
      const resumed = json === null ? null : CurriculumState.parse(JSON.parse(json));
      const b = await nextCurriculumBatch(stream(rows), { state: resumed, outcomes: jsonOutcomes }, settings);
      expect(b.batch).toEqual(a.batch);
      expect(b.state).toEqual(a.state);
      memory = { state: a.state, outcomes: outcomesOf(a.batch) };
      json = JSON.stringify(b.state);
      jsonOutcomes = JSON.parse(JSON.stringify(outcomesOf(b.batch)));
    }
    expect(memory.state?.level).toBeGreaterThan(1);
  });

  it("gives an empty batch and a valid state for an empty table", async () => {
    const { batch, state, summary } = await nextCurriculumBatch([], {}, settings);
    expect(batch).toEqual([]);
    expect(CurriculumState.parse(state)).toEqual(state);
    expect(summary.shortfall).toBe(10);
  });

  it("rejects a malformed state with the field path", async () => {
    await expect(
      nextCurriculumBatch([], { state: { level: 9 } as unknown as CurriculumState }, settings),
    ).rejects.toThrow(/level/);
  });
});

/** `rows` as an iterable that counts how many times it is read. */
function counted(rows: ProblemRow[]) {
  const reads = { n: 0 };
  const iterable = {
    *[Symbol.iterator]() {
      reads.n++;
      yield* rows;
    },
  };
  return { iterable, reads };
}

describe("drawAll: several planned draws over one read", () => {
  it("gives a block's K draws, the first measured, as K sequential nextCurriculumBatch calls", async () => {
    const s = { ...settings, startLevel: 2, dropSolved: true };
    const rows = table([30, 30, 30]);
    const outcomes: GroupOutcome[] = [
      { problem_id: rows[1]!.id, level: 2, n: 2, correct: 2 },
      { problem_id: rows[4]!.id, level: 2, n: 2, correct: 1 },
    ];
    // The old way: one read of the table per draw, each from the last draw's state.
    const expected = [];
    let state: CurriculumState | null = null;
    for (let k = 0; k < 4; k++) {
      const r = await nextCurriculumBatch(rows, { state, outcomes: k === 0 ? outcomes : [] }, s);
      expected.push(r);
      state = r.state;
    }
    const plans = [planDraw({ outcomes }, s)];
    for (let k = 1; k < 4; k++) plans.push(planDraw({ state: nextState(plans[k - 1]!) }, s));
    const { iterable, reads } = counted(rows);
    const drawn = await drawAll(iterable, plans);
    expect(reads.n).toBe(1);
    expect(drawn).toEqual(expected);
    expect(drawn.map((d) => d.batch.map((p) => p.id))).toEqual(expected.map((d) => d.batch.map((p) => p.id)));
    expect(drawn[3]!.state.iteration).toBe(4);
    expect(drawn.every((d) => !d.batch.some((p) => p.id === rows[1]!.id))).toBe(true);
  });

  it("falls back current → next → replay in every draw of one pass when a level runs short", async () => {
    const s = { ...settings, startLevel: 2 };
    const rows = table([20, 3, 4]);
    const plans = [planDraw({}, s)];
    for (let k = 1; k < 3; k++) plans.push(planDraw({ state: nextState(plans[k - 1]!) }, s));
    const { iterable, reads } = counted(rows);
    const drawn = await drawAll(iterable, plans);
    expect(reads.n).toBe(1);
    let state: CurriculumState | null = null;
    for (const d of drawn) {
      // level 2 has 3: 7 places → next (level 3, 4 problems) takes all 4, replay 2 + 1 = 3
      expect(countByLevel(d.batch)).toEqual({ 1: 3, 2: 3, 3: 4 });
      expect(d.summary).toMatchObject({ drawn: { current: 3, next: 4, replay: 3 }, shortfall: 0 });
      const old = await nextCurriculumBatch(rows, { state }, s);
      expect(d).toEqual(old);
      state = old.state;
    }
    // an excluded id is never drawn (a reserve excludes its batch)
    const ex = planDraw({}, s, { exclude: [rows.find((p) => p.level === 2)!.id] });
    const [short] = await drawAll(rows, [ex]);
    expect(short!.summary.drawn.current).toBe(2);
  });
});
