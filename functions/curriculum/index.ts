/** The curriculum stage: easy levels first, unlock on accuracy, replay, drop signal-less prompts. */
export { type GroupOutcome, groupOutcomes, levelAccuracy } from "./outcomes.ts";
export {
  type CurriculumInput,
  type CurriculumSummary,
  nextCurriculumBatch,
  type ProblemRow,
} from "./sample.ts";
export {
  type CurriculumSettingsT,
  CurriculumState,
  initialCurriculumState,
  LevelMeasurement,
} from "./state.ts";
export { MAX_LEVEL, updateCurriculum } from "./update.ts";
