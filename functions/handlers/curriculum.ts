/** The `curriculum` stage as a Lambda function (logic in functions/stages/curriculum.ts). */
import { stageHandler } from "./shared/stage-handler.ts";

export const handler = stageHandler("curriculum");
