import { describe, expect, it } from "vitest";
import {
  generateArithmetic,
  sftExampleFromProblem,
  sftExamplesFromProblems,
} from "../../functions/ingest/index.ts";
import { sftExamples } from "../../schemas/tables/sft-examples.ts";
import { ingestAll } from "./data.ts";

describe("sftExamplesFromProblems", () => {
  it("turns every GSM8K test problem into a reference example", async () => {
    const { rows } = await ingestAll("gsm8k", "gsm8k/test.jsonl");
    const examples = [...sftExamplesFromProblems(rows)];
    expect(examples).toHaveLength(1319);
    for (const e of examples) sftExamples.row.parse(e);
    expect(examples[0]).toEqual({
      id: "gsm8k/test/0#reference",
      problem_id: "gsm8k/test/0",
      source: "gsm8k",
      level: rows[0]!.level,
      prompt: rows[0]!.question,
      completion: rows[0]!.reasoning,
      origin: "reference",
    });
  });

  it("passes over problems without a reasoning path", async () => {
    const { rows } = await ingestAll("proofwriter", "proofwriter/dev.jsonl", { limit: 10 });
    expect([...sftExamplesFromProblems(rows)]).toEqual([]);
    const arithmetic = [...generateArithmetic({ count: 5, seed: 1 })];
    expect(arithmetic.map(sftExampleFromProblem).every((e) => e?.origin === "reference")).toBe(true);
  });
});
