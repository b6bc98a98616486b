/**
 * The S3 trigger: a manifest landed at `runs/<runId>/manifest.json`. Validate it before any GPU is
 * asked for; write `status.json` as `invalid` (with one line per problem) or claim the run and start
 * the state machine. A run that is already going is never started a second time.
 */

import { runIdFromManifestKey } from "../../recipe/run-location.ts";
import { formatIssues } from "../../schemas/errors.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { executionNameFor, manifestVersionOf, type ObjectCreatedEvent } from "./object-created.ts";
import { type Executions, type RunObjects, WriteConflictError } from "./ports.ts";
import { type CurrentStatus, type RunStatus, readStatus, renderStatus, statusKey } from "./run-status.ts";

export interface TriggerDeps {
  readonly objects: RunObjects;
  readonly executions: Executions;
  readonly now: () => Date;
}

/** What the state machine receives: URIs only. */
export interface RunInput {
  readonly runId: string;
  readonly runUri: string;
  readonly manifestUri: string;
  readonly bucket: string;
}

export type TriggerOutcome =
  | { readonly outcome: "ignored"; readonly key: string }
  | { readonly outcome: "invalid"; readonly runId: string; readonly errors: string[] }
  | { readonly outcome: "refused"; readonly runId: string; readonly reason: string }
  | { readonly outcome: "duplicate"; readonly runId: string; readonly executionName: string }
  | {
      readonly outcome: "started";
      readonly runId: string;
      readonly executionName: string;
      readonly executionArn: string;
    };

/** A claim (`starting`) older than this whose trigger never came back is considered abandoned. */
export const STALE_CLAIM_MS = 5 * 60_000;

/** Validates the manifest text; returns the problems, one line each (none when valid). */
export function manifestProblems(text: string, runId: string): string[] {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return [`(root): expected JSON, got a parse error: ${(err as Error).message}`];
  }
  const parsed = Manifest.safeParse(raw);
  if (!parsed.success) return formatIssues(parsed.error, raw);
  if (parsed.data.runId !== runId) {
    return [`runId: expected "${runId}" (the folder the manifest is in), got "${parsed.data.runId}"`];
  }
  return [];
}

/** Why a new execution must not start now, or null when it may. */
async function blockedBy(
  current: RunStatus | null,
  executionName: string,
  deps: TriggerDeps,
): Promise<string | null> {
  if (!current || current.executionName === executionName) return null;
  if (current.status === "running" && current.executionArn) {
    if (!(await deps.executions.isRunning(current.executionArn))) return null;
    return `run "${current.runId}" is already running as ${current.executionArn}`;
  }
  if (current.status === "starting") {
    const age = deps.now().getTime() - Date.parse(current.updatedAt);
    if (age >= STALE_CLAIM_MS) return null;
    return `run "${current.runId}" is being started by another upload (${current.executionName})`;
  }
  return null;
}

export async function startRun(event: ObjectCreatedEvent, deps: TriggerDeps): Promise<TriggerOutcome> {
  const { bucket, object } = event.detail;
  const runId = runIdFromManifestKey(object.key);
  if (!runId) return { outcome: "ignored", key: object.key };

  const version = manifestVersionOf(event);
  const executionName = executionNameFor(runId, version);
  const stamp = (s: Omit<RunStatus, "runId" | "updatedAt">): RunStatus => ({
    runId,
    updatedAt: deps.now().toISOString(),
    manifestVersion: version,
    ...s,
  });

  const current: CurrentStatus = await readStatus(deps.objects, runId);
  // This very upload was handled before (the event came twice): nothing to do.
  if (current.status?.executionName === executionName && current.status.status !== "starting") {
    return { outcome: "duplicate", runId, executionName };
  }
  const blocked = await blockedBy(current.status, executionName, deps);
  if (blocked) return { outcome: "refused", runId, reason: blocked };

  const manifest = await deps.objects.get(object.key, object["version-id"]);
  if (!manifest) return { outcome: "refused", runId, reason: `${object.key} (version ${version}) is gone` };
  const errors = manifestProblems(manifest.text, runId);
  if (errors.length > 0) {
    await deps.objects.put(statusKey(runId), renderStatus(stamp({ status: "invalid", errors })));
    return { outcome: "invalid", runId, errors };
  }

  // Claim the run: only one writer gets from the status we read to `starting`.
  const condition = current.stored ? { ifMatch: current.stored.etag } : { ifNoneMatch: "*" as const };
  try {
    const claim = renderStatus(stamp({ status: "starting", executionName }));
    await deps.objects.put(statusKey(runId), claim, condition);
  } catch (err) {
    if (!(err instanceof WriteConflictError)) throw err;
    const winner = (await readStatus(deps.objects, runId)).status;
    if (winner?.executionName === executionName) return { outcome: "duplicate", runId, executionName };
    return { outcome: "refused", runId, reason: `another upload of run "${runId}" claimed it first` };
  }

  const input: RunInput = {
    runId,
    runUri: `s3://${bucket.name}/runs/${runId}`,
    manifestUri: `s3://${bucket.name}/${object.key}`,
    bucket: bucket.name,
  };
  const started = await deps.executions.start(executionName, input);
  if (!started.started) return { outcome: "duplicate", runId, executionName };
  const running = stamp({ status: "running", executionName, executionArn: started.executionArn });
  await deps.objects.put(statusKey(runId), renderStatus(running));
  return { outcome: "started", runId, executionName, executionArn: started.executionArn };
}
