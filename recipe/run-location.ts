/** A run's location as a URI (`s3://bucket/runs/<id>` or `<dir>/runs/<id>`) ↔ its store root and id. */
import { type RunLayout, runLayout } from "./layout.ts";

export function layoutFromRunUri(runUri: string): RunLayout {
  const match = /^(.*)\/runs\/([a-z0-9][a-z0-9-]{0,62})\/?$/.exec(runUri);
  if (!match) throw new Error(`not a run location (expected <store>/runs/<runId>): ${runUri}`);
  return runLayout(match[1]!, match[2]!);
}
