/**
 * Prepares a Batch (GPU worker) stage: builds its spec from the manifest and the run layout, writes
 * `spec.json` into the stage's directory, and says whether the stage may be skipped (its `_SUCCESS`
 * holds the hash the worker computes over this same spec). Shared by the local runner and the
 * `plan` Lambda, so both hand the worker identical specs.
 */
import type { z } from "zod";
import { blockIterations } from "../../recipe/blocks.ts";
import { checkpointOfStage } from "../../recipe/checkpoints.ts";
import { roundOfStage, stageById } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
import { parseOrThrow } from "../../schemas/errors.ts";
import { type WorkerSpec, WorkerSpec as WorkerSpecSchema } from "../../schemas/stage-spec.ts";
import type { Row } from "../../schemas/tables/define.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { readShardRows, readShards } from "../io/arrow-read.ts";
import { writeTable } from "../io/arrow-write.ts";
import { isComplete, readSuccess, stageHash } from "../io/commit.ts";
import { writeJson } from "../io/objects.ts";
import { mulberry32 } from "../sampling/prng.ts";
import { Reservoir } from "../sampling/reservoir.ts";
import type { StageContext } from "./context.ts";
import { checkpointModel, evalDatasets, trainDatasets } from "./paths.ts";
import { launchRanks, workerCommand } from "./worker-command.ts";

export interface PlannedStage {
  spec: WorkerSpec;
  specUri: string;
  /** True when the stage already completed with this spec. */
  skip: boolean;
  /** The worker's command line, after `python -m r1worker` (through `launch` on several GPUs). */
  command: string[];
}

/** A seeded uniform sample of at most `limit` rows (0 = all); a reservoir, so any size streams. */
async function sample(rows: AsyncIterable<Row<typeof problems>>, limit: number, seed: number) {
  const kept = new Reservoir<Row<typeof problems>>(limit === 0 ? Infinity : limit, mulberry32(seed));
  for await (const row of rows) kept.offer(row);
  return kept.items;
}

/** Writes the prompts a rollout stage samples from into `<dir>/prompts/` and returns its shards. */
async function promptTable(ctx: StageContext, prefixes: string[], limit: number): Promise<string[]> {
  const rows: Row<typeof problems>[] = [];
  for (const prefix of prefixes) {
    rows.push(...(await sample(readShardRows(prefix, problems), limit, ctx.manifest.seed)));
  }
  const uri = joinUri(ctx.dir, "prompts", "part-00000.arrow");
  await writeTable(uri, problems, rows);
  return [uri];
}

/**
 * `{ rewardModel }` for a GRPO stage that samples (the rollout, the block): the reward stage's
 * model when that stage runs and its score is weighed (rewards.rewardModel > 0); else `{}`.
 */
function scoringRewardModel({ manifest, paths }: StageContext): { rewardModel?: string } {
  const used = manifest.stages.reward.enabled && manifest.rewards.rewardModel > 0;
  return used ? { rewardModel: paths.model("reward") } : {};
}

