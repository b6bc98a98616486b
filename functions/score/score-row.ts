/** The reward components of one rollout, and the steps its process advantages are built from. */
import type { Row, rollouts, scoredRollouts } from "../../schemas/index.ts";
import {
  accuracyReward,
  formatReward,
  languageReward,
  lengthPenalty,
  meanStepReward,
  type RewardWeightsT,
  repetitionPenalty,
  type StepChecker,
  stepRewards,
  totalReward,
} from "../rewards/index.ts";
import { type AdvantageNorm, charEndToToken, type ProcessSample } from "./advantages.ts";

export type RolloutRow = Row<typeof rollouts>;
export type ScoredRolloutRow = Row<typeof scoredRollouts>;

export interface ScoreOptions {
  weights: RewardWeightsT;
  /** std: GRPO; none: Dr. GRPO. */
  advantageNorm: AdvantageNorm;
  /** outcome: one advantage per completion; process: `token_advantages` from step rewards too. */
  advantage: "outcome" | "process";
  /** Added to the group std; 1e-6 as in the worker. */
  eps?: number;
  /** Rule checker for step rewards (the ingest arithmetic checker); steps are unchecked (0) without. */
  checkStep?: StepChecker;
  /**
   * G: a group is scored as soon as it holds this many rows; without it, groups wait for the end.
   * With it, a group still short of G rows at the end is an error: its advantages would be wrong.
   */
  groupSize?: number;
  /** Where the rows come from (a shard URI), named in errors. */
  source?: string;
  /** Per-comparison budget of the verifier (its default when unset). */
  verifyBudgetMs?: number;
}

/** A rollout with every reward but no advantage yet, and its process-supervision steps. */
export interface RewardedRollout {
  row: ScoredRolloutRow;
  steps: ProcessSample | null;
  /** The steps component of the total (mean rule-checked step reward). */
  stepsComponent: number;
}

/**
 * Rewards one rollout. The steps for process advantages are the process reward model's
 * (`rm_step_scores` at `step_token_ends`) when the rollout has both with equal lengths; else the
 * rule-checked steps of the chain of thought, ending at `step_token_ends` when it has one entry per
 * step, else at the token the step's last character falls in when characters are spread evenly over
 * the completion tokens (`charEndToToken`).
 */
export function rewardRollout(row: RolloutRow, opts: ScoreOptions): RewardedRollout {
  const w = opts.weights;
  const acc = accuracyReward(row.completion, row, opts.verifyBudgetMs);
  const nTokens = row.completion_token_ids.length;
  const wantSteps = opts.advantage === "process" || w.steps > 0 || opts.checkStep !== undefined;
  const rule = wantSteps ? stepRewards(row.completion, opts.checkStep) : null;
  const components = {
    accuracy: acc.reward,
    format: formatReward(row.completion),
    language: languageReward(row.completion, w.targetLanguage),
    length: w.length > 0 ? lengthPenalty(nTokens, w.lengthTarget) : 0,
    repetition: w.repetition > 0 ? repetitionPenalty(row.completion, w.repetitionNgram) : 0,
    rewardModel: row.rm_score ?? 0,
    steps: rule ? meanStepReward(rule.rewards) : 0,
  };
  // Listed field by field, not spread: one hidden class for every row (a spread object is several times slower).
  const scored: ScoredRolloutRow = {
    id: row.id,
    problem_id: row.problem_id,
    group_id: row.group_id,
    sample_index: row.sample_index,
    policy_version: row.policy_version,
    level: row.level,
    answer: row.answer,
    answer_type: row.answer_type,
    choices: row.choices,
    prompt: row.prompt,
    completion: row.completion,
    prompt_token_ids: row.prompt_token_ids,
    completion_token_ids: row.completion_token_ids,
    logprobs: row.logprobs,
    finish_reason: row.finish_reason,
    rm_score: row.rm_score,
    rm_step_scores: row.rm_step_scores,
    step_token_ends: row.step_token_ends,
    extracted_answer: acc.extracted,
    correct: acc.correct,
    reward_accuracy: components.accuracy,
    reward_format: components.format,
    reward_language: components.language,
    reward_length: components.length,
    reward_repetition: components.repetition,
    reward_model: components.rewardModel,
    reward_total: totalReward(components, w),
    step_rewards: row.rm_step_scores ?? rule?.rewards ?? [],
    advantage: 0,
    token_advantages: null,
  };
  const steps = opts.advantage === "process" ? processSteps(row, rule, nTokens) : null;
  return { row: scored, steps, stepsComponent: components.steps };
}

function processSteps(
  row: RolloutRow,
  rule: { rewards: number[]; ends: number[] } | null,
  nTokens: number,
): ProcessSample {
  const tokenEnds = row.step_token_ends;
  let sample: ProcessSample;
  if (row.rm_step_scores && tokenEnds && tokenEnds.length === row.rm_step_scores.length) {
    sample = { stepRewards: row.rm_step_scores, stepEnds: tokenEnds, nTokens };
  } else if (rule && nTokens > 0) {
    const ends =
      tokenEnds && tokenEnds.length === rule.ends.length
        ? tokenEnds
        : rule.ends.map((end) => charEndToToken(end, row.completion.length, nTokens));
    sample = { stepRewards: rule.rewards, stepEnds: ends, nTokens };
  } else {
    sample = { stepRewards: [], stepEnds: [], nTokens };
  }
  for (const end of sample.stepEnds) {
    if (!Number.isInteger(end) || end < 0 || end >= nTokens) {
      throw new RangeError(
        `rollout "${row.id}": step_token_ends holds ${end}, expected an index in [0, ${nTokens}) ` +
          "(the completion has that many tokens)",
      );
    }
  }
  return sample;
}
