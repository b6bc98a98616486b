/** What the curriculum remembers between GRPO iterations; JSON, so a resumed run continues. */
import { z } from "zod";
import { type CurriculumSettings, Level } from "../../schemas/index.ts";

export type CurriculumSettingsT = z.output<typeof CurriculumSettings>;

export const LevelMeasurement = z.strictObject({
  /** Recorded when batch `iteration` was drawn, from the rollouts of the batch before it. */
  iteration: z.number().int().min(0),
  level: Level,
  accuracy: z.number().min(0).max(1),
  /** Groups (prompts) the accuracy was measured on. */
  groups: z.number().int().min(0),
});

export const CurriculumState = z.strictObject({
  version: z.literal(1),
  /** Index of the next batch to draw (0 for the first). */
  iteration: z.number().int().min(0),
  /** The level most of the batch is drawn from. */
  level: Level,
  /** Levels unlocked so far, ascending; the current level is the highest. */
  unlocked: z.array(Level),
  /** Accuracy per level per iteration, oldest first. */
  history: z.array(LevelMeasurement),
  /** Problem ids whose last group was all right or all wrong (no GRPO signal), sorted; never drawn again. */
  dropped: z.array(z.string()),
});
export type CurriculumState = z.infer<typeof CurriculumState>;

/**
 * The state before the first batch: at `startLevel`, with it and every lower level unlocked (a run
 * started at level 3 treats 1 and 2 as passed, so they feed the replay share).
 *
 * @example initialCurriculumState({ ...defaults, startLevel: 2 }) // { iteration: 0, level: 2, unlocked: [1, 2], … }
 */
export function initialCurriculumState(settings: Pick<CurriculumSettingsT, "startLevel">): CurriculumState {
  const unlocked = Array.from({ length: settings.startLevel }, (_, i) => i + 1);
  return { version: 1, iteration: 0, level: settings.startLevel, unlocked, history: [], dropped: [] };
}
