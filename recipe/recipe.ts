/**
 * The R1 recipe as data: the ordered stages, what runs each one, and when the manifest turns it off.
 * The CDK state machine and the local runner are both built from `RECIPE`, so they cannot drift.
 */
import { grpoLoopMode, type Manifest } from "../schemas/manifest.ts";
import type { WorkerStage } from "../schemas/stage-spec.ts";
import { blockCount, type RlRound } from "./blocks.ts";
import { type Checkpoint, EVAL_CHECKPOINTS, evalPlan, evalRolloutStageId } from "./checkpoints.ts";

/** Lambda stages run in-process locally; the names are the handlers in `functions/`. */
export const LAMBDA_HANDLERS = [
  "validate",
  "ingest",
  "curriculum",
  "pairs",
  "score",
  "rejection",
  "evaluate",
  "report",
] as const;
export type LambdaHandler = (typeof LAMBDA_HANDLERS)[number];

/** The switch of each checkpoint's eval rollout (camelCase: a JSONPath key of `$.plan.enabled`). */
const EVAL_FLAGS = {
  base: "evalBase",
  sft: "evalSft",
  grpo: "evalGrpo",
  sft2: "evalSft2",
  final: "evalFinal",
} as const satisfies Record<Checkpoint, string>;
const evalFlag = (c: Checkpoint) => EVAL_FLAGS[c];
const STAGE_FLAGS = ["sft", "reward", "grpo", "rejection", "sft2", "rl2", "eval"] as const;
type StageFlag = (typeof STAGE_FLAGS)[number];
/** The two shapes of the GRPO loop, one switch each: GRPO on and `grpoLoopMode` picks it. */
const LOOP_FLAGS = { grpoStages: "stages", grpoBlock: "block" } as const;
type LoopFlag = keyof typeof LOOP_FLAGS;

/** A switch in the manifest that turns a stage off (a Choice state in the state machine). */
export type EnabledFlag = StageFlag | LoopFlag | (typeof EVAL_FLAGS)[Checkpoint];
export const ENABLED_FLAGS: readonly EnabledFlag[] = [
  ...STAGE_FLAGS,
  ...(Object.keys(LOOP_FLAGS) as LoopFlag[]),
  ...EVAL_CHECKPOINTS.map(evalFlag),
];

/**
 * Whether a switch is on for this manifest: `stages.<flag>.enabled`; for a loop shape, GRPO on and
 * that shape chosen; for a checkpoint's eval rollout, whether `evalPlan` samples that checkpoint
 * (listed, its stage on, not a duplicate model).
 */
export function flagEnabled(flag: EnabledFlag, manifest: Manifest): boolean {
  const checkpoint = EVAL_CHECKPOINTS.find((c) => evalFlag(c) === flag);
  if (checkpoint) return evalPlan(manifest).evaluated.includes(checkpoint);
  if (flag in LOOP_FLAGS) {
    return manifest.stages.grpo.enabled && grpoLoopMode(manifest) === LOOP_FLAGS[flag as LoopFlag];
  }
  return manifest.stages[flag as StageFlag].enabled;
}

interface StageBase {
  /** Stable id, also the state name and the `stages/<NN>-<id>` directory. */
  readonly id: string;
  readonly title: string;
  /** Off when `manifest.stages[flag].enabled` is false. */
  readonly enabledBy?: EnabledFlag;
  /**
   * Part of a GRPO loop: `iteration` stages run once per iteration (under `iter-NNNN/`), `block`
   * stages once per block of K iterations (under `block-NNNN/`). A visit's `iteration` is the index.
   */
  readonly inLoop?: LoopKind;
}
export interface LambdaStage extends StageBase {
  readonly kind: "lambda";
  readonly handler: LambdaHandler;
  /** Fans out over Arrow shards with a Distributed Map on AWS. */
  readonly perShard?: boolean;
}
export interface BatchStage extends StageBase {
  readonly kind: "batch";
  readonly worker: WorkerStage;
}
export type RecipeStage = LambdaStage | BatchStage;
/** iteration: per GRPO iteration; block: per block of round 1; rl2: per block of round 2. */
export type LoopKind = "iteration" | "block" | "rl2";

const lambda = (s: Omit<LambdaStage, "kind">): LambdaStage => ({ kind: "lambda", ...s });
const batch = (s: Omit<BatchStage, "kind">): BatchStage => ({ kind: "batch", ...s });

