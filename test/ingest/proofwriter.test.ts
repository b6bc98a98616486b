import { describe, expect, it } from "vitest";
import { parseProofwriter, proofwriterLevel } from "../../functions/ingest/index.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { countBy, ingestAll } from "./data.ts";

// Levels by context sentences (≤15, ≤17, ≤19, ≤21, more); the counts are in docs/datasets.md.
const LEVELS = {
  train: { 1: 511, 2: 498, 3: 759, 4: 711, 5: 521 },
  dev: { 1: 104, 2: 132, 3: 127, 4: 153, 5: 84 },
  test: { 1: 86, 2: 147, 3: 153, 4: 99, 5: 115 },
};

describe("proofwriter files", () => {
  it.each([
    ["train", 3000],
    ["dev", 600],
    ["test", 600],
  ] as const)("%s: %i rows, balanced labels, families as subjects", async (split, count) => {
    const { rows, report } = await ingestAll("proofwriter", `proofwriter/${split}.jsonl`);
    expect(rows).toHaveLength(count);
    expect(report).toMatchObject({ split, skipped: 0, levels: LEVELS[split] });
    expect(countBy(rows, (r) => r.answer)).toEqual({ True: count / 3, False: count / 3, Unknown: count / 3 });
    expect(Object.keys(countBy(rows, (r) => r.subject ?? "")).sort()).toEqual([
      "AttNeg",
      "AttNoneg",
      "RelNeg",
      "RelNoneg",
    ]);
    for (const r of rows) {
      problems.row.parse(r);
      expect(r).toMatchObject({
        answer_type: "label",
        choices: ["True", "False", "Unknown"],
        reasoning: null,
      });
    }
  });
});

describe("parseProofwriter", () => {
  const at = { split: "test", index: 0 };
  const rec = {
    id: "ProofWriter_RelNeg-OWA-D5-136_Q1",
    context: "The bear visits the lion. If something visits the lion then it is young.",
    question:
      "Based on the above information, is the following statement true, false, or unknown? The bear is young.",
    options: ["A) True", "B) False", "C) Unknown"],
    answer: "A",
  };

  it("maps the letter through the options and keeps the id", () => {
    expect(parseProofwriter(rec, at)).toMatchObject({
      id: rec.id,
      answer: "True",
      subject: "RelNeg",
      level: 1,
      question: `${rec.context}\n\n${rec.question}`,
    });
    expect(parseProofwriter({ ...rec, answer: "C" }, at).answer).toBe("Unknown");
    expect(() => parseProofwriter({ ...rec, answer: "D" }, at)).toThrow(
      /answer "D" names none of the options/,
    );
  });

  it("bins the number of sentences", () => {
    const ctx = (n: number) => Array.from({ length: n }, (_, i) => `Fact ${i}.`).join(" ");
    expect([12, 15, 16, 17, 18, 19, 20, 21, 22, 25].map((n) => proofwriterLevel(ctx(n)))).toEqual([
      1, 1, 2, 2, 3, 3, 4, 4, 5, 5,
    ]);
  });
});
