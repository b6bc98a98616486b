import { z } from "zod";
import { AnswerType, FinishReason, Level } from "../common.ts";
import { defineTable } from "./define.ts";

/**
 * Columns every rollout carries. The problem's answer is copied onto each row so a
 * shard can be scored on its own inside a Distributed Map, with no join.
 */
export const rolloutShape = {
  id: z.string().min(1),
  problem_id: z.string().min(1),
  group_id: z.string().min(1),
  sample_index: z.number().int().min(0),
  policy_version: z.number().int().min(0),
  level: Level,
  answer: z.string(),
  answer_type: AnswerType,
  choices: z.array(z.string()),
  prompt: z.string(),
  completion: z.string(),
  prompt_token_ids: z.array(z.number().int()),
  completion_token_ids: z.array(z.number().int()),
  logprobs: z.array(z.number()),
  finish_reason: FinishReason,
  rm_score: z.number().nullable(),
  rm_step_scores: z.array(z.number()).nullable(),
  step_token_ends: z.array(z.number().int()).nullable(),
};

export const rolloutColumns = {
  id: { type: "utf8", doc: "Rollout id, `<group_id>/<sample_index>`" },
  problem_id: { type: "utf8", doc: "The problem that was prompted" },
  group_id: { type: "utf8", doc: "One group = the G samples of one prompt in one iteration" },
  sample_index: { type: "int32", doc: "0 … G−1 within the group" },
  policy_version: { type: "int32", doc: "Policy iteration that sampled it (0 = after SFT)" },
  level: { type: "int8", doc: "Curriculum level of the problem" },
  answer: { type: "utf8", doc: "Reference answer of the problem" },
  answer_type: { type: "dict<utf8>", doc: "Verifier to use" },
  choices: { type: "list<utf8>", doc: "Options, for choice/label problems" },
  prompt: {
    type: "utf8",
    doc: "The user turn (the question); prompt_token_ids hold the rendered chat prompt",
  },
  completion: { type: "utf8", doc: "Decoded completion" },
  prompt_token_ids: { type: "list<int32>", doc: "Token ids of the chat prompt as the model saw it" },
  completion_token_ids: { type: "list<int32>", doc: "Completion token ids" },
  logprobs: { type: "list<float32>", doc: "Sampling policy log-prob of each completion token" },
  finish_reason: { type: "dict<utf8>", doc: "stop | length (truncated)" },
  rm_score: { type: "float32", nullable: true, doc: "Outcome reward-model score, when one is configured" },
  rm_step_scores: { type: "list<float32>", nullable: true, doc: "Process reward per step, when configured" },
  step_token_ends: {
    type: "list<int32>",
    nullable: true,
    doc: "Index of the last completion token of each step (steps split on newlines)",
  },
} as const;

export const rollouts = defineTable(
  "rollouts",
  "G sampled completions per prompt, with token ids and the sampling policy's log-probs.",
  z.strictObject(rolloutShape),
  rolloutColumns,
);
