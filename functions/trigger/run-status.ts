/**
 * `runs/<runId>/status.json`: the run's state as the trigger and the state machine leave it.
 * `starting` is the trigger's claim (a conditional write), so two uploads of the same run id
 * cannot both start an execution.
 */
import { z } from "zod";
import { RunId } from "../../schemas/common.ts";
import type { RunObjects, StoredText } from "./ports.ts";

export const RUN_STATES = ["starting", "running", "invalid", "failed", "succeeded"] as const;

export const RunStatus = z.object({
  runId: RunId,
  status: z.enum(RUN_STATES),
  updatedAt: z.string(),
  /** The execution this status belongs to (deterministic from the manifest version). */
  executionName: z.string().optional(),
  executionArn: z.string().optional(),
  /** S3 version id (or ETag) of the manifest that started it. */
  manifestVersion: z.string().optional(),
  /** failed: the stage that failed and a one-paragraph cause. */
  stage: z.string().optional(),
  /** failed in a GRPO loop: the visit, as inspect names it (`grpo-block [block 1, iter 8-15]`). */
  visit: z.string().optional(),
  cause: z.string().optional(),
  /** invalid: one line per problem, `path: expected …, got …`. */
  errors: z.array(z.string()).optional(),
});
export type RunStatus = z.infer<typeof RunStatus>;

export function statusKey(runId: string): string {
  return `runs/${runId}/status.json`;
}

export interface CurrentStatus {
  /** null when absent or unreadable (an unreadable status never blocks a run). */
  readonly status: RunStatus | null;
  /** The stored object, for a conditional overwrite; null when there is none. */
  readonly stored: StoredText | null;
}

export async function readStatus(objects: RunObjects, runId: string): Promise<CurrentStatus> {
  const stored = await objects.get(statusKey(runId));
  if (!stored) return { status: null, stored: null };
  try {
    const parsed = RunStatus.safeParse(JSON.parse(stored.text));
    return { status: parsed.success ? parsed.data : null, stored };
  } catch {
    return { status: null, stored };
  }
}

export function renderStatus(status: RunStatus): string {
  return `${JSON.stringify(RunStatus.parse(status), null, 2)}\n`;
}
