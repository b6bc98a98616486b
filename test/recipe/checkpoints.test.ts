/** Which checkpoints a run evaluates: each model once, a stage that is off has none of its own. */
import { describe, expect, it } from "vitest";
import { checkpointModel, runPaths } from "../../functions/stages/paths.ts";
import { runPlan } from "../../functions/stages/validate.ts";
import { checkpointOfStage, EVAL_CHECKPOINTS, evalPlan, modelSource } from "../../recipe/checkpoints.ts";
import { runLayout } from "../../recipe/layout.ts";
import { parseManifest } from "../../recipe/manifest-io.ts";
import { flagEnabled, isEnabled, plannedVisits, stageById } from "../../recipe/recipe.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { miniManifest } from "../pipeline/mini-manifest.ts";

type Switches = { sft: boolean; grpo: boolean; sft2: boolean };
function manifestWith(on: Switches, checkpoints?: string[]) {
  const base = miniManifest("ck");
  const s = base.stages ?? {};
  return Manifest.parse({
    ...base,
    stages: {
      ...s,
      sft: { ...s.sft, enabled: on.sft },
      grpo: { ...s.grpo, enabled: on.grpo },
      sft2: { ...s.sft2, enabled: on.sft2 },
      eval: { ...s.eval, ...(checkpoints ? { checkpoints } : {}) },
    },
  });
}

describe("evalPlan", () => {
  it("evaluates base, sft, grpo and sft2 by default, and final as an alias of sft2", () => {
    const plan = evalPlan(manifestWith({ sft: true, grpo: true, sft2: true }));
    expect(plan).toEqual({
      evaluated: ["base", "sft", "grpo", "sft2"],
      aliases: { final: "sft2" },
      skipped: {},
    });
  });

  it("with round 2 off, final is the GRPO model and sft2 is skipped with the reason", () => {
    const plan = evalPlan(manifestWith({ sft: true, grpo: true, sft2: false }));
    expect(plan.evaluated).toEqual(["base", "sft", "grpo"]);
    expect(plan.aliases).toEqual({ final: "grpo" });
    expect(plan.skipped).toEqual({ sft2: "stages.sft2 is off: its model is grpo's" });
  });

  it("samples final itself when the checkpoint it equals is not listed (today's base vs final)", () => {
    const plan = evalPlan(manifestWith({ sft: true, grpo: true, sft2: false }, ["base", "final"]));
    expect(plan).toEqual({ evaluated: ["base", "final"], aliases: {}, skipped: {} });
  });

  it("evaluates nothing when eval is off", () => {
    const m = manifestWith({ sft: true, grpo: true, sft2: true });
    const off = Manifest.parse({ ...m, stages: { ...m.stages, eval: { ...m.stages.eval, enabled: false } } });
    expect(evalPlan(off).evaluated).toEqual([]);
    expect(EVAL_CHECKPOINTS.some((c) => isEnabled(stageById(`eval-rollout-${c}`), off))).toBe(false);
  });

  it("never samples the same model URI twice, and an alias is the same URI, for every switch setting", () => {
    const layout = runLayout("file:///store", "ck");
    for (let bits = 0; bits < 8; bits++) {
      const on = { sft: (bits & 1) > 0, grpo: (bits & 2) > 0, sft2: (bits & 4) > 0 };
      for (const listed of [[...EVAL_CHECKPOINTS], ["base", "final"], ["sft", "final"]]) {
        const m = manifestWith(on, listed);
        const paths = runPaths(m, layout);
        const plan = evalPlan(m);
        const uris = plan.evaluated.map((c) => checkpointModel(m, paths, c));
        expect(new Set(uris).size, `${JSON.stringify(on)} ${listed}`).toBe(uris.length);
        for (const [alias, same] of Object.entries(plan.aliases)) {
          expect(checkpointModel(m, paths, alias as "final")).toBe(checkpointModel(m, paths, same));
        }
        // Every listed checkpoint is accounted for exactly once.
        const accounted = [...plan.evaluated, ...Object.keys(plan.aliases), ...Object.keys(plan.skipped)];
        expect(accounted.sort()).toEqual([...listed].sort());
        expect(modelSource(m, "final")).toBe(on.sft2 ? "sft2" : on.grpo ? "grpo" : on.sft ? "sft" : "base");
      }
    }
  });

  it("switches exactly the planned eval rollout stages on, in recipe order before evaluate", () => {
    const m = manifestWith({ sft: true, grpo: false, sft2: false });
    const ids = plannedVisits(m).map((v) => v.stage.id);
    const evals = ids.filter((id) => checkpointOfStage(id) !== null);
    expect(evals).toEqual(["eval-rollout-base", "eval-rollout-sft"]);
    expect(ids.indexOf("eval-rollout-sft")).toBe(ids.indexOf("evaluate") - 1);
    expect(flagEnabled("evalFinal", m)).toBe(false);
    expect(flagEnabled("evalSft", m)).toBe(true);
  });

  it("refuses a checkpoint listed twice or unknown, naming the field", () => {
    const text = (checkpoints: unknown) =>
      JSON.stringify({ ...miniManifest("bad"), stages: { eval: { checkpoints } } });
    expect(() => parseManifest(text(["base", "base"]), "m.json")).toThrow(
      /stages\.eval\.checkpoints.*more than once/s,
    );
    expect(() => parseManifest(text(["rl"]), "m.json")).toThrow(/stages\.eval\.checkpoints/);
  });
});

describe("checkpointOfStage", () => {
  it("reads the checkpoint from an eval rollout stage id only", () => {
    expect(checkpointOfStage("eval-rollout-sft2")).toBe("sft2");
    expect(checkpointOfStage("eval-rollout-rl")).toBeNull();
    expect(checkpointOfStage("grpo-rollout")).toBeNull();
  });
});

describe("the state machine's switches (validate's plan)", () => {
  it("carries one switch per checkpoint, on exactly for the checkpoints evalPlan samples", () => {
    const plan = runPlan(manifestWith({ sft: true, grpo: true, sft2: false }));
    expect(plan.enabled).toMatchObject({
      eval: true,
      evalBase: true,
      evalSft: true,
      evalGrpo: true,
      evalSft2: false,
      evalFinal: false,
    });
    const listed = runPlan(manifestWith({ sft: true, grpo: true, sft2: false }, ["base", "final"]));
    expect(listed.enabled).toMatchObject({
      evalBase: true,
      evalSft: false,
      evalGrpo: false,
      evalFinal: true,
    });
  });
});
