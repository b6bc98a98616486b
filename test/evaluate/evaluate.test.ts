import { describe, expect, it } from "vitest";
import {
  compareCheckpoints,
  EvalReport,
  evaluate,
  majorityVote,
  normalizeAnswer,
  passAtK,
} from "../../functions/evaluate/index.ts";
import { evalRecords, type Row } from "../../schemas/index.ts";

type EvalRow = Row<typeof evalRecords>;

/** Slow reference: the share of k-subsets of n samples (the first c correct) holding a correct one. */
function passAtKBySubsets(n: number, c: number, k: number): number {
  let hit = 0;
  let all = 0;
  const walk = (start: number, left: number, anyCorrect: boolean) => {
    if (left === 0) {
      all++;
      if (anyCorrect) hit++;
      return;
    }
    for (let i = start; i <= n - left; i++) walk(i + 1, left - 1, anyCorrect || i < c);
  };
  walk(0, k, false);
  return hit / all;
}

describe("passAtK", () => {
  it("matches hand-worked values", () => {
    expect(passAtK(4, 1, 2)).toBeCloseTo(0.5, 12); // 1 − C(3,2)/C(4,2) = 1 − 3/6
    expect(passAtK(5, 2, 2)).toBeCloseTo(0.7, 12); // 1 − C(3,2)/C(5,2) = 1 − 3/10
    expect(passAtK(10, 0, 5)).toBe(0);
    expect(passAtK(10, 6, 5)).toBe(1); // n − c = 4 < k
    expect(passAtK(8, 3, 1)).toBeCloseTo(3 / 8, 12); // pass@1 = c / n
  });
  it("matches the subset-enumerating reference for many n, c, k", () => {
    for (const n of [1, 2, 5, 8, 12]) {
      for (let c = 0; c <= n; c++) {
        for (let k = 1; k <= n; k++) expect(passAtK(n, c, k)).toBeCloseTo(passAtKBySubsets(n, c, k), 12);
      }
    }
  });
  it("stays finite where the binomials would overflow", () => {
    const v = passAtK(2000, 3, 1000);
    expect(v).toBeGreaterThan(0.8);
    expect(v).toBeLessThan(1);
  });
  it("rejects k > n", () => {
    expect(() => passAtK(4, 1, 5)).toThrow(RangeError);
  });
});

describe("majority voting", () => {
  it("normalises answers before counting", () => {
    expect(normalizeAnswer(" $\\boxed{1,000.0}$. ")).toBe("1000");
    expect(normalizeAnswer("\\dfrac{1}{2}")).toBe("\\frac{1}{2}");
    expect(normalizeAnswer("+7")).toBe("7");
    expect(normalizeAnswer("\\text{ B }")).toBe("b");
  });
  const v = (answer: string | null, i: number, correct = false) => ({
    extracted_answer: answer,
    sample_index: i,
    correct,
  });
  it("takes the most frequent answer", () => {
    expect(majorityVote([v("3", 0), v("4", 1, true), v("4.0", 2, true), v(null, 3), v(null, 4)])).toEqual({
      answer: "4",
      votes: 2,
      correct: true,
    });
  });
  it("breaks ties by the earliest sample, whatever the input order", () => {
    const samples = [v("5", 3, true), v("2", 1), v("5", 2, true), v("2", 0)];
    expect(majorityVote(samples)).toEqual({ answer: "2", votes: 2, correct: false });
    expect(majorityVote([...samples].reverse())).toEqual({ answer: "2", votes: 2, correct: false });
  });
  it("is wrong when nobody answered", () => {
    expect(majorityVote([v(null, 0)])).toEqual({ answer: null, votes: 0, correct: false });
  });
});

function record(
  over: Partial<EvalRow> & { problem_id: string; sample_index: number; correct: boolean },
): EvalRow {
  return evalRecords.row.parse({
    benchmark: "gsm8k",
    checkpoint: "final",
    level: 1,
    answer: "4",
    answer_type: "numeric",
    completion: "…",
    extracted_answer: over.correct ? "4" : "5",
    ...over,
  });
}

/** `pattern[i]` is sample i's correctness of one problem. */
const problemRecords = (problem_id: string, pattern: boolean[], over: Partial<EvalRow> = {}) =>
  pattern.map((correct, sample_index) => record({ problem_id, sample_index, correct, ...over }));

