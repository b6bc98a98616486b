import { z } from "zod";
import { defineTable } from "./define.ts";

export const preferencePairs = defineTable(
  "preference_pairs",
  "Two completions for one prompt, the chosen one better; trains the Bradley–Terry reward model.",
  z.strictObject({
    id: z.string().min(1),
    problem_id: z.string().min(1),
    prompt: z.string().min(1),
    chosen: z.string().min(1),
    rejected: z.string().min(1),
    margin: z.number().min(0),
    origin: z.enum(["verified", "given"]),
  }),
  {
    id: { type: "utf8", doc: "Pair id" },
    problem_id: { type: "utf8", doc: "Problem both completions answer" },
    prompt: { type: "utf8", doc: "Prompt text" },
    chosen: { type: "utf8", doc: "Preferred completion (e.g. verified correct)" },
    rejected: { type: "utf8", doc: "Dispreferred completion" },
    margin: { type: "float32", doc: "Margin m in −log σ(r_c − r_r − m); 0 for plain Bradley–Terry" },
    origin: { type: "dict<utf8>", doc: "verified (correct vs incorrect rollouts) | given (from a data set)" },
  },
);
