/**
 * The state machine's status function: `{ action: "run" }` writes `status.json` (running, failed,
 * succeeded); `{ action: "stage" }` reads a Batch stage's `metrics.json` back into the state;
 * `{ action: "ended" }` (the EventBridge rule on the execution's end) records `failed` with the stage.
 */
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { parseRunUri } from "../../recipe/run-location.ts";
import { parseOrThrow } from "../../schemas/errors.ts";
import { observed } from "../io/call-observers.ts";
import { s3RunObjects } from "../trigger/aws.ts";
import { ExecutionEnded, recordExecutionEnded, sfnNewestFirst } from "../trigger/execution-ended.ts";
import { RecordRunStatus, recordRunStatus } from "../trigger/record-status.ts";
import { ReadStageSummary, readStageSummary } from "../trigger/stage-readback.ts";
import { instrumented, tracer } from "./shared/powertools.ts";

const StatusEvent = z.discriminatedUnion("action", [RecordRunStatus, ReadStageSummary, ExecutionEnded]);
const s3 = tracer.captureAWSv3Client(observed(new S3Client({}), "s3"));
const sfn = tracer.captureAWSv3Client(observed(new SFNClient({}), "sfn"));

export const handler = instrumented("status", async (raw: unknown) => {
  const event = parseOrThrow(StatusEvent, raw, "status input");
  if (event.action === "ended") {
    const written = await recordExecutionEnded(
      event,
      sfnNewestFirst(sfn),
      (bucket) => s3RunObjects(s3, bucket),
      () => new Date(),
    );
    return { runId: written?.runId ?? null, status: written?.status ?? "unchanged" };
  }
  const objects = s3RunObjects(s3, parseRunUri(event.runUri).bucket);
  if (event.action === "stage") return readStageSummary(event, objects);
  const written = await recordRunStatus(event, objects, () => new Date());
  return { runId: written.runId, status: written.status };
});
