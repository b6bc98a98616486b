/** A soft penalty on over-long completions (DAPO's overlong reward shaping, Yu et al. 2025, eq. 13). */

/**
 * 0 up to `target` tokens, then falling linearly to −1 over the next `window` tokens (default
 * `target`, so −1 at twice the target) and staying at −1 beyond:
 *   penalty = −min(1, max(0, nTokens − target) / window)
 * DAPO writes the same ramp with L_max = target + window and L_cache = window.
 *
 * @example lengthPenalty(3000, 4096) // 0
 * @example lengthPenalty(6144, 4096) // −0.5  ((6144 − 4096) / 4096)
 * @example lengthPenalty(9000, 4096) // −1
 */
export function lengthPenalty(nTokens: number, target: number, window: number = target): number {
  if (nTokens <= target) return 0;
  return -Math.min(1, (nTokens - target) / Math.max(1, window));
}
