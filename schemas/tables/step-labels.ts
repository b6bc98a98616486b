import { z } from "zod";
import { defineTable } from "./define.ts";

export const stepLabels = defineTable(
  "step_labels",
  "A solution split into steps with a label per step (PRM800K: −1 bad, 0 neutral, +1 good).",
  z.strictObject({
    id: z.string().min(1),
    problem_id: z.string().min(1),
    prompt: z.string().min(1),
    steps: z.array(z.string()),
    labels: z.array(z.number().int().min(-1).max(1)),
    origin: z.enum(["human", "auto", "rule"]),
  }),
  {
    id: { type: "utf8", doc: "Record id" },
    problem_id: { type: "utf8", doc: "Problem the solution answers" },
    prompt: { type: "utf8", doc: "Prompt text" },
    steps: { type: "list<utf8>", doc: "Solution steps in order" },
    labels: { type: "list<int8>", doc: "One label per step: −1, 0 or +1" },
    origin: {
      type: "dict<utf8>",
      doc: "human (PRM800K) | auto (Math-Shepherd completions) | rule (checked arithmetic)",
    },
  },
);
