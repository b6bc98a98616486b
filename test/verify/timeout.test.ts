import { describe, expect, it } from "vitest";
import { verify } from "../../functions/verify/index.ts";

function timed<T>(f: () => T): { value: T; ms: number } {
  const t = performance.now();
  const value = f();
  return { value, ms: performance.now() - t };
}

describe("time budget", () => {
  const budget = 50;
  const nestedPower = (base: string) =>
    `${Array.from({ length: 400 }, () => `${base}^{`).join("")}2${"}".repeat(400)}`;
  const longSum = Array.from({ length: 1250 }, (_, k) => `x^${k % 9}`).join("+"); // 5,000 chars

  it.each([
    ["nested power", nestedPower("2"), nestedPower("3")],
    ["5,000-char sum", longSum, `${longSum}+1`],
    ["5,000-char sum vs product", longSum, longSum.replace(/\+/g, "\\cdot ")],
    ["deep parentheses", `${"(".repeat(3000)}x${")".repeat(3000)}`, "y"],
    // Overflowing literals once sent mathjs's simplify into exact fractions for ~0.4 s.
    ["1000-digit repeating decimal", "x", `0.${"1".repeat(500)}\\overline{${"3".repeat(500)}}`],
    ["many labelled boxes", "1, 2", "$x = \\boxed{1}$ and ".repeat(500)],
  ])("%s returns within 10x the budget", (_name, gold, pred) => {
    const { value, ms } = timed(() =>
      verify(gold, pred, { answerType: "math", extract: false, timeBudgetMs: budget }),
    );
    expect(value.equivalent).toBe(false);
    expect(ms).toBeLessThan(10 * budget);
  });

  it("reports a timeout when the budget is spent", () => {
    const r = verify(longSum, `${longSum}+1`, { answerType: "math", extract: false, timeBudgetMs: 0 });
    expect(r).toMatchObject({ equivalent: false, rule: "timeout", reason: "timeout" });
  });
});
