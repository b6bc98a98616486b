import { z } from "zod";
import { AnswerType, DatasetSource, Level } from "../common.ts";
import { defineTable } from "./define.ts";

export const problems = defineTable(
  "problems",
  "One row per problem with its verifiable reference answer; the output of ingest.",
  z.strictObject({
    id: z.string().min(1),
    source: DatasetSource,
    split: z.string().min(1),
    question: z.string().min(1),
    answer: z.string(),
    answer_type: AnswerType,
    choices: z.array(z.string()),
    level: Level,
    reasoning: z.string().nullable(),
    subject: z.string().nullable(),
  }),
  {
    id: { type: "utf8", doc: "Stable id, `<source>/<split>/<n>` unless the source has its own" },
    source: { type: "dict<utf8>", doc: "Data set the row came from" },
    split: { type: "dict<utf8>", doc: "train, test, eval, dev …" },
    question: { type: "utf8", doc: "The prompt text, with context and options inlined" },
    answer: { type: "utf8", doc: "Reference final answer (a number, LaTeX, a letter or a label)" },
    answer_type: { type: "dict<utf8>", doc: "numeric | math | choice | label: picks the verifier" },
    choices: { type: "list<utf8>", doc: "Option texts for choice/label problems, else empty" },
    level: { type: "int8", doc: "Difficulty 1–5 (MATH's own level, else the rule in docs/datasets.md)" },
    reasoning: {
      type: "utf8",
      nullable: true,
      doc: "Reference reasoning path as `<think>…</think>` + final answer, where the source has one",
    },
    subject: {
      type: "dict<utf8>",
      nullable: true,
      doc: "Subject or family (MATH subject, ProofWriter family)",
    },
  },
);
