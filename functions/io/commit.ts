/**
 * Atomic stage commit: a stage writes its outputs, then `_SUCCESS` last. `_SUCCESS` holds the
 * hash of the stage's spec and inputs, so a re-run whose hash matches can skip the stage, and a
 * stage that failed half-way has no `_SUCCESS` for anyone to trust.
 */
import { createHash } from "node:crypto";
import { joinUri } from "../../recipe/uri.ts";
import { parseOrThrow } from "../../schemas/errors.ts";
import { SuccessMarker } from "../../schemas/stage-spec.ts";
import { NotFoundError } from "./errors.ts";
import { readJson, writeJson } from "./objects.ts";
import { storeFor } from "./store.ts";

export const SUCCESS = "_SUCCESS";

/** JSON with object keys sorted at every level, so equal values always hash equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return v;
    const obj = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.keys(obj)
        .sort()
        .map((k) => [k, obj[k]]),
    );
  });
}

/** sha256 hex of the canonical JSON of the stage's spec and its inputs' identities. */
export function stageHash(parts: unknown[]): string {
  return createHash("sha256").update(canonicalJson(parts)).digest("hex");
}

const isUri = (f: string): boolean => f.startsWith("s3://") || f.startsWith("file://") || f.startsWith("/");

/**
 * Marks the stage under `prefix` complete. `files` are the outputs (URIs or names relative to the
 * prefix); each must exist, so a marker never points at output that was not written.
 */
export async function commitStage(
  prefix: string,
  marker: { stage: string; hash: string; files: string[] },
): Promise<SuccessMarker> {
  const store = storeFor(prefix);
  for (const file of marker.files) {
    const uri = isUri(file) ? file : joinUri(prefix, file);
    if (!(await store.exists(uri))) {
      throw new Error(`cannot commit stage "${marker.stage}" at ${prefix}: output missing: ${uri}`);
    }
  }
  const body = parseOrThrow(
    SuccessMarker,
    { ...marker, finishedAt: new Date().toISOString() },
    `${joinUri(prefix, SUCCESS)}`,
  );
  await writeJson(joinUri(prefix, SUCCESS), body);
  return body;
}

/** The stage's `_SUCCESS` marker, or null when the stage has not completed. */
export async function readSuccess(prefix: string): Promise<SuccessMarker | null> {
  const uri = joinUri(prefix, SUCCESS);
  try {
    return parseOrThrow(SuccessMarker, await readJson(uri), uri);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

/** True when the stage completed with exactly this spec-and-inputs hash (so a re-run can skip it). */
export async function isComplete(prefix: string, hash: string): Promise<boolean> {
  return (await readSuccess(prefix))?.hash === hash;
}

/** Clears a stage's output for a re-run: `_SUCCESS` goes first, so a half-cleared stage is never "complete". */
export async function clearStage(prefix: string): Promise<number> {
  const store = storeFor(prefix);
  await store.delete(joinUri(prefix, SUCCESS));
  return store.deletePrefix(prefix);
}
