/** Rule-checked step rewards: one reward per line of the chain of thought. */
import { chainOfThought } from "./think.ts";

/**
 * Checks one step (a line of reasoning): true when it is a checkable step that is right, false when
 * it is checkable and wrong, null when it cannot be checked (e.g. the arithmetic step checker of
 * ingest, which recomputes `48 / 2 = 24` and GSM8K's `<<48/2=24>>`).
 */
export type StepChecker = (line: string) => boolean | null;

export interface StepRewards {
  /** One reward per step: +1 checked right, −1 checked wrong, 0 not checked. */
  rewards: number[];
  /** Character offset in the completion just past the last non-blank character of each step. */
  ends: number[];
}

/**
 * Splits the chain of thought (see `chainOfThought`) into steps, one per non-blank line, and
 * rewards each with `checkStep`: +1 right, −1 wrong, 0 unchecked (every step is 0 without a
 * checker, so the step count and ends are still known).
 *
 * @example stepRewards("<think>2 + 2 = 4\n4 * 3 = 13</think> 13", arithmeticCheck)
 *   // { rewards: [1, -1], ends: [16, 27] }
 */
export function stepRewards(completion: string, checkStep?: StepChecker): StepRewards {
  const { text, start } = chainOfThought(completion);
  const rewards: number[] = [];
  const ends: number[] = [];
  let lineStart = 0;
  while (lineStart <= text.length) {
    const nl = text.indexOf("\n", lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    const line = text.slice(lineStart, lineEnd);
    const trimmed = line.trimEnd();
    if (trimmed.trim() !== "") {
      const verdict = checkStep ? checkStep(trimmed.trim()) : null;
      rewards.push(verdict === true ? 1 : verdict === false ? -1 : 0);
      ends.push(start + lineStart + trimmed.length);
    }
    lineStart = lineEnd + 1;
  }
  return { rewards, ends };
}

/**
 * The steps component of the total reward: the mean step reward, in [−1, 1] (0 with no steps),
 * so a long chain of thought does not earn more for being long.
 *
 * @example meanStepReward([1, -1, 1, 1]) // 0.5
 */
export function meanStepReward(rewards: readonly number[]): number {
  if (rewards.length === 0) return 0;
  let sum = 0;
  for (const r of rewards) sum += r;
  return sum / rewards.length;
}
