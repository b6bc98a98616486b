/** The Lambda stages by handler name (the `handler` of each Lambda stage in recipe/recipe.ts). */
import type { LambdaHandler } from "../../recipe/recipe.ts";
import type { StageFn } from "./context.ts";
import { curriculumStage } from "./curriculum.ts";
import { evaluateStage } from "./evaluate.ts";
import { ingestStage } from "./ingest.ts";
import { pairsStage } from "./pairs.ts";
import { rejectionStage } from "./rejection.ts";
import { reportStage } from "./report.ts";
import { scoreStage } from "./score.ts";
import { validateStage } from "./validate.ts";

export const LAMBDA_STAGES: Record<LambdaHandler, StageFn> = {
  validate: validateStage,
  ingest: ingestStage,
  curriculum: curriculumStage,
  pairs: pairsStage,
  score: scoreStage,
  rejection: rejectionStage,
  evaluate: evaluateStage,
  report: reportStage,
};

export { runStage, type StageContext, type StageFn, type StageOutcome, stageContext } from "./context.ts";
export { runPaths } from "./paths.ts";
export { type PlannedStage, planBatchStage } from "./plan.ts";
