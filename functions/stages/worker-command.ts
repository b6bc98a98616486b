/**
 * The GPU worker's command line after the image's ENTRYPOINT (`python -m r1worker`), one rule for
 * the `plan` stage (the local runner and the state machine's container override) and the Batch job
 * definitions: a stage on one GPU runs directly; a training stage on several GPUs or nodes runs
 * through `launch` (torchrun, one rank per GPU, rendezvous from the AWS Batch multi-node variables),
 * so the ranks form one job and rank 0 alone commits the outputs.
 */
import type { WorkerStage } from "../../schemas/stage-spec.ts";

/** Stages that train (FSDP across ranks, and so may span nodes); rollouts stay one process (vLLM tensor parallel). */
export const TRAINING_WORKERS: readonly WorkerStage[] = ["sft", "reward", "grpo"];

/** Ranks per node for `launch`, or null when the stage runs as one process. */
export function launchRanks(worker: WorkerStage, gpusPerNode: number, nodes: number): number | null {
  if (!TRAINING_WORKERS.includes(worker)) return null;
  return gpusPerNode > 1 || nodes > 1 ? gpusPerNode : null;
}

/**
 * `[stage, "--spec", spec]`, or `["launch", "--nproc-per-node", N, "--", stage, "--spec", spec]`.
 * `stage` and `spec` may be Batch parameter references (`Ref::stage`, `Ref::spec`).
 */
export function workerCommand(stage: string, spec: string, ranksPerNode: number | null): string[] {
  const direct = [stage, "--spec", spec];
  return ranksPerNode === null
    ? direct
    : ["launch", "--nproc-per-node", String(ranksPerNode), "--", ...direct];
}
