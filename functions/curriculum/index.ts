/** The curriculum stage: easy levels first, unlock on accuracy, replay, drop signal-less prompts. */

export {
  type CurriculumInput,
  type CurriculumSummary,
  type DrawPlan,
  finishDraw,
  nextState,
  type PoolSamples,
  type ProblemRow,
  planDraw,
} from "./draw.ts";
export { type GroupOutcome, groupOutcomes, levelAccuracy } from "./outcomes.ts";
export { type CurriculumDraw, drawAll, nextCurriculumBatch } from "./sample.ts";
export {
  type CurriculumSettingsT,
  CurriculumState,
  initialCurriculumState,
  LevelMeasurement,
} from "./state.ts";
export { MAX_LEVEL, updateCurriculum } from "./update.ts";
