import { z } from "zod";
import { DatasetSource, Level } from "../common.ts";
import { defineTable } from "./define.ts";

export const SFT_ORIGINS = ["reference", "rejection", "distill"] as const;

export const sftExamples = defineTable(
  "sft_examples",
  "Prompt/completion pairs for supervised fine-tuning; loss is taken on the completion only.",
  z.strictObject({
    id: z.string().min(1),
    problem_id: z.string().min(1),
    source: DatasetSource,
    level: Level,
    prompt: z.string().min(1),
    completion: z.string().min(1),
    origin: z.enum(SFT_ORIGINS),
  }),
  {
    id: { type: "utf8", doc: "Example id" },
    problem_id: { type: "utf8", doc: "The problem it answers" },
    source: { type: "dict<utf8>", doc: "Data set of the problem" },
    level: { type: "int8", doc: "Curriculum level; SFT visits levels in ascending order" },
    prompt: { type: "utf8", doc: "The user turn (the question)" },
    completion: { type: "utf8", doc: "`<think>…</think>` followed by the final answer" },
    origin: { type: "dict<utf8>", doc: "reference (from the data set) | rejection (sampled) | distill" },
  },
);