describe("evaluate", () => {
  it("scores per benchmark and level", async () => {
    const rows = [
      ...problemRecords("p1", [true, true, false, false]), // c = 2
      ...problemRecords("p2", [false, false, false, true], { level: 2 }), // c = 1
      ...problemRecords("m1", [true, true, true, true], { benchmark: "math" }),
    ];
    const report = EvalReport.parse(await evaluate(rows, { passK: [1, 2, 8] }));
    const gsm = report.checkpoints.final?.benchmarks.gsm8k;
    // pass@1 = (2/4 + 1/4) / 2 = 0.375
    expect(gsm?.pass1).toBeCloseTo(0.375, 12);
    // maj: p1 ties 2–2 between "4" (first at sample 0, correct) and "5" → correct; p2 "5" wins → wrong
    expect(gsm?.majAtK).toBe(0.5);
    // pass@2: p1 1 − C(2,2)/C(4,2) = 5/6; p2 1 − C(3,2)/C(4,2) = 1/2 → mean 2/3
    expect(gsm?.passAtK["2"]).toBeCloseTo(2 / 3, 12);
    expect(gsm?.passAtK["1"]).toBeCloseTo(0.375, 12);
    expect(gsm?.passAtK["8"]).toBeUndefined(); // k > n = 4
    expect(gsm?.samples).toBe(4);
    expect(gsm?.levels["1"]).toMatchObject({ problems: 1, pass1: 0.5, majAtK: 1 });
    expect(gsm?.levels["2"]).toMatchObject({ problems: 1, pass1: 0.25, majAtK: 0 });
    expect(report.checkpoints.final?.benchmarks.math).toMatchObject({
      pass1: 1,
      majAtK: 1,
      passAtK: { "1": 1, "2": 1 },
    });
    expect(report.comparisons).toEqual([]);
  });

  it("compares the current checkpoint with the previous one", async () => {
    const rows = [
      ...problemRecords("p1", [true, true, true, false]),
      ...problemRecords("p1", [true, false, false, false], { checkpoint: "base" }),
      ...problemRecords("x", [true], { checkpoint: "base", benchmark: "only-base" }),
    ];
    const report = await evaluate(rows, { passK: [1, 4] }, { order: ["base", "final"] });
    // pass@1 0.75 vs 0.25; pass@4 1 vs 1; maj "4" (3 votes) vs "5" (3 votes)
    expect(report.comparisons).toEqual([
      {
        current: "final",
        previous: "base",
        benchmarks: { gsm8k: { pass1: 0.5, majAtK: 1, passAtK: { "1": 0.5, "4": 0 } } },
      },
    ]);
    const base = report.checkpoints.base;
    const final = report.checkpoints.final;
    if (!base || !final) throw new Error("missing checkpoint");
    expect(compareCheckpoints(base, final).benchmarks.gsm8k?.pass1).toBe(-0.5);
  });

  it("gives an empty, valid report for no records", async () => {
    async function* none(): AsyncGenerator<EvalRow> {}
    const report = await evaluate(none(), { passK: [1] }, { order: ["a", "b"] });
    expect(EvalReport.parse(report)).toEqual({ checkpoints: {}, comparisons: [], aliases: {}, models: {} });
  });

  it("chains the comparisons in recipe order, each checkpoint against the one before it", async () => {
    // Records arrive out of order; "grpo" is absent, so sft2 is compared with sft.
    const rows = [
      ...problemRecords("p1", [true, true, true, true], { checkpoint: "sft2" }), // pass@1 1
      ...problemRecords("p1", [false, false, false, false], { checkpoint: "base" }), // 0
      ...problemRecords("p1", [true, false, false, false], { checkpoint: "sft" }), // 0.25
    ];
    const report = EvalReport.parse(
      await evaluate(
        rows,
        { passK: [1, 2] },
        {
          order: ["base", "sft", "grpo", "sft2", "final"],
          aliases: { final: "sft2" },
          models: { base: "builtin:small" },
        },
      ),
    );
    expect(Object.keys(report.checkpoints)).toEqual(["base", "sft", "sft2"]);
    // sft − base: pass@1 0.25; maj: base all "5" wrong, sft "4" once vs "5" thrice → "5" wrong: 0;
    // pass@2 sft 1 − C(3,2)/C(4,2) = 0.5 vs 0. sft2 − sft: pass@1 0.75, maj 1, pass@2 0.5.
    expect(report.comparisons).toEqual([
      {
        current: "sft",
        previous: "base",
        benchmarks: { gsm8k: { pass1: 0.25, majAtK: 0, passAtK: { "1": 0.25, "2": 0.5 } } },
      },
      {
        current: "sft2",
        previous: "sft",
        benchmarks: { gsm8k: { pass1: 0.75, majAtK: 1, passAtK: { "1": 0.75, "2": 0.5 } } },
      },
    ]);
    expect(report.aliases).toEqual({ final: "sft2" });
    expect(report.models).toEqual({ base: "builtin:small" });
  });
});
