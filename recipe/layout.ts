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

/** `iter-NNNN` / `block-NNNN`: a loop visit's folder, and an iteration's folder inside a block's. */
export const loopDirName = (unit: "iter" | "block", index: number) =>
  `${unit}-${String(index).padStart(4, "0")}`;

/** `<blockDir>/iter-NNNN`: where a block job writes iteration `i`'s tables and metrics. */
export const blockIterationDir = (blockDir: string, iteration: number) =>
  joinUri(blockDir, loopDirName("iter", iteration));

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
      return joinUri(dir, loopDirName(unit, iteration));
    },
    checkpoint(name) {
      return joinUri(root, "checkpoints", name);
    },
  };
}
