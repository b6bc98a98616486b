/** Per-group results of a scored iteration: what the curriculum measures accuracy and drops prompts by. */

export interface GroupOutcome {
  problem_id: string;
  level: number;
  /** Samples in the group. */
  n: number;
  /** Samples verified correct. */
  correct: number;
}

/**
 * One outcome per `group_id` of scored rollouts, in first-seen order.
 *
 * @example groupOutcomes([{ group_id: "g", problem_id: "p", level: 1, correct: true },
 *   { group_id: "g", problem_id: "p", level: 1, correct: false }]) // [{ problem_id: "p", level: 1, n: 2, correct: 1 }]
 */
export function groupOutcomes(
  rows: Iterable<{ group_id: string; problem_id: string; level: number; correct: boolean }>,
): GroupOutcome[] {
  const groups = new Map<string, GroupOutcome>();
  for (const row of rows) {
    let g = groups.get(row.group_id);
    if (!g) {
      g = { problem_id: row.problem_id, level: row.level, n: 0, correct: 0 };
      groups.set(row.group_id, g);
    }
    g.n++;
    if (row.correct) g.correct++;
  }
  return [...groups.values()];
}

/** Accuracy per level over the samples of the outcomes: Σ correct / Σ n, with the group count. */
export function levelAccuracy(
  outcomes: Iterable<GroupOutcome>,
): Map<number, { accuracy: number; groups: number }> {
  const sums = new Map<number, { n: number; correct: number; groups: number }>();
  for (const o of outcomes) {
    const s = sums.get(o.level) ?? { n: 0, correct: 0, groups: 0 };
    s.n += o.n;
    s.correct += o.correct;
    s.groups++;
    sums.set(o.level, s);
  }
  const out = new Map<number, { accuracy: number; groups: number }>();
  for (const [level, s] of [...sums].sort((a, b) => a[0] - b[0])) {
    if (s.n > 0) out.set(level, { accuracy: s.correct / s.n, groups: s.groups });
  }
  return out;
}
