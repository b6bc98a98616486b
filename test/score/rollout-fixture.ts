/** A valid `rollouts` row for tests, with the given fields replaced. */
import { type Row, rollouts } from "../../schemas/index.ts";

export type RolloutRow = Row<typeof rollouts>;

export const RIGHT = "<think>6 * 7 = 42</think> The answer is \\boxed{42}.";
export const WRONG = "<think>6 * 7 = 41</think> The answer is \\boxed{41}.";

export function rollout(over: Partial<RolloutRow> & { group_id: string; sample_index: number }): RolloutRow {
  const completion = over.completion ?? RIGHT;
  const nTokens = over.completion_token_ids?.length ?? 12;
  return rollouts.row.parse({
    id: `${over.group_id}/${over.sample_index}`,
    problem_id: `arithmetic/train/${over.group_id}`,
    policy_version: 0,
    level: 1,
    answer: "42",
    answer_type: "numeric",
    choices: [],
    prompt: "What is 6 * 7?",
    prompt_token_ids: [1, 2, 3],
    completion_token_ids: Array.from({ length: nTokens }, (_, i) => 100 + i),
    logprobs: Array.from({ length: nTokens }, () => -0.5),
    finish_reason: "stop",
    rm_score: null,
    rm_step_scores: null,
    step_token_ends: null,
    ...over,
    completion,
  });
}
