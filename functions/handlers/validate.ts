/** The `validate` stage as a Lambda function (logic in functions/stages/validate.ts). */
import { stageHandler } from "./shared/stage-handler.ts";

export const handler = stageHandler("validate");
