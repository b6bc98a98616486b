/**
 * The state machine's own status writes: `running` when a long GRPO loop continues in a new
 * execution, `failed` when an execution ends unsuccessfully (execution-ended.ts: with the stage and
 * a readable cause), and `succeeded` at the end. Fields the trigger wrote (execution name, manifest version) are kept.
 */
import { z } from "zod";
import { parseRunUri, RunUri } from "../../recipe/run-location.ts";
import { CaughtError, summarizeCause } from "./failure-cause.ts";
import type { RunObjects } from "./ports.ts";
import { type RunStatus, readStatus, renderStatus, statusKey } from "./run-status.ts";

export const RecordRunStatus = z.strictObject({
  action: z.literal("run"),
  runUri: RunUri,
  status: z.enum(["running", "failed", "succeeded"]),
  /** running: the execution that now carries the run. */
  executionArn: z.string().optional(),
  /** failed: the recipe stage that was running when the execution ended. */
  stage: z.string().optional(),
  /** failed: a loop stage's visit (`grpo-update [3]`, `grpo-block [block 1, iter 8-15]`). */
  visit: z.string().optional(),
  error: CaughtError.optional(),
});
export type RecordRunStatus = z.infer<typeof RecordRunStatus>;

export async function recordRunStatus(
  input: RecordRunStatus,
  objects: RunObjects,
  now: () => Date,
): Promise<RunStatus> {
  const { runId } = parseRunUri(input.runUri);
  const previous = (await readStatus(objects, runId)).status;
  const next: RunStatus = {
    runId,
    status: input.status,
    updatedAt: now().toISOString(),
    executionName: previous?.executionName,
    executionArn: input.executionArn ?? previous?.executionArn,
    manifestVersion: previous?.manifestVersion,
    ...(input.status === "failed"
      ? {
          stage: input.stage ?? "unknown",
          visit: input.visit,
          cause: summarizeCause(input.error ?? { Error: "Unknown" }),
        }
      : {}),
  };
  await objects.put(statusKey(runId), renderStatus(next));
  return next;
}
