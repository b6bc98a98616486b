/**
 * An execution of the run state machine ended FAILED, TIMED_OUT or ABORTED (EventBridge's
 * "Step Functions Execution Status Change", handed over as `{ action: "ended", detail }`):
 * status.json says `failed` with the stage that was running and its cause, read from the history;
 * in a GRPO loop also the visit (`grpo-block [block 1, iter 8-15]`: the block's iterations are the
 * run manifest's arithmetic).
 */
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { runLayout } from "../../recipe/layout.ts";
import { parseManifest } from "../../recipe/manifest-io.ts";
import { parseRunUri, RunUri } from "../../recipe/run-location.ts";
import { isBlockLoopStage, runVisitName, visitName } from "../../recipe/visit-name.ts";
import { parseOrThrow } from "../../schemas/errors.ts";
import { type FailedStage, failedStageOf } from "./failed-stage.ts";
import type { RunObjects } from "./ports.ts";
import { recordRunStatus } from "./record-status.ts";
import { type RunStatus, readStatus } from "./run-status.ts";

export const ENDED_STATUSES = ["FAILED", "TIMED_OUT", "ABORTED"] as const;

export const ExecutionEnded = z.object({
  action: z.literal("ended"),
  detail: z.object({
    executionArn: z.string(),
    status: z.enum(ENDED_STATUSES),
    /** The execution's input as JSON text (the trigger's: runId, runUri, …); null when too large. */
    input: z.string().nullable(),
  }),
});
export type ExecutionEnded = z.infer<typeof ExecutionEnded>;

const RunInput = z.object({ runUri: RunUri });

/** The execution's history, one page at a time, newest event first. */
export type NewestFirstPages = (executionArn: string) => AsyncIterable<readonly HistoryEvent[]>;

/** The history from the Step Functions API; the failed state is in the first page almost always. */
export function sfnNewestFirst(client: SFNClient, pageSize = 100): NewestFirstPages {
  return async function* (executionArn) {
    let nextToken: string | undefined;
    do {
      const page = await client.send(
        new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: pageSize, nextToken }),
      );
      yield page.events ?? [];
      nextToken = page.nextToken;
    } while (nextToken);
  };
}

/**
 * The failed loop visit's name. A block's iterations come from the run's manifest; when it cannot be
 * read or parsed the name leaves them out (`grpo-block [block 1]`): status.json is written anyway.
 */
async function failedVisit(objects: RunObjects, bucket: string, runId: string, stage: string, index: number) {
  if (!isBlockLoopStage(stage)) return visitName(stage, index);
  const uri = runLayout(`s3://${bucket}`, runId).manifest;
  try {
    const stored = await objects.get(uri.slice(`s3://${bucket}/`.length));
    if (stored) return runVisitName(parseManifest(stored.text, uri), stage, index);
  } catch {
    // unreadable, invalid, or a block the manifest has not got: named without its iterations
  }
  return visitName(stage, index);
}

export async function recordExecutionEnded(
  event: ExecutionEnded,
  history: NewestFirstPages,
  objectsOf: (bucket: string) => RunObjects,
  now: () => Date,
): Promise<RunStatus | undefined> {
  const { executionArn, status, input } = event.detail;
  if (input === null) throw new Error(`${executionArn} ended ${status}: its event carries no input`);
  const { runUri } = parseOrThrow(RunInput, JSON.parse(input), `input of ${executionArn}`);
  const seen: HistoryEvent[] = [];
  let failed: FailedStage | undefined;
  for await (const page of history(executionArn)) {
    seen.push(...page);
    failed = failedStageOf(seen);
    if (failed) break;
  }
  failed ??= failedStageOf(seen, true)!;
  // A GRPO loop chunk that handed over already pointed status.json at its successor: an older
  // execution's end (stopped late by hand, say) must not overwrite the run's current status.
  const { bucket, runId } = parseRunUri(runUri);
  const objects = objectsOf(bucket);
  const current = (await readStatus(objects, runId)).status;
  if (current?.executionArn && current.executionArn !== executionArn) return undefined;
  const { stage, index, error } = failed;
  const visit =
    stage === undefined || index === undefined
      ? undefined
      : await failedVisit(objects, bucket, runId, stage, index);
  return recordRunStatus({ action: "run", runUri, status: "failed", stage, visit, error }, objects, now);
}
