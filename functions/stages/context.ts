/**
 * What every Lambda stage is handed and gives back, and the wrapper that makes a stage resumable:
 * skip when `_SUCCESS` matches, else run, write `metrics.json`, then `_SUCCESS` last.
 */
import type { RunLayout } from "../../recipe/layout.ts";
import { joinUri } from "../../recipe/uri.ts";
import type { Manifest } from "../../schemas/manifest.ts";
import type { StageSummary } from "../../schemas/stage-spec.ts";
import { commitStage, readSuccess, SUCCESS, stageHash } from "../io/commit.ts";
import { readJson, remove, writeJson } from "../io/objects.ts";
import { type RunPaths, runPaths } from "./paths.ts";

export interface StageContext {
  readonly manifest: Manifest;
  readonly layout: RunLayout;
  readonly paths: RunPaths;
  /** The recipe stage this context is for. */
  readonly stageId: string;
  /** The loop index of loop stages: the GRPO iteration, or the block of a block stage. */
  readonly iteration?: number;
  /** The stage's own directory (`stages/<NN>-<id>[/iter-NNNN]`). */
  readonly dir: string;
  /** Live figures for a progress display. */
  readonly onProgress?: (metrics: Record<string, number>) => void;
}

/** What a stage function returns; the wrapper turns it into the `metrics.json` summary. */
export interface StageOutcome {
  rowsIn?: number;
  rowsOut?: number;
  outputs: Record<string, string | string[]>;
  metrics: Record<string, number>;
  warnings?: string[];
}

export type StageFn = (ctx: StageContext) => Promise<StageOutcome>;

export function stageContext(
  manifest: Manifest,
  layout: RunLayout,
  stageId: string,
  iteration?: number,
  onProgress?: StageContext["onProgress"],
): StageContext {
  return {
    manifest,
    layout,
    paths: runPaths(manifest, layout),
    stageId,
    iteration,
    dir: layout.stage(stageId, iteration),
    onProgress,
  };
}

/** The hash a stage's `_SUCCESS` holds: its manifest, id and iteration (inputs follow from them). */
export function lambdaStageHash(ctx: StageContext, stageId: string): string {
  return stageHash([ctx.manifest, stageId, ctx.iteration ?? null]);
}

/**
 * Runs one Lambda stage resumably. `_SUCCESS` is removed before the stage runs, so a stage that
 * fails half-way is never taken as complete; outputs are listed in `_SUCCESS` and must exist.
 */
export async function runStage(
  stageId: string,
  ctx: StageContext,
  fn: StageFn,
  opts: { force?: boolean } = {},
): Promise<StageSummary> {
  const hash = lambdaStageHash(ctx, stageId);
  const metricsUri = joinUri(ctx.dir, "metrics.json");
  if (!opts.force && (await readSuccess(ctx.dir))?.hash === hash) {
    const previous = (await readJson(metricsUri)) as StageSummary;
    return { ...previous, status: "skipped" };
  }
  await remove(joinUri(ctx.dir, SUCCESS));
  const startedAt = new Date();
  const outcome = await fn(ctx);
  const summary: StageSummary = {
    stage: stageId,
    status: "succeeded",
    startedAt: startedAt.toISOString(),
    durationS: (Date.now() - startedAt.getTime()) / 1000,
    ...(outcome.rowsIn === undefined ? {} : { rowsIn: outcome.rowsIn }),
    ...(outcome.rowsOut === undefined ? {} : { rowsOut: outcome.rowsOut }),
    outputs: outcome.outputs,
    metrics: outcome.metrics,
    warnings: outcome.warnings ?? [],
  };
  await writeJson(metricsUri, summary);
  const files = Object.values(outcome.outputs).flat();
  await commitStage(ctx.dir, { stage: stageId, hash, files: [...files, metricsUri] });
  return summary;
}
