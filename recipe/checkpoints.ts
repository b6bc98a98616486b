/**
 * Which checkpoints a run evaluates, from the manifest alone (the state machine's switches and the
 * local runner both read it). A checkpoint whose stage is off has no model of its own, and `final`
 * is always the last model trained, so each model is sampled once: `final` is evaluated by its
 * own stage only when the checkpoint it equals is not listed, else it is an alias of that one.
 */
import type { Manifest } from "../schemas/manifest.ts";
import { EVAL_CHECKPOINTS } from "../schemas/settings/lambda-stages.ts";

export type Checkpoint = (typeof EVAL_CHECKPOINTS)[number];
export type TrainedCheckpoint = Exclude<Checkpoint, "final">;
export { EVAL_CHECKPOINTS };

/**
 * The checkpoint whose weights `checkpoint` is in this run: a stage that is off hands on the model
 * before it (the same rule as `runPaths`' sftModel / rlModel / finalModel).
 *
 * @example modelSource(m, "final") // "grpo" when SFT round 2 and RL round 2 are off and GRPO ran
 */
export function modelSource(manifest: Manifest, checkpoint: Checkpoint): Checkpoint {
  const s = manifest.stages;
  const sft: TrainedCheckpoint = s.sft.enabled ? "sft" : "base";
  const grpo: TrainedCheckpoint = s.grpo.enabled && s.grpo.iterations > 0 ? "grpo" : sft;
  const sft2: TrainedCheckpoint = s.sft2.enabled ? "sft2" : grpo;
  // The second RL round's model is a checkpoint of its own: the final one.
  const final: Checkpoint = s.rl2.enabled ? "final" : sft2;
  return { base: "base", sft, grpo, sft2, final }[checkpoint] as Checkpoint;
}

export interface EvalPlan {
  /** Checkpoints sampled by their own eval rollout stage, in recipe order (Δ is vs the one before). */
  readonly evaluated: readonly Checkpoint[];
  /** `final` → the evaluated checkpoint that is the same model, when final is not sampled itself. */
  readonly aliases: Readonly<Partial<Record<Checkpoint, Checkpoint>>>;
  /** Listed checkpoints that are not evaluated, and why. */
  readonly skipped: Readonly<Partial<Record<Checkpoint, string>>>;
}

export function evalPlan(manifest: Manifest): EvalPlan {
  const { eval: settings } = manifest.stages;
  if (!settings.enabled) return { evaluated: [], aliases: {}, skipped: {} };
  const listed = new Set<Checkpoint>(settings.checkpoints);
  const evaluated: Checkpoint[] = [];
  const aliases: Partial<Record<Checkpoint, Checkpoint>> = {};
  const skipped: Partial<Record<Checkpoint, string>> = {};
  for (const c of EVAL_CHECKPOINTS) {
    if (!listed.has(c)) continue;
    const source = modelSource(manifest, c);
    if (c === "final" && evaluated.includes(source)) aliases.final = source;
    else if (c === "final" || source === c) evaluated.push(c);
    else skipped[c] = `stages.${c} is off: its model is ${source}'s`;
  }
  return { evaluated, aliases, skipped };
}

/** The eval rollout stage of a checkpoint: `eval-rollout-<checkpoint>`. */
export const evalRolloutStageId = (checkpoint: Checkpoint) => `eval-rollout-${checkpoint}` as const;

/** The checkpoint an `eval-rollout-<checkpoint>` stage samples, or null for any other stage. */
export function checkpointOfStage(stageId: string): Checkpoint | null {
  const c = stageId.startsWith("eval-rollout-") ? stageId.slice("eval-rollout-".length) : "";
  return (EVAL_CHECKPOINTS as readonly string[]).includes(c) ? (c as Checkpoint) : null;
}
