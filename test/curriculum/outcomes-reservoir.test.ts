import { describe, expect, it } from "vitest";
import { groupOutcomes } from "../../functions/curriculum/index.ts";
import { mulberry32 } from "../../functions/sampling/prng.ts";
import { Reservoir } from "../../functions/sampling/reservoir.ts";

describe("groupOutcomes", () => {
  it("counts samples and correct ones per group", () => {
    const rows = [
      { group_id: "g1", problem_id: "p1", level: 2, correct: true },
      { group_id: "g2", problem_id: "p2", level: 1, correct: false },
      { group_id: "g1", problem_id: "p1", level: 2, correct: false },
    ];
    expect(groupOutcomes(rows)).toEqual([
      { problem_id: "p1", level: 2, n: 2, correct: 1 },
      { problem_id: "p2", level: 1, n: 1, correct: 0 },
    ]);
  });
});

describe("Reservoir", () => {
  it("holds each of n items with probability k / n", () => {
    const counts = new Array<number>(10).fill(0);
    const rng = mulberry32(1);
    const trials = 20_000;
    for (let t = 0; t < trials; t++) {
      const r = new Reservoir<number>(2, rng);
      for (let i = 0; i < 10; i++) r.offer(i);
      for (const i of r.items) counts[i] = (counts[i] ?? 0) + 1;
    }
    // expected 0.2 each; binomial sd √(0.2 · 0.8 / 20000) ≈ 0.0028
    for (const c of counts) expect(Math.abs(c / trials - 0.2)).toBeLessThan(0.015);
  });
});
