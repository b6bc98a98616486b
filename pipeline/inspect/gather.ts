/**
 * Gathers a run (`<store>/runs/<id>` or `s3://bucket/runs/<id>`) into the inspect model: reads the
 * manifest, `status.json`, every planned visit's `_SUCCESS` and `metrics.json`, the SFT stages'
 * `metrics.jsonl`, each GRPO iteration's figures (iterations.ts: per-iteration visits or the block
 * loop's `iter-NNNN/metrics.json`), and a few rows of the scored rollouts and eval records; for a run
 * on AWS, its GPU jobs from the Batch API (batch-jobs.ts). Reads only.
 */
import { exists, NotFoundError, readJson, readText } from "../../functions/io/index.ts";
import { blockIterations } from "../../recipe/blocks.ts";
import { evalPlan } from "../../recipe/checkpoints.ts";
import type { RunLayout } from "../../recipe/layout.ts";
import { parseManifest } from "../../recipe/manifest-io.ts";
import {
  isEnabled,
  loopStages,
  plannedVisits,
  RECIPE,
  roundOfStage,
  stageById,
} from "../../recipe/recipe.ts";
import { layoutFromRunUri } from "../../recipe/run-location.ts";
import { joinUri } from "../../recipe/uri.ts";
import { grpoLoopMode } from "../../schemas/manifest.ts";
import { StageSummary } from "../../schemas/stage-spec.ts";
import { type BatchOptions, gatherBatch } from "./batch-jobs.ts";
import { evalTable } from "./eval-table.ts";
import { gatherIterations } from "./iterations.ts";
import type { InspectModel, LossPoint, RunInfo, VisitRow } from "./model.ts";
import { gatherSamples } from "./samples.ts";
import { decideVisits, type VisitFiles } from "./visits.ts";

