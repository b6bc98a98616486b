/**
 * After a Batch stage (run or skipped because its `_SUCCESS` matched), the state machine reads the
 * stage's `metrics.json` back: the state keeps a small summary, and the stage's shard lists are
 * written to `shards.json` beside it, which the next per-shard stage's Distributed Map reads.
 */
import { z } from "zod";
import { runLayout } from "../../recipe/layout.ts";
import { parseRunUri, RunUri } from "../../recipe/run-location.ts";
import { parseOrThrow } from "../../schemas/errors.ts";
import { StageSummary } from "../../schemas/stage-spec.ts";
import type { RunObjects } from "./ports.ts";

export const ReadStageSummary = z.strictObject({
  action: z.literal("stage"),
  runUri: RunUri,
  stageId: z.string().min(1),
  iteration: z.number().int().min(0).optional(),
});
export type ReadStageSummary = z.infer<typeof ReadStageSummary>;

/** What the state keeps: well under the 256 KB state limit whatever the stage reported. */
export interface StageReadback {
  readonly stage: string;
  readonly status: StageSummary["status"];
  readonly durationS: number;
  readonly metrics: Record<string, number>;
  /** `{ bucket, key }` of a JSON array of shard URIs, for a Distributed Map's ItemReader. */
  readonly shards?: { readonly bucket: string; readonly key: string; readonly count: number };
}

export const MAX_METRICS = 20;

export async function readStageSummary(input: ReadStageSummary, objects: RunObjects): Promise<StageReadback> {
  const { bucket, runId } = parseRunUri(input.runUri);
  const stageUri = runLayout(`s3://${bucket}`, runId).stage(input.stageId, input.iteration);
  const stageKey = stageUri.slice(`s3://${bucket}/`.length);
  const metricsKey = `${stageKey}/metrics.json`;
  const stored = await objects.get(metricsKey);
  if (!stored) {
    throw new Error(`stage "${input.stageId}" finished without writing ${stageUri}/metrics.json`);
  }
  const summary = parseOrThrow(StageSummary, JSON.parse(stored.text), `${stageUri}/metrics.json`);
  const shardUris = Object.values(summary.outputs).flatMap((v) => (Array.isArray(v) ? v : []));
  const readback: StageReadback = {
    stage: summary.stage,
    status: summary.status,
    durationS: summary.durationS,
    metrics: Object.fromEntries(Object.entries(summary.metrics).slice(0, MAX_METRICS)),
  };
  if (shardUris.length === 0) return readback;
  const shardsKey = `${stageKey}/shards.json`;
  await objects.put(shardsKey, JSON.stringify(shardUris));
  return { ...readback, shards: { bucket, key: shardsKey, count: shardUris.length } };
}
