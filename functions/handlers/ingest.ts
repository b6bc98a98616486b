/** The `ingest` stage as a Lambda function (logic in functions/stages/ingest.ts). */
import { stageHandler } from "./shared/stage-handler.ts";

export const handler = stageHandler("ingest");
