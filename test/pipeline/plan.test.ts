/**
 * The Batch-stage planner: the spec names the `_SUCCESS` hash of every stage it reads from, so a stage
 * whose inputs were rebuilt is re-run even when its own settings did not change — and is skipped when
 * nothing it depends on changed.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeTable } from "../../functions/io/arrow-write.ts";
import { commitStage, stageHash } from "../../functions/io/commit.ts";
import { stageContext } from "../../functions/stages/context.ts";
import { runPaths } from "../../functions/stages/paths.ts";
import { planBatchStage } from "../../functions/stages/plan.ts";
import { EVAL_CHECKPOINTS, evalRolloutStageId } from "../../recipe/checkpoints.ts";
import { runLayout } from "../../recipe/layout.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { scoredRollouts } from "../../schemas/tables/scored-rollouts.ts";
import { sftExamples } from "../../schemas/tables/sft-examples.ts";
import { miniManifest } from "./mini-manifest.ts";

describe("planning a Batch stage", () => {
  const store = mkdtempSync(join(tmpdir(), "r1flow-plan-"));
  const manifest = Manifest.parse(miniManifest("plan"));
  const layout = runLayout(store, "plan");
  const ingest = layout.stage("ingest");
  const example = {
    id: "a#reference",
    problem_id: "a",
    source: "arithmetic" as const,
    level: 1,
    prompt: "Compute 1 + 1.",
    completion: "<think>\n1 + 1 = 2\n</think>\n\nThe answer is \\boxed{2}.",
    origin: "reference" as const,
  };
  const ingestAs = async (version: string) => {
    const shard = join(ingest, "sft/part-00000.arrow");
    await writeTable(shard, sftExamples, [example]);
    await commitStage(ingest, { stage: "ingest", hash: stageHash([version]), files: [shard] });
  };

  it("records its inputs' hashes, skips when they match, re-runs when one was rebuilt", async () => {
    await ingestAs("v1");
    const ctx = stageContext(manifest, layout, "sft");
    const first = await planBatchStage(ctx, "sft");
    expect(first.skip).toBe(false);
    expect(first.spec.inputs).toEqual({ "stages/02-ingest": stageHash(["v1"]) });
    expect(first.command).toEqual(["sft", "--spec", join(ctx.dir, "spec.json")]);

    // What the worker does on success: `_SUCCESS` with the hash of the spec it ran.
    await commitStage(ctx.dir, { stage: "sft", hash: stageHash([first.spec]), files: [first.specUri] });
    expect((await planBatchStage(ctx, "sft")).skip).toBe(true);

    await ingestAs("v2");
    const again = await planBatchStage(ctx, "sft");
    expect(again.spec.inputs).toEqual({ "stages/02-ingest": stageHash(["v2"]) });
    expect(again.skip).toBe(false);
  });

  it("points each checkpoint's eval rollout at that checkpoint's model", async () => {
    const models: Record<string, string> = {};
    for (const c of EVAL_CHECKPOINTS) {
      const id = evalRolloutStageId(c);
      const { spec } = await planBatchStage(stageContext(manifest, layout, id), id);
      expect(spec.stage, id).toBe("rollout");
      models[c] = "model" in spec ? spec.model : "";
      expect("samplesPerPrompt" in spec && spec.samplesPerPrompt, id).toBe(2);
    }
    const model = (id: string, i?: number) => join(layout.stage(id, i), "model");
    expect(models).toEqual({
      base: "builtin:tiny",
      sft: model("sft"),
      grpo: model("grpo-block", 0), // the block loop (auto): both iterations in block 0
      sft2: model("sft2"),
      final: model("sft2"),
    });
  });

  it("gives each GRPO update the KL reference refreshReferenceEvery picks", async () => {
    const every = Manifest.parse({
      ...miniManifest("refresh-plan"),
      stages: {
        ...miniManifest("refresh-plan").stages,
        grpo: { iterations: 4, refreshReferenceEvery: 2, loop: "stages" },
      },
    });
    const refreshLayout = runLayout(store, "refresh-plan");
    const references = [];
    for (const i of [1, 2, 3]) {
      await writeTable(join(refreshLayout.stage("grpo-score", i), "part-00000.arrow"), scoredRollouts, []);
      const ctx = stageContext(every, refreshLayout, "grpo-update", i);
      const { spec } = await planBatchStage(ctx, "grpo-update");
      references.push("reference" in spec ? spec.reference : undefined);
    }
    const sft = runPaths(every, refreshLayout).sftModel;
    const policyBefore2 = runPaths(every, refreshLayout).policyBefore(2);
    expect(references).toEqual([sft, policyBefore2, policyBefore2]);
  });

  it("hands a block its K iterations' prompts and reserves, the previous block's model and checkpoint, and their hashes", async () => {
    const m = Manifest.parse({
      ...miniManifest("block-plan"),
      stages: {
        ...miniManifest("block-plan").stages,
        grpo: {
          iterations: 5,
          iterationsPerJob: 2,
          refreshReferenceEvery: 2,
          dynamicSampling: { enabled: true, maxRounds: 2 },
        },
      },
    });
    const blockLayout = runLayout(store, "block-plan");
    const paths = runPaths(m, blockLayout);
    const curriculumDir = blockLayout.stage("grpo-block-curriculum", 1);
    const previous = blockLayout.stage("grpo-block", 0);
    expect(curriculumDir).toMatch(/\/stages\/\d{2}-grpo-block-curriculum\/block-0001$/);
    const shard = (dir: string) => join(dir, "part-00000.arrow");
    for (const i of [2, 3]) {
      await writeTable(shard(paths.round(1).batch(i)), problems, []);
      await writeTable(shard(paths.round(1).reserve(i)), problems, []);
    }
    await commitStage(curriculumDir, { stage: "grpo-block-curriculum", hash: stageHash(["c1"]), files: [] });
    await commitStage(previous, { stage: "grpo-block", hash: stageHash(["b0"]), files: [] });

    const { spec } = await planBatchStage(stageContext(m, blockLayout, "grpo-block", 1), "grpo-block");
    if (spec.stage !== "grpo-block") throw new Error(`expected a grpo-block spec, got ${spec.stage}`);
    expect(spec.firstIteration).toBe(2);
    expect(spec.prompts).toEqual([2, 3].map((i) => [shard(join(curriculumDir, "batch", `iter-000${i}`))]));
    expect(spec.reserve).toEqual([2, 3].map((i) => [shard(join(curriculumDir, "reserve", `iter-000${i}`))]));
    expect(spec.groupsPerIteration).toBe(4);
    expect(spec.policy).toBe(join(previous, "model"));
    expect(spec.previousBlock).toBe(previous);
    // refreshReferenceEvery 2 = K: block 1 starts at iteration 2, so its reference is block 0's model.
    expect(spec.reference).toBe(join(previous, "model"));
    const n = (id: string) => blockLayout.stage(id).slice(blockLayout.root.length + 1);
    expect(spec.inputs).toEqual({
      [`${n("grpo-block-curriculum")}/block-0001`]: stageHash(["c1"]),
      [`${n("grpo-block")}/block-0000`]: stageHash(["b0"]),
    });
    // The last block is short: iteration 4 alone, and the policy after it is the run's RL model.
    expect(paths.rlModel).toBe(join(blockLayout.stage("grpo-block", 2), "model"));
  });

  it("hands both rounds' blocks the reward model only when the reward stage runs and rewards.rewardModel > 0, with its hash", async () => {
    const base = miniManifest("block-rm");
    const variant = (rewardModel: number, rewardStage: boolean) =>
      Manifest.parse({
        ...base,
        rewards: { rewardModel },
        stages: {
          ...base.stages,
          reward: { ...base.stages?.reward, enabled: rewardStage },
          grpo: { ...base.stages?.grpo, iterations: 1 },
          rl2: { enabled: true, iterations: 1 },
        },
      });
    const rmLayout = runLayout(store, "block-rm");
    const rewardModel = join(rmLayout.stage("reward"), "model");
    await commitStage(rmLayout.stage("reward"), { stage: "reward", hash: stageHash(["rm1"]), files: [] });
    const planned = async (m: Manifest, stageId: "grpo-block" | "rl2-block") => {
      const paths = runPaths(m, rmLayout);
      const round = stageId === "grpo-block" ? 1 : 2;
      await writeTable(join(paths.round(round).batch(0), "part-00000.arrow"), problems, []);
      const { spec } = await planBatchStage(stageContext(m, rmLayout, stageId, 0), stageId);
      if (spec.stage !== "grpo-block") throw new Error(`expected a grpo-block spec, got ${spec.stage}`);
      return spec;
    };
    const reward = rmLayout.stage("reward").slice(rmLayout.root.length + 1);
    for (const stageId of ["grpo-block", "rl2-block"] as const) {
      const on = await planned(variant(0.5, true), stageId);
      expect(on.rewardModel, stageId).toBe(rewardModel);
      expect(on.inputs[reward], stageId).toBe(stageHash(["rm1"]));
      // (A weight with the reward stage off is refused by the manifest itself.)
      for (const off of [variant(0, true), variant(0, false)]) {
        const spec = await planned(off, stageId);
        expect("rewardModel" in spec, stageId).toBe(false);
        expect(reward in spec.inputs, stageId).toBe(false);
      }
    }
    // A rebuilt reward model changes the block's spec (its inputs), so the block runs again.
    const before = await planned(variant(0.5, true), "grpo-block");
    await commitStage(rmLayout.stage("reward"), { stage: "reward", hash: stageHash(["rm2"]), files: [] });
    const after = await planned(variant(0.5, true), "grpo-block");
    expect(after.inputs[reward]).toBe(stageHash(["rm2"]));
    expect(stageHash([after])).not.toBe(stageHash([before]));
  });
});