export const RECIPE: readonly RecipeStage[] = [
  lambda({ id: "validate", title: "Validate manifest", handler: "validate" }),
  lambda({ id: "ingest", title: "Ingest data sets", handler: "ingest" }),
  lambda({ id: "curriculum", title: "Initial curriculum", handler: "curriculum" }),
  batch({ id: "sft", title: "Cold-start SFT", worker: "sft", enabledBy: "sft" }),
  batch({ id: "reward-rollout", title: "Sample for reward data", worker: "rollout", enabledBy: "reward" }),
  lambda({
    id: "reward-pairs",
    title: "Verified pairs and step labels",
    handler: "pairs",
    enabledBy: "reward",
  }),
  batch({ id: "reward", title: "Train reward model", worker: "reward", enabledBy: "reward" }),
  // The GRPO loop as per-iteration stages (several GPUs) …
  ...(
    [
      batch({ id: "grpo-rollout", title: "GRPO rollout", worker: "rollout" }),
      lambda({ id: "grpo-score", title: "GRPO score", handler: "score", perShard: true }),
      batch({ id: "grpo-update", title: "GRPO update", worker: "grpo" }),
      lambda({ id: "grpo-curriculum", title: "Curriculum update", handler: "curriculum" }),
    ] as const
  ).map((s) => ({ ...s, enabledBy: "grpoStages", inLoop: "iteration" }) as const),
  // … or as blocks: the curriculum picks K iterations' prompts, one resident worker job runs them.
  ...(
    [
      lambda({ id: "grpo-block-curriculum", title: "Curriculum for a block", handler: "curriculum" }),
      batch({ id: "grpo-block", title: "GRPO block (K iterations, resident)", worker: "grpo-block" }),
    ] as const
  ).map((s) => ({ ...s, enabledBy: "grpoBlock", inLoop: "block" }) as const),
  batch({ id: "rejection-rollout", title: "Rejection sampling", worker: "rollout", enabledBy: "rejection" }),
  lambda({
    id: "rejection",
    title: "Rejection filter",
    handler: "rejection",
    perShard: true,
    enabledBy: "rejection",
  }),
  batch({ id: "sft2", title: "SFT round 2 / distill", worker: "sft", enabledBy: "sft2" }),
  // R1's second RL round, on the SFT round 2 model, as blocks.
  ...(
    [
      lambda({ id: "rl2-block-curriculum", title: "Curriculum for a round-2 block", handler: "curriculum" }),
      batch({ id: "rl2-block", title: "RL round 2 block (K iterations, resident)", worker: "grpo-block" }),
    ] as const
  ).map((s) => ({ ...s, enabledBy: "rl2", inLoop: "rl2" }) as const),
  // One state per checkpoint, each behind its own switch (see recipe/checkpoints.ts).
  ...EVAL_CHECKPOINTS.map((c) =>
    batch({
      id: evalRolloutStageId(c),
      title: `Evaluation samples, ${c} model`,
      worker: "rollout",
      enabledBy: evalFlag(c),
    }),
  ),
  lambda({ id: "evaluate", title: "Evaluate", handler: "evaluate", enabledBy: "eval" }),
  lambda({ id: "report", title: "Report", handler: "report" }),
];

export function stageById(id: string): RecipeStage {
  const stage = RECIPE.find((s) => s.id === id);
  if (!stage) throw new Error(`unknown stage "${id}"; stages: ${RECIPE.map((s) => s.id).join(", ")}`);
  return stage;
}

/** Zero-padded position in the recipe: the `NN` of `stages/<NN>-<id>`. */
export function stageNumber(id: string): string {
  return String(RECIPE.indexOf(stageById(id)) + 1).padStart(2, "0");
}

export function isEnabled(stage: RecipeStage, manifest: Manifest): boolean {
  return stage.enabledBy === undefined || flagEnabled(stage.enabledBy, manifest);
}

/** One visit of a stage: loop stages are visited once per GRPO iteration, or once per block. */
export interface StageVisit {
  readonly stage: RecipeStage;
  /** The loop index: the GRPO iteration, or for a block stage, the block. */
  readonly iteration?: number;
}

/** The stages of one loop, in order. */
export const loopStages = (kind: LoopKind) => RECIPE.filter((s) => s.inLoop === kind);

/** How many times a loop runs: N iterations, or ⌈N/K⌉ blocks of its round. */
export function loopCount(manifest: Manifest, kind: LoopKind): number {
  if (kind === "iteration") return manifest.stages.grpo.iterations;
  return blockCount(manifest, kind === "rl2" ? 2 : 1);
}

/** The stages of each round's block loop. */
export const BLOCK_ROUNDS = {
  1: { curriculum: "grpo-block-curriculum", block: "grpo-block" },
  2: { curriculum: "rl2-block-curriculum", block: "rl2-block" },
} as const satisfies Record<RlRound, { curriculum: string; block: string }>;

/** The RL round of a block-loop stage (`grpo-block` → 1, `rl2-block-curriculum` → 2). */
export function roundOfStage(stageId: string): RlRound {
  const kind = stageById(stageId).inLoop;
  if (kind !== "block" && kind !== "rl2") throw new Error(`stage "${stageId}" is not a block-loop stage`);
  return kind === "rl2" ? 2 : 1;
}

/** The stages a run of this manifest visits, in order — what the runner and the state machine both do. */
export function plannedVisits(manifest: Manifest): StageVisit[] {
  const visits: StageVisit[] = [];
  for (const stage of RECIPE) {
    if (!isEnabled(stage, manifest)) continue;
    if (!stage.inLoop) {
      visits.push({ stage });
    } else if (stage === loopStages(stage.inLoop)[0]) {
      for (let i = 0; i < loopCount(manifest, stage.inLoop); i++) {
        for (const s of loopStages(stage.inLoop)) visits.push({ stage: s, iteration: i });
      }
    }
  }
  return visits;
}
