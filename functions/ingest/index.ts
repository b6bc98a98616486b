/** Dataset ingest: benchmark and training sets → `problems` rows (and reference SFT / step-label rows). */

export { ARITHMETIC_TEMPLATES, generateArithmetic } from "./arithmetic.ts";
export { checkArithmeticStep, evaluateWithSteps, parseExpr } from "./arithmetic-expr.ts";
export { inferAnswerType, parseGenericJsonl } from "./generic-jsonl.ts";
export { GSM8K_LEVEL_BOUNDS, gsm8kLevel, parseGsm8k, stripAnnotations } from "./gsm8k.ts";
export { readLines, splitFromPath } from "./lines.ts";
export {
  LOGIQA_LEVEL_BOUNDS,
  logiqaLevel,
  orderOptions,
  parseLogiqaBlock,
  parseLogiqaJson,
} from "./logiqa.ts";
export { mathLevel, parseMath } from "./math.ts";
export {
  Prm800kRecord,
  prm800kRatingCounts,
  prm800kStepLabels,
  prm800kTrajectory,
  problemIdFromText,
  type StepLabelRow,
  stepLabelsFromPrm800k,
} from "./prm800k.ts";
export { PROOFWRITER_LEVEL_BOUNDS, parseProofwriter, proofwriterLevel } from "./proofwriter.ts";
export {
  INGEST_SOURCES,
  type IngestOptions,
  type IngestRun,
  type IngestSource,
  ingestFile,
} from "./registry.ts";
export { type BadRow, IngestError, type IngestReport, MAX_BAD_ROWS } from "./report.ts";
export { IngestRowError, type ProblemRow, reasoningText } from "./row.ts";
export { type SftExampleRow, sftExampleFromProblem, sftExamplesFromProblems } from "./sft.ts";
