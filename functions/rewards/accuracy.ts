/** R1's accuracy reward (DeepSeek-AI 2025, §2.2.2): the final answer, verified against the reference. */
import type { AnswerType } from "../../schemas/index.ts";
import { verify } from "../verify/index.ts";

/** The fields of a problem (or a rollout, which copies them) that the verifier needs. */
export interface AnswerKey {
  answer: string;
  answer_type: AnswerType;
  choices: readonly string[];
}

export interface AccuracyResult {
  reward: 0 | 1;
  /** The final answer the verifier extracted from the completion, null when none. */
  extracted: string | null;
  correct: boolean;
}

/**
 * 1 when the final answer extracted from `completion` is equivalent to `problem.answer`, else 0.
 * Extraction and comparison are the verifier's (`functions/verify`); it never throws, and a
 * comparison that runs past `timeBudgetMs` counts as wrong.
 *
 * @example accuracyReward("<think>6·7</think> \\boxed{42}", { answer: "42", answer_type: "numeric", choices: [] })
 *   // { reward: 1, extracted: "42", correct: true }
 */
export function accuracyReward(
  completion: string,
  problem: AnswerKey,
  timeBudgetMs?: number,
): AccuracyResult {
  const opts: Parameters<typeof verify>[2] = {
    answerType: problem.answer_type,
    choices: [...problem.choices],
  };
  if (timeBudgetMs !== undefined) opts.timeBudgetMs = timeBudgetMs;
  const result = verify(problem.answer, completion, opts);
  return { reward: result.equivalent ? 1 : 0, extracted: result.extracted, correct: result.equivalent };
}
