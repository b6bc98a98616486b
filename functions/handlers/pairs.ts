/** The `pairs` stage as a Lambda function (logic in functions/stages/pairs.ts). */
import { stageHandler } from "./shared/stage-handler.ts";

export const handler = stageHandler("pairs");
