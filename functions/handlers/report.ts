/** The `report` stage as a Lambda function (logic in functions/stages/report.ts). */
import { stageHandler } from "./shared/stage-handler.ts";

export const handler = stageHandler("report");
