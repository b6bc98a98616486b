/**
 * Group-relative advantages of GRPO (DeepSeekMath, Shao et al. 2024, §4.1.2 outcome and §4.1.3
 * process supervision). The same arithmetic as the worker's `r1worker/algos/advantages.py`
 * (`grpo_outcome`, `grpo_process`): population std, ε added to it, ε = 1e-6 by default.
 */

export type AdvantageNorm = "std" | "none";

export const DEFAULT_EPS = 1e-6;

/** Mean and population std (divide by n) of `values`; both 0 for an empty list. */
export function meanStd(values: readonly number[]): { mean: number; std: number } {
  const n = values.length;
  if (n === 0) return { mean: 0, std: 0 };
  let sum = 0;
  for (const v of values) sum += v;
  const mean = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(sq / n) };
}

/**
 * Outcome advantages of one group [G] from its rewards [G]:
 *   A_i = (r_i − mean(r)) / (std(r) + ε)   GRPO ("std")
 *   A_i =  r_i − mean(r)                  Dr. GRPO, Liu et al. 2025 §3 ("none")
 *
 * @example outcomeAdvantages([1, 0, 0, 1], "std") // ≈ [1, −1, −1, 1] (mean 0.5, std 0.5)
 */
export function outcomeAdvantages(
  rewards: readonly number[],
  norm: AdvantageNorm,
  eps: number = DEFAULT_EPS,
): number[] {
  const { mean, std } = meanStd(rewards);
  const scale = norm === "std" ? 1 / (std + eps) : 1;
  return rewards.map((r) => (r - mean) * scale);
}

/** One completion's steps for process supervision: a reward and a last-token index per step. */
export interface ProcessSample {
  /** [K] step rewards. */
  stepRewards: readonly number[];
  /** [K] index (0-based, inclusive) of the last completion token of each step, in [0, nTokens). */
  stepEnds: readonly number[];
  /** T, the number of completion tokens. */
  nTokens: number;
}

/**
 * Process-supervision advantages of one group, one [T_i] array per sample. Every step reward is
 * normalised by the mean and population std of all step rewards of the group,
 * r̃ = (r − mean) / (std + ε) (or r − mean for "none"), and a token's advantage is the sum of the
 * normalised rewards of the steps that end at or after it: A_t = Σ_{j : end_j ≥ t} r̃_j.
 * Tokens after the last step end get 0.
 *
 * @example processAdvantages([{ stepRewards: [1], stepEnds: [1], nTokens: 3 },
 *   { stepRewards: [0], stepEnds: [0], nTokens: 1 }], "none") // [[0.5, 0.5, 0], [−0.5]]
 */
export function processAdvantages(
  group: readonly ProcessSample[],
  norm: AdvantageNorm,
  eps: number = DEFAULT_EPS,
): number[][] {
  const all: number[] = [];
  for (const s of group) for (const r of s.stepRewards) all.push(r);
  const { mean, std } = meanStd(all);
  const scale = norm === "std" ? 1 / (std + eps) : 1;
  return group.map((s) => {
    const perToken = new Array<number>(s.nTokens).fill(0);
    s.stepRewards.forEach((r, j) => {
      const end = s.stepEnds[j];
      if (end === undefined || end < 0 || end >= s.nTokens) {
        throw new RangeError(`step ${j} ends at token ${end}, outside [0, ${s.nTokens})`);
      }
      perToken[end] = (perToken[end] ?? 0) + (r - mean) * scale;
    });
    for (let t = s.nTokens - 2; t >= 0; t--) perToken[t] = (perToken[t] ?? 0) + (perToken[t + 1] ?? 0);
    return perToken;
  });
}

/**
 * The completion token holding character offset `end − 1` (a step ending just before `end`), when
 * the tokenizer's offsets are unknown: characters are spread evenly over the tokens, so the step
 * ends at token ⌈end / nChars · nTokens⌉ − 1, clamped to [0, nTokens).
 *
 * @example charEndToToken(50, 100, 10) // 4 (half the characters → the 5th of 10 tokens)
 */
export function charEndToToken(end: number, nChars: number, nTokens: number): number {
  if (nTokens <= 0) return -1;
  if (nChars <= 0) return nTokens - 1;
  const t = Math.ceil((end / nChars) * nTokens) - 1;
  return Math.min(nTokens - 1, Math.max(0, t));
}
