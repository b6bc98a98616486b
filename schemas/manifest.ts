/**
 * The run manifest: what a user uploads to `runs/<runId>/manifest.json` or passes to `r1flow run`.
 * Every object is strict, so a misspelt key is an error rather than a silently ignored setting.
 * Defaults are the values the DeepSeek-R1 (Guo et al. 2025) and DeepSeekMath (Shao et al. 2024)
 * papers report, where they report one; docs/manifest.md lists each with its source.
 */
import { z } from "zod";
import { DatasetSource, Level, RunId, Uri } from "./common.ts";
import {
  CurriculumSettings,
  EvalSettings,
  RejectionSettings,
  RewardWeights,
} from "./settings/lambda-stages.ts";
import {
  GrpoSettings,
  iterationsPerJob,
  RewardModelSettings,
  Rl2Settings,
  RolloutSettings,
  SftSettings,
} from "./settings/worker-stages.ts";

export const ModelSettings = z.strictObject({
  /** `builtin:tiny` (built locally, for the demo and tests), a local directory, a hub id or `s3://` prefix. */
  base: z.string().min(1),
  /** Frozen KL reference; defaults to the model GRPO starts from (the SFT checkpoint). */
  reference: z.string().min(1).optional(),
  /** Smaller model to distil the rejection-sampled set into; absent means round 2 fine-tunes `base`. */
  student: z.string().min(1).optional(),
  /** Longest prompt + completion, in tokens. */
  maxSeqLen: z.number().int().min(32).max(262_144).default(4096),
});

export const DatasetRef = z.strictObject({
  /** Name used in tables and reports, e.g. `gsm8k-train`. */
  name: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, "expected lowercase letters, digits, '-', '_' or '.'"),
  source: DatasetSource,
  /** File or prefix to read; not used by `arithmetic`. */
  uri: Uri.optional(),
  /** train: SFT/RL; eval: benchmarks only; both: e.g. a held-out split of the same source. */
  role: z.enum(["train", "eval", "both"]).default("train"),
  /** Split name recorded on the rows; default from the file name. */
  split: z.string().min(1).optional(),
  /** Rows to generate (arithmetic) or to keep at most (others). */
  count: z.number().int().min(1).optional(),
  /** Keep only these difficulty levels (e.g. MATH levels 1–3); absent keeps all. */
  levels: z.array(Level).min(1).optional(),
  seed: z.number().int().default(0),
});

export const ComputeSettings = z.strictObject({
  /** `auto` picks CUDA when present. */
  device: z.enum(["auto", "cpu", "cuda"]).default("auto"),
  /** bf16 on GPU (R1 trains in bf16/FP8); fp32 on CPU. */
  precision: z.enum(["auto", "bf16", "fp32"]).default("auto"),
  gpusPerNode: z.number().int().min(1).max(8).default(1),
  /** >1 uses an AWS Batch multi-node parallel job (on-demand queue only). */
  nodes: z.number().int().min(1).max(64).default(1),
  /** Spot GPUs for single-node jobs; the worker checkpoints and resumes on reclaim. */
  spot: z.boolean().default(true),
  /** Checkpoint every N optimizer steps (and on SIGTERM). */
  checkpointEvery: z.number().int().min(1).default(50),
});

/** Each switchable stage gets `enabled` (default on). */
const enabled = { enabled: z.boolean().default(true) };

export const StagesSettings = z.strictObject({
  curriculum: CurriculumSettings.prefault({}),
  sft: SftSettings.extend(enabled).prefault({}),
  reward: RewardModelSettings.extend(enabled).prefault({}),
  rollout: RolloutSettings.prefault({}),
  grpo: GrpoSettings.extend(enabled)
    .superRefine((g, ctx) => {
      if (g.iterationsPerJob !== undefined && g.iterationsPerJob > g.iterations) {
        ctx.addIssue({
          code: "custom",
          path: ["iterationsPerJob"],
          message: `expected at most iterations (${g.iterations}) iterations per job`,
        });
      }
    })
    .prefault({}),
  rejection: RejectionSettings.extend(enabled).prefault({}),
  sft2: SftSettings.extend(enabled).prefault({}),
  rl2: Rl2Settings.prefault({}),
  eval: EvalSettings.extend(enabled).prefault({}),
});