/** The spec before `inputs` are filled in (input digests need its URIs). */
async function buildSpec(ctx: StageContext, stageId: string): Promise<z.input<typeof WorkerSpecSchema>> {
  const { manifest, paths, layout, dir } = ctx;
  const { stages } = manifest;
  const common = {
    runId: manifest.runId,
    output: dir,
    compute: manifest.compute,
    maxSeqLen: manifest.model.maxSeqLen,
    seed: manifest.seed,
  };
  const settings = <T extends { enabled?: boolean }>(s: T) => {
    const { enabled: _enabled, ...rest } = s;
    return rest;
  };
  const i = ctx.iteration ?? 0;
  const evalPrompts = () =>
    promptTable(
      ctx,
      evalDatasets(manifest).map((d) => paths.evalProblems(d.name)),
      stages.eval.limit,
    );
  const evalRollout = { ...stages.rollout, temperature: stages.eval.temperature, topP: stages.eval.topP };
  evalRollout.maxNewTokens = Math.min(stages.eval.maxNewTokens, stages.rollout.maxNewTokens);
  switch (stageId) {
    case "sft":
      return {
        ...common,
        stage: "sft",
        examples: await readShards(paths.referenceSft),
        model: manifest.model.base,
        settings: settings(stages.sft),
      };
    case "sft2":
      return {
        ...common,
        stage: "sft",
        // R1 stage 3 mixes its sampled reasoning with other SFT data: here, the reference paths.
        examples: [
          ...(await readShards(joinUri(layout.stage("rejection"), "sft"))),
          ...(await readShards(paths.referenceSft)),
        ],
        model: manifest.model.student ?? manifest.model.base,
        settings: settings(stages.sft2),
      };
    case "reward-rollout":
      return {
        ...common,
        stage: "rollout",
        prompts: await promptTable(ctx, [paths.curriculumBatch(0)], stages.reward.prompts),
        model: paths.sftModel,
        samplesPerPrompt: stages.reward.samplesPerPrompt,
        policyVersion: 0,
        settings: stages.rollout,
      };
    case "reward":
      return {
        ...common,
        stage: "reward",
        pairs: await readShards(joinUri(layout.stage("reward-pairs"), "pairs")),
        stepLabels: await readShards(joinUri(layout.stage("reward-pairs"), "steps")),
        rollouts: await readShards(layout.stage("reward-rollout")),
        model: paths.sftModel,
        settings: settings(stages.reward),
      };
    case "grpo-rollout":
      return {
        ...common,
        stage: "rollout",
        prompts: await readShards(paths.curriculumBatch(i)),
        model: paths.policyBefore(i),
        ...scoringRewardModel(ctx),
        samplesPerPrompt: stages.grpo.groupSize,
        policyVersion: i,
        settings: stages.rollout,
      };
    case "grpo-update":
      return {
        ...common,
        stage: "grpo",
        scored: await readShards(layout.stage("grpo-score", i)),
        policy: paths.policyBefore(i),
        reference: paths.referenceAt(i),
        iteration: i,
        // The distribution the rollout sampled from: the update's log-probs are of logits / T.
        temperature: stages.rollout.temperature,
        backend: stages.rollout.backend,
        settings: settings(stages.grpo),
      };
    case "grpo-block":
    case "rl2-block": {
      const round = roundOfStage(stageId);
      const rp = paths.round(round);
      const iterations = blockIterations(manifest, i, round);
      const first = iterations[0] ?? 0;
      const shardsOf = (uri: (it: number) => string) =>
        Promise.all(iterations.map((it) => readShards(uri(it))));
      return {
        ...common,
        stage: "grpo-block",
        prompts: await shardsOf(rp.batch),
        groupsPerIteration: stages.curriculum.batchSize,
        ...(stages.grpo.dynamicSampling.enabled ? { reserve: await shardsOf(rp.reserve) } : {}),
        firstIteration: first,
        policy: rp.policyBefore(first),
        // The previous block's checkpoint carries AdamW's moments, the RNG and the step over.
        ...(i > 0 ? { previousBlock: layout.stage(stageId, i - 1) } : {}),
        reference: rp.referenceAt(first),
        ...scoringRewardModel(ctx),
        rollout: stages.rollout,
        rewards: manifest.rewards,
        // The round's own length: the learning-rate schedule spans it.
        settings: { ...settings(stages.grpo), iterations: rp.iterations },
      };
    }
    case "rejection-rollout":
      return {
        ...common,
        stage: "rollout",
        prompts: await promptTable(
          ctx,
          trainDatasets(manifest).map((d) => paths.trainProblems(d.name)),
          stages.rejection.prompts,
        ),
        model: paths.rlModel,
        samplesPerPrompt: stages.rejection.samplesPerPrompt,
        policyVersion: stages.grpo.enabled ? stages.grpo.iterations : 0,
        settings: stages.rollout,
      };
    case "eval-rollout-base":
    case "eval-rollout-sft":
    case "eval-rollout-grpo":
    case "eval-rollout-sft2":
    case "eval-rollout-final":
      return {
        ...common,
        stage: "rollout",
        prompts: await evalPrompts(),
        model: checkpointModel(manifest, paths, checkpointOfStage(stageId) ?? "final"),
        samplesPerPrompt: stages.eval.samples,
        policyVersion: 0,
        settings: evalRollout,
      };
    default:
      throw new Error(`stage "${stageId}" is not a GPU worker stage`);
  }
}

/** `.../stages/NN-id[/iter-NNNN | /block-NNNN]` of a URI inside a stage's directory, or null. */
function stageDirOf(uri: string): string | null {
  return /^(.*\/stages\/\d{2}-[a-z0-9-]+(?:\/(?:iter|block)-\d{4})?)(?:\/|$)/.exec(uri)?.[1] ?? null;
}

/** The `_SUCCESS` hashes of the other stages whose outputs a spec names, keyed by stage directory. */
export async function inputDigests(spec: object, ownDir: string): Promise<Record<string, string>> {
  // Top-level strings and lists of them, nested lists included (a block's prompts per iteration).
  const uris = Object.values(spec).flatMap((v) =>
    typeof v === "string" ? [v] : Array.isArray(v) ? v.flat(2) : [],
  );
  const dirs = [...new Set(uris.map((u) => (typeof u === "string" ? stageDirOf(u) : null)))].filter(
    (d): d is string => d !== null && d !== ownDir,
  );
  const digests: Record<string, string> = {};
  for (const dir of dirs.sort()) {
    const marker = await readSuccess(dir);
    if (marker) digests[dir.slice(dir.lastIndexOf("/stages/") + 1)] = marker.hash;
  }
  return digests;
}

export async function planBatchStage(ctx: StageContext, stageId: string): Promise<PlannedStage> {
  const stage = stageById(stageId);
  if (stage.kind !== "batch") throw new Error(`stage "${stageId}" runs as a Lambda, not on the worker`);
  const specUri = joinUri(ctx.dir, "spec.json");
  const built = await buildSpec(ctx, stageId);
  const spec = parseOrThrow(
    WorkerSpecSchema,
    { ...built, inputs: await inputDigests(built, ctx.dir) },
    specUri,
  );
  const skip = await isComplete(ctx.dir, stageHash([spec]));
  if (!skip) await writeJson(specUri, spec);
  // One node (locally, and the single-node Batch jobs this overrides); multi-node jobs use their definition's command.
  const ranks = launchRanks(stage.worker, ctx.manifest.compute.gpusPerNode, 1);
  return { spec, specUri, skip, command: workerCommand(stage.worker, specUri, ranks) };
}
