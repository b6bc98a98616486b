import { describe, expect, it } from "vitest";
import { compareAnswers, equivalent, inferAnswerType } from "../../functions/verify/index.ts";
import { CHOICE_CASES, MATH_CASES, NUMERIC_CASES } from "./cases.ts";

/** Generous: these cases test correctness, not speed, and CI machines can be loaded. */
const opts = { timeBudgetMs: 2000 };

describe("equivalence table", () => {
  it.each([...MATH_CASES, ...NUMERIC_CASES])("%s vs %s (%s) → %s", (gold, pred, type, expected) => {
    expect(equivalent(gold, pred, type, opts)).toBe(expected);
  });

  it.each(CHOICE_CASES)("%s vs %s (%s, %j) → %s", (gold, pred, type, choices, expected) => {
    expect(equivalent(gold, pred, type, { ...opts, choices })).toBe(expected);
  });

  it("is symmetric on the math table", () => {
    const asym = MATH_CASES.filter(([g, p, t, e]) => equivalent(p, g, t, opts) !== e);
    expect(asym).toEqual([]);
  });
});

describe("inferAnswerType", () => {
  it.each([
    ["1,080", "numeric"],
    ["-3.5", "numeric"],
    ["B", "choice"],
    ["(C)", "choice"],
    ["Unknown", "label"],
    ["yes", "label"],
    ["\\frac{1}{2}", "math"],
    ["x=3", "math"],
  ])("%s → %s", (gold, type) => {
    expect(inferAnswerType(gold)).toBe(type);
  });
});

describe("compareAnswers", () => {
  it("says why", () => {
    expect(compareAnswers("3", "3")).toEqual({ equivalent: true, reason: "equal" });
    expect(compareAnswers("3", "4")).toEqual({ equivalent: false, reason: "different" });
  });
});
