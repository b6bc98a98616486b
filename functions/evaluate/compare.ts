/** How a checkpoint moved against the previous one. */
import type { CheckpointComparison, CheckpointScores } from "./report.ts";

/**
 * Deltas current − previous of pass@1, maj@k and each pass@k both report, per benchmark both have.
 *
 * @example compareCheckpoints(final, base).benchmarks.gsm8k.pass1 // 0.12: twelve points better
 */
export function compareCheckpoints(
  current: CheckpointScores,
  previous: CheckpointScores,
): CheckpointComparison {
  const benchmarks: CheckpointComparison["benchmarks"] = {};
  for (const [name, cur] of Object.entries(current.benchmarks)) {
    const prev = previous.benchmarks[name];
    if (!prev) continue;
    const passAtK: Record<string, number> = {};
    for (const [k, v] of Object.entries(cur.passAtK)) {
      const p = prev.passAtK[k];
      if (p !== undefined) passAtK[k] = v - p;
    }
    benchmarks[name] = { pass1: cur.pass1 - prev.pass1, majAtK: cur.majAtK - prev.majAtK, passAtK };
  }
  return { current: current.checkpoint, previous: previous.checkpoint, benchmarks };
}