export const Manifest = z
  .strictObject({
    version: z.literal(1).default(1),
    runId: RunId,
    description: z.string().optional(),
    model: ModelSettings,
    datasets: z.array(DatasetRef).min(1, "expected at least one data set"),
    rewards: RewardWeights.prefault({}),
    stages: StagesSettings.prefault({}),
    compute: ComputeSettings.prefault({}),
    seed: z.number().int().default(0),
  })
  .superRefine((m, ctx) => {
    const issue = (path: (string | number)[], message: string) =>
      ctx.addIssue({ code: "custom", path, message });
    const g = m.stages.grpo;
    const needs = stagesLoopReasons(m);
    if (g.loop === "block" && needs.length > 0) {
      issue(
        ["stages", "grpo", "loop"],
        `this manifest needs per-iteration stages (${needs.join("; ")}): set "stages" or "auto"`,
      );
    }
    if (m.rewards.rewardModel > 0 && !m.stages.reward.enabled) {
      issue(
        ["rewards", "rewardModel"],
        `weighs a learned reward (${m.rewards.rewardModel}), but stages.reward.enabled is false, so no reward model is trained to give it: set it to 0 or turn the reward stage on`,
      );
    }
    const mode = grpoLoopMode(m);
    // Why the loop is per-iteration stages, for the messages below.
    const why =
      g.loop === "stages"
        ? 'stages.grpo.loop is "stages"'
        : `stages.grpo.loop is "auto" and ${needs.join("; ")}`;
    if (mode === "stages" && m.stages.rl2.enabled) {
      issue(
        ["stages", "rl2", "enabled"],
        `the second RL round runs in the block loop, and this run's loop is per-iteration stages (${why})`,
      );
    }
    if (mode === "stages" && g.dynamicSampling.enabled) {
      issue(
        ["stages", "grpo", "dynamicSampling", "enabled"],
        `dynamic sampling runs in the block loop only, and this run's loop is per-iteration stages (${why})`,
      );
    }
    const k = iterationsPerJob(g);
    if (mode === "block" && g.refreshReferenceEvery % k !== 0) {
      issue(
        ["stages", "grpo", "refreshReferenceEvery"],
        `the block loop loads the reference once per block of ${k} iterations: expected a multiple of ${k} (iterationsPerJob)`,
      );
    }
  });

/** Why a run needs per-iteration stages (none: the block loop can run it). */
function stagesLoopReasons(m: { compute: { gpusPerNode: number; nodes: number } }): string[] {
  const reasons: string[] = [];
  if (m.compute.gpusPerNode > 1 || m.compute.nodes > 1)
    reasons.push(
      `the block loop runs in one process on one GPU, and compute asks for ${m.compute.gpusPerNode} GPU(s) per node × ${m.compute.nodes} node(s)`,
    );
  return reasons;
}

/** The RL loop a run uses: `stages.grpo.loop`, with auto → block unless the run needs stages. */
export function grpoLoopMode(
  m: Parameters<typeof stagesLoopReasons>[0] & { stages: { grpo: { loop: "auto" | "block" | "stages" } } },
): "block" | "stages" {
  const { loop } = m.stages.grpo;
  if (loop !== "auto") return loop;
  return stagesLoopReasons(m).length === 0 ? "block" : "stages";
}

/** What a user writes (defaults optional). */
export type ManifestInput = z.input<typeof Manifest>;
/** What the pipeline sees: every default filled in. */
export type Manifest = z.output<typeof Manifest>;