/** null when the object does not exist. */
async function readOptional<T>(uri: string, read: (uri: string) => Promise<T>): Promise<T | null> {
  try {
    return await read(uri);
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

async function readRunInfo(layout: RunLayout, uri: string, runId: string): Promise<RunInfo> {
  const raw = (await readOptional(layout.status, readJson)) as Record<string, unknown> | null;
  const text = (key: string) => (typeof raw?.[key] === "string" ? (raw[key] as string) : undefined);
  const errors = Array.isArray(raw?.errors) ? raw.errors.map(String) : undefined;
  const [updatedAt, stage, visit, cause] = [text("updatedAt"), text("stage"), text("visit"), text("cause")];
  const executionArn = text("executionArn");
  return {
    runId,
    uri,
    status: text("status") ?? "unknown",
    ...(updatedAt ? { updatedAt } : {}),
    ...(executionArn ? { executionArn } : {}),
    ...(stage ? { stage } : {}),
    ...(visit ? { visit } : {}),
    ...(cause ? { cause } : {}),
    ...(errors ? { errors } : {}),
  };
}

/** A URI recorded in metrics.json, moved under this run's root (a run copied elsewhere still reads). */
export function rebase(uri: string, layout: RunLayout, runId: string): string {
  const marker = `/runs/${runId}/`;
  const at = uri.lastIndexOf(marker);
  return at < 0 ? uri : joinUri(layout.root, uri.slice(at + marker.length));
}

async function readSummary(dir: string, layout: RunLayout, runId: string): Promise<StageSummary | null> {
  const raw = await readOptional(joinUri(dir, "metrics.json"), readJson);
  const parsed = raw === null ? null : StageSummary.safeParse(raw);
  if (!parsed?.success) return null;
  const move = (u: string) => rebase(u, layout, runId);
  const outputs = Object.fromEntries(
    Object.entries(parsed.data.outputs).map(([k, v]) => [k, Array.isArray(v) ? v.map(move) : move(v)]),
  );
  return { ...parsed.data, outputs };
}

async function readVisitFiles(
  layout: RunLayout,
  runId: string,
  visit: Omit<VisitFiles, "dir" | "success" | "summary" | "logFile">,
): Promise<VisitFiles> {
  const dir = layout.stage(visit.stage.id, visit.iteration);
  if (!visit.enabled) return { ...visit, dir, success: false, summary: null };
  const log = joinUri(dir, "worker.log");
  const [success, summary, hasLog] = await Promise.all([
    exists(joinUri(dir, "_SUCCESS")),
    readSummary(dir, layout, runId),
    visit.stage.kind === "batch" ? exists(log) : Promise.resolve(false),
  ]);
  return { ...visit, dir, success, summary, ...(hasLog ? { logFile: log } : {}) };
}

/** `{step, loss}` of each line of an SFT stage's metrics.jsonl that has both. */
export function parseLossLines(text: string): LossPoint[] {
  const points: LossPoint[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const { step, loss } = JSON.parse(line) as { step?: unknown; loss?: unknown };
      if (typeof step === "number" && typeof loss === "number") points.push({ step, loss });
    } catch {
      // A line being written when we read: the curve ends before it.
    }
  }
  return points;
}

export interface GatherOptions {
  /** AWS Batch look-up of an s3:// run's GPU jobs (batch-jobs.ts); false skips it. */
  readonly batch?: BatchOptions | false;
}

export async function gatherRun(runUri: string, options: GatherOptions = {}): Promise<InspectModel> {
  const layout = layoutFromRunUri(runUri);
  const runId = layout.root.slice(layout.root.lastIndexOf("/") + 1);
  const manifestText = await readOptional(layout.manifest, readText);
  if (manifestText === null) throw new Error(`not a run: no manifest.json at ${layout.manifest}`);
  const manifest = parseManifest(manifestText, layout.manifest);
  const run = await readRunInfo(layout, runUri, runId);

  // Recipe order; a stage the manifest turns off gets one "skipped" row where it would have run.
  // Of the two GRPO loops only the manifest's shows: the other one is not off, it is not this run's.
  const planned = plannedVisits(manifest);
  const loop = grpoLoopMode(manifest);
  const otherLoop = loop === "block" ? "iteration" : "block";
  const order = RECIPE.flatMap((stage) => {
    if (stage.inLoop === otherLoop) return [];
    if (!isEnabled(stage, manifest)) return [{ stage, enabled: false }];
    // A loop's visits go in at its first stage, iteration by iteration (or block by block).
    if (stage.inLoop && stage !== loopStages(stage.inLoop)[0]) return [];
    const mine = planned.filter((v) => (stage.inLoop ? v.stage.inLoop === stage.inLoop : v.stage === stage));
    return mine.map((v) => ({ ...v, enabled: true }));
  });
  const files = await Promise.all(order.map((v) => readVisitFiles(layout, runId, v)));
  const blockLoop = (id: string) => ["block", "rl2"].includes(stageById(id).inLoop ?? "");
  const visits = decideVisits(files, run).map((v) =>
    blockLoop(v.stage) && v.iteration !== undefined
      ? { ...v, iterations: blockIterations(manifest, v.iteration, roundOfStage(v.stage)) }
      : v,
  );
  const grpo = await gatherIterations(visits, loop);

  const sftLoss: Record<string, LossPoint[]> = {};
  for (const f of files) {
    if (f.stage.kind !== "batch" || f.stage.worker !== "sft" || !f.enabled) continue;
    const text = await readOptional(joinUri(f.dir, "metrics.jsonl"), readText);
    if (text) sftLoss[f.stage.id] = parseLossLines(text);
  }
  const evaluate = visits.find((v: VisitRow) => v.stage === "evaluate" && v.status === "succeeded");
  const evals = evalTable(evaluate?.metrics ?? {}, evalPlan(manifest));
  const batch = options.batch === false ? undefined : await gatherBatch(run, visits, options.batch);
  return {
    run,
    visits,
    sftLoss,
    eval: evals,
    evalSamples: manifest.stages.eval.samples,
    samples: await gatherSamples(visits, grpo.iterations, evals.checkpoints.at(-1)),
    grpo,
    ...(batch ? { batch } : {}),
  };
}
