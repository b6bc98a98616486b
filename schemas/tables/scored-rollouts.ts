import { z } from "zod";
import { defineTable } from "./define.ts";
import { rolloutColumns, rolloutShape } from "./rollouts.ts";

export const scoredRollouts = defineTable(
  "scored_rollouts",
  "Rollouts with each reward component, the total reward and the group-relative advantages.",
  z.strictObject({
    ...rolloutShape,
    extracted_answer: z.string().nullable(),
    correct: z.boolean(),
    reward_accuracy: z.number(),
    reward_format: z.number(),
    reward_language: z.number(),
    reward_length: z.number(),
    reward_repetition: z.number(),
    reward_model: z.number(),
    reward_total: z.number(),
    step_rewards: z.array(z.number()),
    advantage: z.number(),
    token_advantages: z.array(z.number()).nullable(),
  }),
  {
    ...rolloutColumns,
    extracted_answer: { type: "utf8", nullable: true, doc: "Final answer the verifier extracted" },
    correct: { type: "bool", doc: "Verified equal to the reference answer" },
    reward_accuracy: { type: "float32", doc: "1 if correct else 0 (R1 accuracy reward)" },
    reward_format: { type: "float32", doc: "1 if one <think> block precedes a non-empty answer" },
    reward_language: { type: "float32", doc: "Share of the chain of thought in the target language" },
    reward_length: { type: "float32", doc: "Length penalty (≤ 0), 0 when off" },
    reward_repetition: { type: "float32", doc: "n-gram repetition penalty (≤ 0), 0 when off" },
    reward_model: { type: "float32", doc: "Reward-model score (0 when none)" },
    reward_total: { type: "float32", doc: "Weighted sum of the components" },
    step_rewards: {
      type: "list<float32>",
      doc: "Reward per step (rule-checked or process RM), may be empty",
    },
    advantage: { type: "float32", doc: "Outcome advantage (r − mean)/(std + ε) over the group" },
    token_advantages: {
      type: "list<float32>",
      nullable: true,
      doc: "Process-supervision advantage per completion token (DeepSeekMath), when step rewards exist",
    },
  },
);
