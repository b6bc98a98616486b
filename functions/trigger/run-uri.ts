/** `s3://<bucket>/runs/<runId>` — the one URI the state machine passes to every state. */
import { z } from "zod";
import { RunId } from "../../schemas/common.ts";

export interface RunLocation {
  readonly bucket: string;
  readonly runId: string;
}

export function parseRunUri(uri: string): RunLocation {
  const match = /^s3:\/\/([^/]+)\/runs\/([^/]+)\/?$/.exec(uri);
  const runId = RunId.safeParse(match?.[2]);
  if (!match || !runId.success) {
    throw new Error(`runUri: expected s3://<bucket>/runs/<runId>, got ${JSON.stringify(uri)}`);
  }
  return { bucket: match[1]!, runId: runId.data };
}

export const RunUri = z.string().refine((u) => /^s3:\/\/[^/]+\/runs\/[^/]+\/?$/.test(u), {
  message: "expected s3://<bucket>/runs/<runId>",
});
