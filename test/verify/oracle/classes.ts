/**
 * Disagreement classes between r1flow and math-verify on generated pairs, for the oracle test and
 * the benchmark: `rewrite/wrapper ours=… math-verify=… by-construction=…` with counts.
 */
import type { Pair } from "./generate.ts";

/** Agreement share and the disagreement classes, largest first, as printable lines. */
export function disagreements(
  pairs: readonly Pair[],
  ours: readonly boolean[],
  peer: readonly boolean[],
): { agreement: number; lines: string[] } {
  const classes = new Map<string, number>();
  let agree = 0;
  pairs.forEach((p, k) => {
    if (ours[k] === peer[k]) {
      agree++;
      return;
    }
    const key = `${p.cls.split("/").slice(1).join("/")} ours=${ours[k]} math-verify=${peer[k]} by-construction=${p.expected}`;
    classes.set(key, (classes.get(key) ?? 0) + 1);
  });
  const lines = [...classes].sort((a, b) => b[1] - a[1]).map(([c, n]) => `  ${String(n).padStart(4)}  ${c}`);
  return { agreement: pairs.length === 0 ? 1 : agree / pairs.length, lines };
}
