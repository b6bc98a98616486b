/**
 * A run's location, `<store>/runs/<runId>` (`s3://bucket/runs/<id>` or `<dir>/runs/<id>`): the one
 * parser of run URIs — the runner's, `inspect`'s, the state machine's and the trigger's manifest
 * key — with the id checked by the `RunId` schema.
 */
import { z } from "zod";
import { RunId } from "../schemas/common.ts";
import { type RunLayout, runLayout } from "./layout.ts";

export interface RunLocation {
  /** `s3://bucket` or a directory (`/` for the root); "" for a key relative to a store (`runs/<id>`). */
  readonly store: string;
  readonly runId: string;
}

const RUN = /^(?:(.*)\/)?runs\/([^/]+)\/?$/;

/** `<store>/runs/<runId>` → its store and id; null when it is not one or the id is not a RunId. */
export function runLocationOf(uri: string): RunLocation | null {
  const match = RUN.exec(uri);
  const runId = RunId.safeParse(match?.[2]);
  if (!match || !runId.success) return null;
  const store = match[1] === undefined ? "" : match[1] || "/";
  return { store, runId: runId.data };
}

export function layoutFromRunUri(runUri: string): RunLayout {
  const run = runLocationOf(runUri);
  if (!run?.store) throw new Error(`not a run location (expected <store>/runs/<runId>): ${runUri}`);
  return runLayout(run.store, run.runId);
}

/** The URI the state machine passes to every state: `s3://<bucket>/runs/<runId>` → bucket and id. */
export function parseRunUri(uri: string): { bucket: string; runId: string } {
  const run = runLocationOf(uri);
  const bucket = run && /^s3:\/\/([^/]+)$/.exec(run.store)?.[1];
  if (!run || !bucket)
    throw new Error(`runUri: expected s3://<bucket>/runs/<runId>, got ${JSON.stringify(uri)}`);
  return { bucket, runId: run.runId };
}

export const RunUri = z.string().refine((u) => /^s3:\/\/[^/]+$/.test(runLocationOf(u)?.store ?? ""), {
  message: "expected s3://<bucket>/runs/<runId>",
});

/** `runs/<runId>/manifest.json` → runId, or null for any other key (the S3 trigger's filter). */
export function runIdFromManifestKey(key: string): string | null {
  if (!key.endsWith("/manifest.json")) return null;
  const run = runLocationOf(key.slice(0, -"/manifest.json".length));
  return run?.store === "" ? run.runId : null;
}
