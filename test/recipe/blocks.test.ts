/** The block loop's arithmetic and the visits it plans, hand-worked: N = 5 in blocks of 2 is 3 jobs. */
import { describe, expect, it } from "vitest";
import { blockCount, blockIterations, blockOf } from "../../recipe/blocks.ts";
import { evalPlan } from "../../recipe/checkpoints.ts";
import { plannedVisits } from "../../recipe/recipe.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { miniManifest } from "../pipeline/mini-manifest.ts";

const base = miniManifest("blocks");
const manifest = (grpo: object, rl2: object = { enabled: false }) =>
  Manifest.parse({ ...base, stages: { ...base.stages, grpo: { ...base.stages?.grpo, ...grpo }, rl2 } });

describe("blocks of GRPO iterations", () => {
  it("cuts N iterations into ⌈N/K⌉ blocks, the last one short", () => {
    const m = manifest({ iterations: 10, iterationsPerJob: 4 });
    expect(blockCount(m)).toBe(3);
    expect([0, 1, 2].map((b) => blockIterations(m, b))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect([0, 3, 4, 9].map((i) => blockOf(m, i))).toEqual([0, 0, 1, 2]);
    expect(() => blockIterations(m, 3)).toThrow(/block 3 is outside RL round 1's 3 blocks of 4 iterations/);
    // Round 2 has its own N (here 3) and the same K.
    const r2 = manifest({ iterations: 10, iterationsPerJob: 4 }, { enabled: true, iterations: 3 });
    expect(blockCount(r2, 2)).toBe(1);
    expect(blockIterations(r2, 0, 2)).toEqual([0, 1, 2]);
  });

  it("plans one curriculum and one block visit per block, per round, and evaluates round 2's model as final", () => {
    const m = manifest({ iterations: 5, iterationsPerJob: 2 }, { enabled: true, iterations: 3 });
    const names = plannedVisits(m).map((v) =>
      v.iteration === undefined ? v.stage.id : `${v.stage.id}#${v.iteration}`,
    );
    const rl = names.filter((n) => /block/.test(n));
    expect(rl).toEqual([
      ...[0, 1, 2].flatMap((b) => [`grpo-block-curriculum#${b}`, `grpo-block#${b}`]),
      ...[0, 1].flatMap((b) => [`rl2-block-curriculum#${b}`, `rl2-block#${b}`]),
    ]);
    expect(names.indexOf("sft2")).toBeLessThan(names.indexOf("rl2-block-curriculum#0"));
    expect(names.some((n) => n.startsWith("grpo-update"))).toBe(false);
    expect(evalPlan(m).evaluated).toEqual(["base", "sft", "grpo", "sft2", "final"]);
    expect(evalPlan(manifest({ iterations: 5 })).aliases).toEqual({ final: "sft2" });
  });
});
