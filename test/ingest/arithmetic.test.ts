import { describe, expect, it } from "vitest";
import {
  checkArithmeticStep,
  evaluateWithSteps,
  generateArithmetic,
  parseExpr,
} from "../../functions/ingest/index.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { countBy } from "./data.ts";

/** A reference evaluator independent of ours: the expression is checked to hold only digits and operators. */
function jsEval(expression: string): number {
  expect(expression).toMatch(/^[\d\s+\-*/()]+$/);
  return new Function(`return (${expression});`)() as number;
}

describe("generateArithmetic", () => {
  const rows = [...generateArithmetic({ count: 1000, seed: 42 })];

  it("is deterministic for a seed and differs across seeds", () => {
    expect([...generateArithmetic({ count: 1000, seed: 42 })]).toEqual(rows);
    expect([...generateArithmetic({ count: 50, seed: 43 })]).not.toEqual(rows.slice(0, 50));
  });

  it("covers levels 1–5, balanced", () => {
    expect(countBy(rows, (r) => r.level)).toEqual({ 1: 200, 2: 200, 3: 200, 4: 200, 5: 200 });
  });

  it("answers equal the expression's value; every reasoning line is a true arithmetic step", () => {
    for (const r of rows) {
      problems.row.parse(r);
      const expression = /^Compute (.+)\.$/.exec(r.question)![1]!;
      expect(String(jsEval(expression))).toBe(r.answer);
      expect(r.answer).toMatch(/^\d+$/);
      const think = /^<think>\n([\s\S]+)\n<\/think>\n\nThe answer is \\boxed\{(\d+)\}\.$/.exec(r.reasoning!)!;
      expect(think[2]).toBe(r.answer);
      for (const line of think[1]!.split("\n")) expect(checkArithmeticStep(line), line).toBe(true);
    }
  });

  it("levels grow in operands: 1 step at L1–L2, 2 at L3–L4, 3 at L5 (with a division at L5)", () => {
    const steps = (level: number) =>
      new Set(rows.filter((r) => r.level === level).map((r) => r.reasoning!.split("\n").length - 4));
    expect([1, 2, 3, 4, 5].map((l) => [...steps(l)])).toEqual([[1], [1], [2], [2], [3]]);
    expect(rows.filter((r) => r.level === 5).every((r) => r.question.includes("/"))).toBe(true);
    expect(rows.filter((r) => r.level === 4).every((r) => r.question.includes("("))).toBe(true);
  });
});

describe("checkArithmeticStep", () => {
  it.each([
    ["23 + 45 = 68", true],
    ["23 + 45 = 69", false],
    ["45 * 2 = 90", true],
    ["156 / 3 = 52.", true],
    ["7 × 6 = 42", true],
    ["10 ÷ 4 = 2.5", true],
    ["2 + 3 * 4 = 2 + 12 = 14", true],
    ["2 + 3 * 4 = 20", false],
    ["(2 + 3) * 4 = 20", true],
    ["1,000 - 1 = 999", true],
    ["-5 + 3 = -2", true],
    ["<<+3+3=6>>", true],
    ["5 / 0 = 1", false],
    ["So she has 68 apples.", null],
    ["x = 5", null],
    ["68 = 68", null],
    ["Natalia sold 48/2 = 24 clips in May.", null],
    ["", null],
  ])("%j → %s", (line, expected) => {
    expect(checkArithmeticStep(line)).toBe(expected);
  });

  it("agrees with the evaluator on its own steps", () => {
    expect(evaluateWithSteps(parseExpr("23 + 45 * 2")!)).toMatchObject({
      value: 113,
      steps: ["45 * 2 = 90", "23 + 90 = 113"],
    });
  });
});
