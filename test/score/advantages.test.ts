import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  charEndToToken,
  meanStd,
  outcomeAdvantages,
  processAdvantages,
} from "../../functions/score/index.ts";

describe("outcomeAdvantages", () => {
  it("GRPO: (r − mean) / (population std + ε)", () => {
    // r = [1, 0, 0, 1]: mean 0.5; population variance ((0.5)² · 4) / 4 = 0.25 → std 0.5
    // A = ±0.5 / (0.5 + 1e-6) = ±1 / (1 + 2e-6)
    const a = outcomeAdvantages([1, 0, 0, 1], "std");
    const x = 1 / (1 + 2e-6);
    expect(a[0]).toBeCloseTo(x, 12);
    expect(a).toEqual([x, -x, -x, x].map((v) => expect.closeTo(v, 12)));
    // r = [2, 0, 0, 0]: mean 0.5, var (1.5² + 3 · 0.5²) / 4 = 0.75, std √0.75
    const b = outcomeAdvantages([2, 0, 0, 0], "std", 0);
    expect(b[0]).toBeCloseTo(1.5 / Math.sqrt(0.75), 12);
    expect(b[1]).toBeCloseTo(-0.5 / Math.sqrt(0.75), 12);
  });
  it("Dr. GRPO: r − mean, no std", () => {
    // mean of [2, 0, 0, 0] is 0.5
    expect(outcomeAdvantages([2, 0, 0, 0], "none")).toEqual([1.5, -0.5, -0.5, -0.5]);
  });
  it("a flat group gets zeros, not NaN", () => {
    expect(outcomeAdvantages([1, 1, 1], "std")).toEqual([0, 0, 0]);
    expect(outcomeAdvantages([], "std")).toEqual([]);
    expect(meanStd([])).toEqual({ mean: 0, std: 0 });
  });
  it("advantages of a group sum to ~0 (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -10, max: 10, noNaN: true }), { minLength: 1, maxLength: 64 }),
        fc.constantFrom("std" as const, "none" as const),
        (rewards, norm) => {
          const sum = outcomeAdvantages(rewards, norm).reduce((s, a) => s + a, 0);
          expect(Math.abs(sum)).toBeLessThan(1e-6 * rewards.length);
        },
      ),
    );
  });
});

describe("processAdvantages", () => {
  // Sample A: 2 steps, rewards [0, 5], ending at tokens 1 and 3 of 5.
  // Sample B: 3 steps, rewards [0, 0, 0], ending at tokens 0, 1 and 3 of 4.
  // All step rewards [0, 5, 0, 0, 0]: mean 1; deviations [−1, 4, −1, −1, −1];
  // variance (1 + 16 + 1 + 1 + 1) / 5 = 4 → std 2. Normalised: A [−0.5, 2], B [−0.5, −0.5, −0.5].
  const group = [
    { stepRewards: [0, 5], stepEnds: [1, 3], nTokens: 5 },
    { stepRewards: [0, 0, 0], stepEnds: [0, 1, 3], nTokens: 4 },
  ];
  it("sums the normalised rewards of the steps ending at or after each token", () => {
    const [a, b] = processAdvantages(group, "std", 0);
    // A: t0,t1 ← −0.5 + 2 = 1.5; t2,t3 ← 2; t4 after the last step ← 0
    expect(a).toEqual([1.5, 1.5, 2, 2, 0]);
    // B: t0 ← −1.5; t1 ← −1; t2,t3 ← −0.5
    expect(b).toEqual([-1.5, -1, -0.5, -0.5]);
  });
  it("with ε = 1e-6 the values shrink by 2 / (2 + 1e-6)", () => {
    const [a] = processAdvantages(group, "std");
    expect(a?.[0]).toBeCloseTo(1.5 * (2 / (2 + 1e-6)), 12);
  });
  it("Dr. GRPO: r − mean", () => {
    // A [−1, 4], B [−1, −1, −1]
    expect(processAdvantages(group, "none")).toEqual([
      [3, 3, 4, 4, 0],
      [-3, -2, -1, -1],
    ]);
  });
  it("matches a slow reference over random groups (property)", () => {
    const sample = fc.integer({ min: 1, max: 12 }).chain((nTokens) =>
      fc
        .array(fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: 0, max: nTokens - 1 })), {
          maxLength: 5,
        })
        .map((steps) => ({
          stepRewards: steps.map((s) => s[0]),
          stepEnds: steps.map((s) => s[1]),
          nTokens,
        })),
    );
    fc.assert(
      fc.property(
        fc.array(sample, { minLength: 1, maxLength: 6 }),
        fc.constantFrom("std" as const, "none" as const),
        (g, norm) => {
          const all = g.flatMap((s) => s.stepRewards);
          const mean = all.length ? all.reduce((a, b) => a + b, 0) / all.length : 0;
          const std = all.length ? Math.sqrt(all.reduce((a, b) => a + (b - mean) ** 2, 0) / all.length) : 0;
          const got = processAdvantages(g, norm);
          g.forEach((s, i) => {
            for (let t = 0; t < s.nTokens; t++) {
              // A_t = Σ over steps ending at or after t of the normalised reward
              let want = 0;
              s.stepRewards.forEach((r, j) => {
                if ((s.stepEnds[j] ?? -1) >= t) want += norm === "std" ? (r - mean) / (std + 1e-6) : r - mean;
              });
              expect(got[i]?.[t]).toBeCloseTo(want, 9);
            }
          });
        },
      ),
    );
  });
  it("rejects a step end outside the completion", () => {
    expect(() => processAdvantages([{ stepRewards: [1], stepEnds: [4], nTokens: 4 }], "std")).toThrow(
      /outside/,
    );
  });
});

describe("charEndToToken", () => {
  it("spreads characters evenly over tokens", () => {
    expect(charEndToToken(50, 100, 10)).toBe(4); // ⌈0.5 · 10⌉ − 1
    expect(charEndToToken(51, 100, 10)).toBe(5); // ⌈5.1⌉ − 1
    expect(charEndToToken(100, 100, 10)).toBe(9);
    expect(charEndToToken(0, 100, 10)).toBe(0);
    expect(charEndToToken(3, 0, 10)).toBe(9);
    expect(charEndToToken(3, 10, 0)).toBe(-1);
  });
});
