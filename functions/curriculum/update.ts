/** The curriculum's step between iterations: record accuracy, drop signal-less prompts, unlock a level. */
import { MAX_LEVEL } from "../../schemas/common.ts";
import { type GroupOutcome, levelAccuracy } from "./outcomes.ts";
import type { CurriculumSettingsT, CurriculumState } from "./state.ts";

export { MAX_LEVEL };

/**
 * The state after measuring the last batch's rollouts (the iteration counter is left alone):
 * - appends each measured level's accuracy to the history;
 * - with `dropSolved`, drops every problem whose group was all right or all wrong;
 * - when the current level's accuracy ≥ `unlockThreshold`, unlocks the next level and moves to it
 *   (one level per iteration at most).
 * `measured` overrides the accuracy computed from the outcomes, per level (e.g. from an eval).
 */
export function updateCurriculum(
  state: CurriculumState,
  outcomes: readonly GroupOutcome[],
  settings: Pick<CurriculumSettingsT, "unlockThreshold" | "dropSolved">,
  measured?: Readonly<Record<string, number>>,
): { state: CurriculumState; unlockedLevel: number | null } {
  const accuracy = levelAccuracy(outcomes);
  for (const [key, value] of Object.entries(measured ?? {})) {
    const level = Number(key);
    accuracy.set(level, { accuracy: value, groups: accuracy.get(level)?.groups ?? 0 });
  }
  const history = [...state.history];
  for (const [level, a] of [...accuracy].sort((x, y) => x[0] - y[0])) {
    history.push({ iteration: state.iteration, level, accuracy: a.accuracy, groups: a.groups });
  }

  let dropped = state.dropped;
  if (settings.dropSolved) {
    const set = new Set(state.dropped);
    for (const o of outcomes) if (o.n > 0 && (o.correct === 0 || o.correct === o.n)) set.add(o.problem_id);
    dropped = [...set].sort();
  }

  let { level, unlocked } = state;
  let unlockedLevel: number | null = null;
  const current = accuracy.get(level);
  if (current && current.accuracy >= settings.unlockThreshold && level < MAX_LEVEL) {
    level += 1;
    unlockedLevel = level;
    unlocked = [...new Set([...unlocked, level])].sort((a, b) => a - b);
  }
  return { state: { ...state, level, unlocked, history, dropped }, unlockedLevel };
}
