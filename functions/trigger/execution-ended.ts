/**
 * An execution of the run state machine ended FAILED, TIMED_OUT or ABORTED (EventBridge's
 * "Step Functions Execution Status Change", handed over as `{ action: "ended", detail }`):
 * status.json says `failed` with the stage that was running and its cause, read from the history.
 */
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { parseRunUri, RunUri } from "../../recipe/run-location.ts";
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
  return recordRunStatus(
    { action: "run", runUri, status: "failed", stage: failed.stage, error: failed.error },
    objects,
    now,
  );
}
