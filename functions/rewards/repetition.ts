/**
 * n-gram repetition penalty (Yeo et al. 2025, "Demystifying Long Chain-of-Thought Reasoning", §5;
 * TRL's `get_repetition_penalty_reward`).
 */

/**
 * Share of the word n-grams of `text` that repeat an earlier one: 1 − unique / total, over the
 * lower-cased, whitespace-split words. 0 when the text has fewer than n words.
 *
 * @example repeatedNgramShare("a b a b a b", 2) // 0.6  (5 bigrams, 2 unique: "a b", "b a")
 */
export function repeatedNgramShare(text: string, n: number): number {
  const words = text
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== "");
  const total = words.length - n + 1;
  if (n < 1 || total <= 0) return 0;
  const seen = new Set<string>();
  for (let i = 0; i < total; i++) {
    let key = words[i] as string;
    for (let j = 1; j < n; j++) key += `\u0000${words[i + j]}`;
    seen.add(key);
  }
  return 1 - seen.size / total;
}

/**
 * Minus the share of repeated n-grams: 0 for text without repeats, towards −1 for text that loops.
 * TRL scales the same share by a `max_penalty`; here the reward weight does that.
 *
 * @example repetitionPenalty("a b a b a b", 2) // −0.6
 * @example repetitionPenalty("the cat sat on the mat", 2) // 0
 */
export function repetitionPenalty(text: string, n: number): number {
  const share = repeatedNgramShare(text, n);
  return share === 0 ? 0 : -share;
}
