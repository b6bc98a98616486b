/** The `evaluate` stage as a Lambda function (logic in functions/stages/evaluate.ts). */
import { stageHandler } from "./shared/stage-handler.ts";

export const handler = stageHandler("evaluate");
