/**
 * Where a run keeps things (DESIGN.md "Data between stages"):
 * `runs/<runId>/manifest.json`, `status.json`, `stages/<NN>-<stage>[/iter-NNNN | /block-NNNN]/…`,
 * `checkpoints/…`, `report/`.
 */
import { stageById, stageNumber } from "./recipe.ts";
import { joinUri } from "./uri.ts";

export interface RunLayout {
  readonly root: string;
  readonly manifest: string;
  readonly status: string;
  readonly report: string;
  stage(id: string, iteration?: number): string;
  checkpoint(name: string): string;
}

/** The layout of run `runId` under a store root (`s3://bucket` or a directory). */
export function runLayout(storeRoot: string, runId: string): RunLayout {
  const root = joinUri(storeRoot, "runs", runId);
  return {
    root,
    manifest: joinUri(root, "manifest.json"),
    status: joinUri(root, "status.json"),
    report: joinUri(root, "report"),
    stage(id, iteration) {
      const dir = joinUri(root, "stages", `${stageNumber(id)}-${id}`);
      if (iteration === undefined) return dir;
      const unit = stageById(id).inLoop === "iteration" ? "iter" : "block";
      return joinUri(dir, `${unit}-${String(iteration).padStart(4, "0")}`);
    },
    checkpoint(name) {
      return joinUri(root, "checkpoints", name);
    },
  };
}
