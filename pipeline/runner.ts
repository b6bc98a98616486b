/**
 * The local backend: the recipe's stages in order on this machine — Lambda stages in-process, GPU
 * stages as worker subprocesses — over a local directory or any `s3://` store. A stage whose
 * `_SUCCESS` matches is skipped, so running again resumes from the first stage not complete.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readJson, writeJson } from "../functions/io/objects.ts";
import { runStage } from "../functions/stages/context.ts";
import { LAMBDA_STAGES, planBatchStage, stageContext } from "../functions/stages/index.ts";
import { type RunLayout, runLayout } from "../recipe/layout.ts";
import { plannedVisits, type StageVisit } from "../recipe/recipe.ts";
import { joinUri, parseUri } from "../recipe/uri.ts";
import { runVisitName } from "../recipe/visit-name.ts";
import type { Manifest } from "../schemas/manifest.ts";
import type { StageSummary } from "../schemas/stage-spec.ts";
import { warmSuits } from "./warm-worker.ts";
import { prewarmWorker, runWorker } from "./worker-process.ts";

export type RunEvent =
  | { type: "plan"; visits: StageVisit[]; runUri: string }
  | { type: "start"; visit: StageVisit; index: number }
  | { type: "progress"; visit: StageVisit; metrics: Record<string, unknown> }
  | { type: "done"; visit: StageVisit; summary: StageSummary; wallS: number }
  | { type: "failed"; visit: StageVisit; error: Error; logFile?: string };

export interface RunOptions {
  /** `s3://bucket` or a directory; the run lives at `<store>/runs/<runId>`. */
  store: string;
  onEvent?: (event: RunEvent) => void;
  signal?: AbortSignal;
}

/** A failed visit as status.json names it: its `stage`, and in a GRPO loop its `visit`. */
interface StageOf {
  readonly stage: string;
  readonly visit?: string;
}

/** `stage grpo-block [block 1, iter 8-15] failed: <cause>`, naming the visit as status.json does. */
export class StageFailed extends Error {
  readonly stageId: string;
  readonly iteration: number | undefined;
  constructor(
    visit: StageVisit,
    where: StageOf,
    override readonly cause: Error,
    readonly logFile?: string,
  ) {
    super(
      `stage ${where.visit ?? where.stage} failed: ${cause.message}${logFile ? `\n  log: ${logFile}` : ""}`,
    );
    this.name = "StageFailed";
    this.stageId = visit.stage.id;
    this.iteration = visit.iteration;
  }
}

/** Where a worker's log goes: beside its outputs for a local run, under the temp dir for S3. */
function logFileFor(layout: RunLayout, visit: StageVisit): string {
  const dir = layout.stage(visit.stage.id, visit.iteration);
  if (parseUri(dir).scheme === "file") return join(dir, "worker.log");
  return join(tmpdir(), "r1flow-logs", dir.replace(/^s3:\/\//, "").replace(/\//g, "_"), "worker.log");
}

async function runVisit(manifest: Manifest, layout: RunLayout, visit: StageVisit, opts: RunOptions) {
  const { stage, iteration } = visit;
  const onProgress = (metrics: Record<string, unknown>) =>
    opts.onEvent?.({ type: "progress", visit, metrics });
  const ctx = stageContext(manifest, layout, stage.id, iteration, onProgress);
  if (stage.kind === "lambda") return runStage(stage.id, ctx, LAMBDA_STAGES[stage.handler]);
  const planned = await planBatchStage(ctx, stage.id);
  const metricsUri = joinUri(ctx.dir, "metrics.json");
  if (!planned.skip) {
    const local = parseUri(ctx.dir).scheme === "file";
    await runWorker({
      command: planned.command,
      logFile: logFileFor(layout, visit),
      metricsFile: local ? join(ctx.dir, "metrics.jsonl") : undefined,
      onMetrics: onProgress,
      signal: opts.signal,
      warm: warmSuits(ctx.manifest.compute.device),
    });
  }
  const summary = (await readJson(metricsUri)) as StageSummary;
  return planned.skip ? { ...summary, status: "skipped" as const } : summary;
}

async function writeStatus(layout: RunLayout, status: Record<string, unknown>): Promise<void> {
  await writeJson(layout.status, { ...status, updatedAt: new Date().toISOString(), backend: "local" });
}

/** status.json's `stage` of a visit, and in a GRPO loop its `visit` (`grpo-block [block 1, iter 8-15]`). */
function stageOf(manifest: Manifest, { stage, iteration }: StageVisit): StageOf {
  if (iteration === undefined) return { stage: stage.id };
  return { stage: stage.id, visit: runVisitName(manifest, stage.id, iteration) };
}

/** Runs (or resumes) the whole recipe; throws StageFailed naming the stage, the cause and the log. */
export async function runLocal(manifest: Manifest, opts: RunOptions): Promise<StageSummary[]> {
  const layout = runLayout(opts.store, manifest.runId);
  await writeJson(layout.manifest, manifest);
  const visits = plannedVisits(manifest);
  opts.onEvent?.({ type: "plan", visits, runUri: layout.root });
  // The worker's imports overlap the Lambda stages before the first GPU stage (ingest, curriculum).
  if (warmSuits(manifest.compute.device) && visits.some((v) => v.stage.kind === "batch")) prewarmWorker();
  await writeStatus(layout, { runId: manifest.runId, status: "running" });
  const summaries: StageSummary[] = [];
  for (const [index, visit] of visits.entries()) {
    if (opts.signal?.aborted) {
      const where = stageOf(manifest, visit);
      await writeStatus(layout, { runId: manifest.runId, status: "interrupted", ...where });
      throw new StageFailed(visit, where, new Error("interrupted before the stage started"));
    }
    opts.onEvent?.({ type: "start", visit, index });
    const started = performance.now();
    try {
      const summary = await runVisit(manifest, layout, visit, opts);
      summaries.push(summary);
      opts.onEvent?.({ type: "done", visit, summary, wallS: (performance.now() - started) / 1000 });
    } catch (error) {
      const cause = error instanceof Error ? error : new Error(String(error));
      const logFile = visit.stage.kind === "batch" ? logFileFor(layout, visit) : undefined;
      const status = opts.signal?.aborted ? "interrupted" : "failed";
      const where = stageOf(manifest, visit);
      await writeStatus(layout, { runId: manifest.runId, status, ...where, cause: cause.message });
      opts.onEvent?.({ type: "failed", visit, error: cause, logFile });
      throw new StageFailed(visit, where, cause, logFile);
    }
  }
  await writeStatus(layout, { runId: manifest.runId, status: "succeeded" });
  return summaries;
}
