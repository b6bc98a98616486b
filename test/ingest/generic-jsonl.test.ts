import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { inferAnswerType, parseGenericJsonl } from "../../functions/ingest/index.ts";
import { ingestAll, tempFile } from "./data.ts";

const at = { split: "train", index: 7 };

describe("inferAnswerType", () => {
  it("number → numeric, letter with choices → choice, label words → label, else math", () => {
    expect(inferAnswerType("42", [])).toBe("numeric");
    expect(inferAnswerType("-1,080.5", [])).toBe("numeric");
    expect(inferAnswerType("B", ["x", "y"])).toBe("choice");
    expect(inferAnswerType("B", [])).toBe("math");
    expect(["true", "False", "unknown", "Yes", "no"].map((a) => inferAnswerType(a, []))).toEqual(
      Array(5).fill("label"),
    );
    expect(inferAnswerType("\\frac{1}{2}", [])).toBe("math");
  });
});

describe("parseGenericJsonl", () => {
  it("fills defaults: level 3, id jsonl/<split>/<n>, no choices, no reasoning", () => {
    expect(parseGenericJsonl({ question: "2+2?", answer: 4 }, at)).toEqual({
      id: "jsonl/train/7",
      source: "jsonl",
      split: "train",
      question: "2+2?",
      answer: "4",
      answer_type: "numeric",
      choices: [],
      level: 3,
      reasoning: null,
      subject: null,
    });
  });

  it("keeps given fields, canonicalises letters and labels, wraps plain reasoning", () => {
    const row = parseGenericJsonl(
      {
        id: 17,
        question: "Pick",
        answer: "b",
        choices: ["x", "y"],
        level: 5,
        split: "dev",
        subject: "s",
        reasoning: "y fits",
      },
      at,
    );
    expect(row).toMatchObject({
      id: "17",
      answer: "B",
      answer_type: "choice",
      level: 5,
      split: "dev",
      subject: "s",
    });
    expect(row.reasoning).toBe("<think>\ny fits\n</think>\n\nThe answer is \\boxed{B}.");
    expect(parseGenericJsonl({ question: "q", answer: "yes" }, at).answer).toBe("Yes");
    const think = "<think>\nok\n</think>\n\nThe answer is \\boxed{1}.";
    expect(parseGenericJsonl({ question: "q", answer: "1", reasoning: think }, at).reasoning).toBe(think);
  });

  it("refuses bad fields with the field named", () => {
    expect(() => parseGenericJsonl({ answer: "1" }, at)).toThrow(/missing field "question"/);
    expect(() => parseGenericJsonl({ question: "q" }, at)).toThrow(/missing field "answer"/);
    expect(() => parseGenericJsonl({ question: "q", answer: "1", level: 6 }, at)).toThrow(/field "level"/);
    expect(() => parseGenericJsonl({ question: "q", answer: "1", answer_type: "essay" }, at)).toThrow(
      /field "answer_type": expected one of numeric, math, choice, label/,
    );
    expect(() => parseGenericJsonl([1, 2], at)).toThrow(/expected a JSON object/);
  });
});

describe("bad rows in a file", () => {
  const lines = [
    JSON.stringify({ question: "1+1?", answer: "2" }),
    "{not json",
    "",
    JSON.stringify({ question: "no answer here" }),
    JSON.stringify({ question: "3+3?", answer: "6", level: 2 }),
  ];

  it("skips and reports each with its line number; ids keep the line's index", async () => {
    const file = tempFile("custom_test.jsonl", lines.join("\n"));
    const { rows, report } = await ingestAll("jsonl", file);
    expect(rows.map((r) => r.id)).toEqual(["jsonl/test/0", "jsonl/test/3"]);
    expect(report).toMatchObject({ file, split: "test", rows: 2, skipped: 2, levels: { 2: 1, 3: 1 } });
    expect(report.badRows).toEqual([
      { file, line: 2, reason: expect.stringMatching(/^not JSON/) },
      { file, line: 4, reason: 'missing field "answer"' },
    ]);
  });

  it("strict: throws at the first bad row, naming file:line", async () => {
    const file = tempFile("train.jsonl", lines.join("\n"));
    await expect(ingestAll("jsonl", file, { strict: true })).rejects.toThrow(`${file}:2: not JSON`);
  });

  it("the same for a known source (a GSM8K row missing its answer)", async () => {
    const file = tempFile("test.jsonl", `${JSON.stringify({ question: "q" })}\n`);
    await expect(ingestAll("gsm8k", file, { strict: true })).rejects.toThrow(
      `${file}:1: missing field "answer"`,
    );
  });

  it("limit stops after that many rows; split can be overridden", async () => {
    const file = tempFile("train.jsonl", lines.join("\n"));
    const { rows } = await ingestAll("jsonl", file, { limit: 1, split: "eval" });
    expect(rows.map((r) => r.id)).toEqual(["jsonl/eval/0"]);
  });
});

describe("docs/datasets.md", () => {
  it("its generic JSONL example parses as documented", async () => {
    const doc = readFileSync(new URL("../../docs/datasets.md", import.meta.url), "utf8");
    const example = /```json\n([\s\S]*?)```/.exec(doc)![1]!;
    const { rows, report } = await ingestAll("jsonl", tempFile("example.jsonl", example));
    expect(report.skipped).toBe(0);
    expect(rows.map((r) => [r.answer, r.answer_type, r.level])).toEqual([
      ["40", "numeric", 2],
      ["B", "choice", 3],
    ]);
    expect(rows[0]!.reasoning).toBe("<think>\n60 / 1.5 = 40\n</think>\n\nThe answer is \\boxed{40}.");
  });
});
