/** The `rejection` stage as a Lambda function (logic in functions/stages/rejection.ts). */
import { stageHandler } from "./shared/stage-handler.ts";

export const handler = stageHandler("rejection");
