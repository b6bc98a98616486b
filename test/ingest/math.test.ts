import { describe, expect, it } from "vitest";
import { mathLevel, parseMath } from "../../functions/ingest/index.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { countBy, ingestAll } from "./data.ts";

describe("math files", () => {
  it("MATH-500: 500 rows, levels and subjects as SOURCE.md, ids from unique_id", async () => {
    const { rows, report } = await ingestAll("math", "math500/test.jsonl");
    expect(rows).toHaveLength(500);
    expect(report.levels).toEqual({ 1: 43, 2: 90, 3: 105, 4: 128, 5: 134 });
    expect(countBy(rows, (r) => r.subject ?? "")).toEqual({
      Algebra: 124,
      "Counting & Probability": 38,
      Geometry: 41,
      "Intermediate Algebra": 97,
      "Number Theory": 62,
      Prealgebra: 82,
      Precalculus: 56,
    });
    expect(rows[0]).toMatchObject({ id: "test/precalculus/807.json", split: "test", answer_type: "math" });
    expect(rows[0]!.answer).toBe("\\left( 3, \\frac{\\pi}{2} \\right)");
    expect(new Set(rows.map((r) => r.id)).size).toBe(500);
    for (const r of rows) {
      problems.row.parse(r);
      expect(r.reasoning).toMatch(/^<think>\n[\s\S]+\n<\/think>\n\nThe answer is \\boxed\{[\s\S]+\}\.$/);
      expect(r.reasoning!.endsWith(`\\boxed{${r.answer}}.`)).toBe(true);
    }
  });

  it("math_train: 4,500 rows, levels as SOURCE.md, ids math/train/<n>", async () => {
    const { rows, report } = await ingestAll("math", "math_train/train.jsonl");
    expect(rows).toHaveLength(4500);
    expect(report).toMatchObject({ skipped: 0, levels: { 1: 394, 2: 804, 3: 1026, 4: 1086, 5: 1190 } });
    expect(countBy(rows, (r) => r.subject ?? "")).toMatchObject({ Algebra: 1063, Precalculus: 490 });
    expect(rows[0]).toMatchObject({ id: "math/train/0", split: "train", answer: "2", level: 3 });
    for (const r of rows) problems.row.parse(r);
  });
});

describe("parseMath", () => {
  const at = { split: "train", index: 0 };

  it("reads Hendrycks' raw layout: type, 'Level N', answer from the last \\boxed", () => {
    const row = parseMath(
      {
        problem: "p",
        solution: "First $\\boxed{1}$, then $\\boxed{\\frac{1}{2}}$.",
        type: "Algebra",
        level: "Level 4",
      },
      at,
    );
    expect(row).toMatchObject({ answer: "\\frac{1}{2}", subject: "Algebra", level: 4 });
  });

  it("refuses a level outside 1–5 and a row with no answer", () => {
    expect(mathLevel(5)).toBe(5);
    expect(() => mathLevel("Level ?")).toThrow(/field "level"/);
    expect(() => parseMath({ problem: "p", solution: "no box", level: 1 }, at)).toThrow(
      /missing field "answer"/,
    );
  });
});
