/** R1's format reward (DeepSeek-AI 2025, §2.2.2): the reasoning sits in one `<think>` block. */
import { THINK_CLOSE, THINK_OPEN } from "./think.ts";

/**
 * 1 when `completion` is one `<think>…</think>` block followed by a non-empty final answer, else 0.
 *
 * The block must open the completion (leading whitespace aside, as TRL's `think_format_reward`
 * requires), `<think>` and `</think>` must each occur exactly once and in that order, and some
 * non-blank text must follow `</think>`. An empty thought is allowed.
 *
 * @example formatReward("<think>2 + 2 = 4</think> \\boxed{4}") // 1
 * @example formatReward("<think>a</think><think>b</think> 4") // 0 (repeated)
 * @example formatReward("</think> 4 <think>") // 0 (wrong order)
 * @example formatReward("<think>2 + 2 = 4</think>") // 0 (no final answer)
 */
export function formatReward(completion: string): 0 | 1 {
  const open = completion.indexOf(THINK_OPEN);
  if (open < 0 || completion.slice(0, open).trim() !== "") return 0;
  if (completion.indexOf(THINK_OPEN, open + 1) >= 0) return 0;
  const close = completion.indexOf(THINK_CLOSE);
  if (close < open + THINK_OPEN.length) return 0;
  if (completion.indexOf(THINK_CLOSE, close + 1) >= 0) return 0;
  return completion.slice(close + THINK_CLOSE.length).trim() === "" ? 0 : 1;
}
