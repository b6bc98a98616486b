/** The report stage: every stage's summary of the run, gathered into `report/summary.json`. */

import { plannedVisits } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
import { exists, readJson, writeJson } from "../io/objects.ts";
import type { StageFn } from "./context.ts";

export const reportStage: StageFn = async (ctx) => {
  const stages = [];
  for (const visit of plannedVisits(ctx.manifest)) {
    if (visit.stage.id === "report") continue;
    const uri = joinUri(ctx.layout.stage(visit.stage.id, visit.iteration), "metrics.json");
    stages.push({
      id: visit.stage.id,
      iteration: visit.iteration ?? null,
      summary: (await exists(uri)) ? await readJson(uri) : null,
    });
  }
  const uri = joinUri(ctx.layout.report, "summary.json");
  await writeJson(uri, { runId: ctx.manifest.runId, generatedAt: new Date().toISOString(), stages });
  return { outputs: { summary: uri }, metrics: { stages: stages.length } };
};
