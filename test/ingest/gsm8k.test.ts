import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  checkArithmeticStep,
  gsm8kLevel,
  parseGsm8k,
  stripAnnotations,
} from "../../functions/ingest/index.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { countBy, DATA, ingestAll } from "./data.ts";

// SOURCE.md's "lines before ####" proxy, mapped 2→1, 3→2, 4→3, 5→4, ≥6→5.
const LEVELS = {
  train: { 1: 1960, 2: 2149, 3: 1660, 4: 954, 5: 419 + 228 + 90 + 13 },
  test: { 1: 326, 2: 370, 3: 298, 4: 174, 5: 88 + 40 + 20 + 2 + 1 },
};

describe("gsm8k files", () => {
  it.each([
    ["train", 7473],
    ["test", 1319],
  ] as const)("%s: every row, valid, levels by the documented rule", async (split, count) => {
    const { rows, report } = await ingestAll("gsm8k", `gsm8k/${split}.jsonl`);
    expect(rows).toHaveLength(count);
    expect(report).toMatchObject({ rows: count, skipped: 0, badRows: [], levels: LEVELS[split] });
    expect(countBy(rows, (r) => r.level)).toEqual(LEVELS[split]);
    for (const row of rows) {
      problems.row.parse(row);
      expect(row.answer).toMatch(/^-?\d+$/);
      expect(row.reasoning).not.toContain("<<");
      expect(row.reasoning?.endsWith(`The answer is \\boxed{${row.answer}}.`)).toBe(true);
    }
    expect(new Set(rows.map((r) => r.id)).size).toBe(count);
    expect(rows[0]).toMatchObject({ id: `gsm8k/${split}/0`, split, answer_type: "numeric", choices: [] });
  });

  it("strips thousands commas from answers (79 train rows carry them)", async () => {
    const { rows } = await ingestAll("gsm8k", "gsm8k/train.jsonl");
    expect(rows.filter((r) => r.answer.startsWith("-"))).toHaveLength(3);
    expect(rows.some((r) => r.answer.includes(","))).toBe(false);
  });
});

describe("parseGsm8k", () => {
  const at = { split: "train", index: 4 };

  it("reads the first train row into the think format", () => {
    const row = parseGsm8k(
      {
        question: "Natalia sold clips ...",
        answer:
          "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
      },
      at,
    );
    expect(row.reasoning).toBe(
      "<think>\nNatalia sold 48/2 = 24 clips in May.\nNatalia sold 48+24 = 72 clips altogether in April and May.\n</think>\n\nThe answer is \\boxed{72}.",
    );
    expect(row).toMatchObject({ id: "gsm8k/train/4", answer: "72", level: 1 });
  });

  it("strips commas, keeps the sign, refuses a missing or non-numeric final line", () => {
    const q = { question: "q" };
    expect(parseGsm8k({ ...q, answer: "a\nb\nc\n#### 1,080" }, at).answer).toBe("1080");
    expect(parseGsm8k({ ...q, answer: "a\nb\n#### -3" }, at).answer).toBe("-3");
    expect(() => parseGsm8k({ ...q, answer: "a\nb" }, at)).toThrow(/no final "#### <number>"/);
    expect(() => parseGsm8k({ ...q, answer: "a\n#### ten" }, at)).toThrow(/unparseable final answer "ten"/);
    expect(() => parseGsm8k({ answer: "#### 1" }, at)).toThrow(/missing field "question"/);
  });

  it("maps reasoning lines to levels: ≤2→1, 3→2, 4→3, 5→4, ≥6→5", () => {
    expect([1, 2, 3, 4, 5, 6, 9, 11].map(gsm8kLevel)).toEqual([1, 1, 2, 3, 4, 5, 5, 5]);
  });

  it("removes calculator annotations; the annotations themselves are rule-checkable steps", () => {
    expect(stripAnnotations("48/2 = <<48/2=24>>24 clips")).toBe("48/2 = 24 clips");
    expect(checkArithmeticStep("<<48/2=24>>")).toBe(true);
    expect(checkArithmeticStep("<<48/2=25>>")).toBe(false);
  });
});

describe("gsm8k calculator annotations", () => {
  it("every train annotation is a true step or not an arithmetic step (none is wrong)", () => {
    const text = readFileSync(path.join(DATA, "gsm8k/train.jsonl"), "utf8");
    const checks = countBy([...text.matchAll(/<<[^<>]*>>/g)], (m) => String(checkArithmeticStep(m[0])));
    // The non-steps are bare restatements (`<<55=55>>`) and garbled ones.
    expect(checks).toEqual({ true: 23357, null: 359 });
  });
});
