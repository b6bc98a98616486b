/**
 * Each stage visit's state, decided from what the run left behind: a visit is done when its
 * `_SUCCESS` exists (`metrics.json` then says succeeded or skipped), failed when `status.json`
 * names its stage, running when it is the first unfinished visit of a running run, else pending.
 */

import type { RecipeStage } from "../../recipe/recipe.ts";
import type { StageSummary } from "../../schemas/stage-spec.ts";
import type { RunInfo, VisitRow, VisitStatus } from "./model.ts";

/** What was found in one visit's directory. */
export interface VisitFiles {
  readonly stage: RecipeStage;
  readonly iteration?: number;
  readonly dir: string;
  /** False when the manifest turns the stage off. */
  readonly enabled: boolean;
  readonly success: boolean;
  readonly summary: StageSummary | null;
  /** The worker's log beside the outputs, when there is one. */
  readonly logFile?: string;
}

const FAILED_RUN = new Set(["failed", "interrupted"]);
const LIVE_RUN = new Set(["starting", "running"]);

/** The visits' rows, in the order given (recipe order). */
export function decideVisits(files: readonly VisitFiles[], run: RunInfo): VisitRow[] {
  const unfinished = files.filter((f) => f.enabled && !f.success);
  const failedStage = FAILED_RUN.has(run.status) ? (run.stage ?? unfinished[0]?.stage.id) : undefined;
  const failedVisit = unfinished.find((f) => f.stage.id === failedStage);
  const runningVisit = LIVE_RUN.has(run.status) ? unfinished[0] : undefined;
  return files.map((f) => {
    let status: VisitStatus;
    let note: string | undefined;
    if (!f.enabled) {
      status = "skipped";
      note = "disabled in the manifest";
    } else if (f.success) {
      status = f.summary?.status === "skipped" ? "skipped" : "succeeded";
      if (!f.summary) note = "metrics.json missing";
    } else if (f === failedVisit || f.summary?.status === "failed") {
      status = "failed";
      const cause = f === failedVisit ? (run.cause ?? `run ${run.status}`) : "metrics.json says failed";
      note = f.logFile ? `${cause} (log: ${f.logFile})` : cause;
    } else {
      status = f === runningVisit ? "running" : "pending";
    }
    const s = status === "succeeded" || status === "skipped" ? f.summary : null;
    return {
      stage: f.stage.id,
      title: f.stage.title,
      ...(f.iteration === undefined ? {} : { iteration: f.iteration }),
      dir: f.dir,
      status,
      ...(note === undefined ? {} : { note }),
      ...(s ? { startedAt: s.startedAt, durationS: s.durationS } : {}),
      ...(s?.rowsIn === undefined ? {} : { rowsIn: s.rowsIn }),
      ...(s?.rowsOut === undefined ? {} : { rowsOut: s.rowsOut }),
      outputs: s?.outputs ?? {},
      metrics: s?.metrics ?? {},
      warnings: s?.warnings ?? [],
    };
  });
}
