/** EventBridge "Object Created" on `runs/<runId>/manifest.json` → validate and start the run. */
import { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { parseOrThrow } from "../../schemas/errors.ts";
import { observed } from "../io/call-observers.ts";
import { s3RunObjects, sfnExecutions } from "../trigger/aws.ts";
import { ObjectCreatedEvent } from "../trigger/object-created.ts";
import { startRun, type TriggerOutcome } from "../trigger/start-run.ts";
import { instrumented, logger, tracer } from "./shared/powertools.ts";

const Env = z.object({ STATE_MACHINE_ARN: z.string().startsWith("arn:") });
const env = parseOrThrow(Env, process.env, "trigger environment");
const s3 = tracer.captureAWSv3Client(observed(new S3Client({}), "s3"));
const sfn = tracer.captureAWSv3Client(observed(new SFNClient({}), "sfn"));

export const handler = instrumented("trigger", async (raw: unknown): Promise<TriggerOutcome> => {
  const event = parseOrThrow(ObjectCreatedEvent, raw, "S3 Object Created event");
  const outcome = await startRun(event, {
    objects: s3RunObjects(s3, event.detail.bucket.name),
    executions: sfnExecutions(sfn, env.STATE_MACHINE_ARN),
    now: () => new Date(),
  });
  if (outcome.outcome === "invalid" || outcome.outcome === "refused")
    logger.warn(outcome.outcome, { outcome });
  else logger.info(outcome.outcome, { outcome });
  return outcome;
});
