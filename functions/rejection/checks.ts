/** The quality checks of R1's rejection sampling (DeepSeek-AI 2025, §2.3.3), one drop reason each. */
import type { z } from "zod";
import type { RejectionSettings } from "../../schemas/index.ts";
import {
  type AnswerKey,
  accuracyReward,
  formatReward,
  languageReward,
  repeatedNgramShare,
  type TargetLanguage,
} from "../rewards/index.ts";

export type RejectionSettingsT = z.output<typeof RejectionSettings>;

/** Why a sample was not kept; each input row is counted once, under its first failing check. */
export const DROP_REASONS = [
  "too_long",
  "format",
  "code_block",
  "incorrect",
  "language",
  "repetition",
  "duplicate",
  "over_keep",
] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** A sampled (or scored) rollout: `correct` is taken as is when present, else verified here. */
export interface RejectionCandidate extends AnswerKey {
  id: string;
  problem_id: string;
  level: number;
  prompt: string;
  completion: string;
  completion_token_ids: readonly number[];
  rm_score: number | null;
  correct?: boolean;
}

const FENCE = "```";

/**
 * The first check `row` fails, in the order below (cheap checks first), or null when it passes:
 * too_long (more than maxTokens completion tokens), format (format reward 0), code_block (a ```
 * fence in the completion when the prompt has none, with dropCodeBlocks), incorrect (not verified
 * equal to the reference), language (languageReward < minLanguageShare), repetition (repeated
 * n-gram share > maxRepetition).
 *
 * @example rejectionCheck({ ...row, completion: "<think>x</think>" }, settings, "en") // "format"
 */
export function rejectionCheck(
  row: RejectionCandidate,
  settings: RejectionSettingsT,
  target: TargetLanguage,
  verifyBudgetMs?: number,
): DropReason | null {
  if (row.completion_token_ids.length > settings.maxTokens) return "too_long";
  if (formatReward(row.completion) !== 1) return "format";
  if (settings.dropCodeBlocks && row.completion.includes(FENCE) && !row.prompt.includes(FENCE))
    return "code_block";
  const correct = row.correct ?? accuracyReward(row.completion, row, verifyBudgetMs).correct;
  if (!correct) return "incorrect";
  if (languageReward(row.completion, target) < settings.minLanguageShare) return "language";
  if (repeatedNgramShare(row.completion, settings.repetitionNgram) > settings.maxRepetition)
    return "repetition";
  return null;
}
