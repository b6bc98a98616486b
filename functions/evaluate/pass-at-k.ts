/** The unbiased pass@k estimator (Chen et al. 2021, "Evaluating Large Language Models Trained on Code", §2.1). */

/**
 * Probability that at least one of k samples drawn without replacement from n, of which c are
 * correct, is correct: 1 − C(n−c, k) / C(n, k), computed as the product
 * 1 − Π_{i=n−c+1}^{n} (1 − k / i), which never forms a large binomial coefficient.
 *
 * @example passAtK(4, 1, 2) // 0.5   (1 − C(3,2)/C(4,2) = 1 − 3/6)
 * @example passAtK(10, 0, 5) // 0
 */
export function passAtK(n: number, c: number, k: number): number {
  if (
    !(Number.isInteger(n) && Number.isInteger(c) && Number.isInteger(k)) ||
    c < 0 ||
    c > n ||
    k < 1 ||
    k > n
  ) {
    throw new RangeError(`pass@k needs integers 0 ≤ c ≤ n and 1 ≤ k ≤ n, got n=${n}, c=${c}, k=${k}`);
  }
  if (n - c < k) return 1;
  let prod = 1;
  for (let i = n - c + 1; i <= n; i++) prod *= 1 - k / i;
  return 1 - prod;
}
