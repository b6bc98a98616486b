/**
 * The report stage: every stage's summary of the run, gathered into `report/summary.json`; a block
 * visit's entry (its summary lists `outputs.iterations`) also holds its iterations' records
 * (`iter-NNNN/metrics.json`), so the block loop's per-iteration figures are there as the
 * per-iteration loop's visits are.
 */

import { plannedVisits } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
import { exists, readJson, writeJson } from "../io/objects.ts";
import type { StageFn } from "./context.ts";

/** The records of the iteration directories a block's summary lists (null where one is missing). */
function iterationRecords(summary: unknown): Promise<unknown[]> | null {
  const dirs = (summary as { outputs?: { iterations?: unknown } } | null)?.outputs?.iterations;
  if (!Array.isArray(dirs)) return null;
  return Promise.all(
    dirs.map(async (dir) => {
      const uri = joinUri(String(dir), "metrics.json");
      return (await exists(uri)) ? await readJson(uri) : null;
    }),
  );
}

export const reportStage: StageFn = async (ctx) => {
  const stages = [];
  for (const visit of plannedVisits(ctx.manifest)) {
    if (visit.stage.id === "report") continue;
    const uri = joinUri(ctx.layout.stage(visit.stage.id, visit.iteration), "metrics.json");
    const summary = (await exists(uri)) ? await readJson(uri) : null;
    const iterations = await iterationRecords(summary);
    stages.push({
      id: visit.stage.id,
      iteration: visit.iteration ?? null,
      summary,
      ...(iterations ? { iterations } : {}),
    });
  }
  const uri = joinUri(ctx.layout.report, "summary.json");
  await writeJson(uri, { runId: ctx.manifest.runId, generatedAt: new Date().toISOString(), stages });
  return { outputs: { summary: uri }, metrics: { stages: stages.length } };
};
