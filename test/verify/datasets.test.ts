import { describe, expect, it } from "vitest";
import { verify } from "../../functions/verify/index.ts";
import { type Gsm8kRow, gsm8kGold, type Math500Row, readShared } from "./data.ts";

describe("GSM8K test references", () => {
  const rows = readShared<Gsm8kRow>("gsm8k/test.jsonl");

  it("has all 1,319 rows", () => {
    expect(rows).toHaveLength(1319);
  });

  it("verifies every full solution against its own #### number", () => {
    const failed = rows.filter((r) => !verify(gsm8kGold(r.answer), r.answer).equivalent);
    expect(failed.map((r) => r.answer.slice(-40))).toEqual([]);
  });

  it("rejects each solution against the next row's different answer", () => {
    const wrong = rows.filter((r, k) => {
      const other = gsm8kGold(rows[(k + 1) % rows.length]?.answer ?? "");
      return other !== gsm8kGold(r.answer) && verify(other, r.answer).equivalent;
    });
    expect(wrong).toEqual([]);
  });
});

describe("MATH-500 answers", () => {
  const rows = readShared<Math500Row>("math500/test.jsonl");

  it("verifies every answer restated in a boxed sentence", () => {
    const failed = rows
      .map((r) => ({ r, v: verify(r.answer, `So the final answer is $\\boxed{${r.answer}}$.`) }))
      .filter(({ v }) => !v.equivalent || v.rule !== "boxed");
    expect(failed.map(({ r }) => r.answer)).toEqual([]);
  });

  it("verifies at least 495 of the full reference solutions", () => {
    const failed = rows.filter((r) => !verify(r.answer, r.solution).equivalent);
    if (failed.length > 0)
      console.log(
        "MATH-500 solutions not verified:",
        failed.map((r) => r.answer),
      );
    expect(rows.length - failed.length).toBeGreaterThanOrEqual(495);
  });
});
