import { z } from "zod";
import { AnswerType, Level } from "../common.ts";
import { defineTable } from "./define.ts";

export const evalRecords = defineTable(
  "eval_records",
  "k sampled answers per benchmark problem for one checkpoint, each verified.",
  z.strictObject({
    problem_id: z.string().min(1),
    benchmark: z.string().min(1),
    checkpoint: z.string().min(1),
    level: Level,
    sample_index: z.number().int().min(0),
    answer: z.string(),
    answer_type: AnswerType,
    completion: z.string(),
    extracted_answer: z.string().nullable(),
    correct: z.boolean(),
  }),
  {
    problem_id: { type: "utf8", doc: "Problem id" },
    benchmark: { type: "dict<utf8>", doc: "Benchmark name (source/split)" },
    checkpoint: { type: "dict<utf8>", doc: "Which model answered, e.g. base, sft, final" },
    level: { type: "int8", doc: "Difficulty level" },
    sample_index: { type: "int32", doc: "0 … k−1" },
    answer: { type: "utf8", doc: "Reference answer" },
    answer_type: { type: "dict<utf8>", doc: "Verifier used" },
    completion: { type: "utf8", doc: "Model output" },
    extracted_answer: { type: "utf8", nullable: true, doc: "Answer extracted from the output" },
    correct: { type: "bool", doc: "Verified equal to the reference" },
  },
);
