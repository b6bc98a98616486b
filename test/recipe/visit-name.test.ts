/** Visit names as inspect shows them and status.json records a failed one, hand-worked: N = 10, K = 4. */
import { describe, expect, it } from "vitest";
import { runVisitName, visitName } from "../../recipe/visit-name.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { miniManifest } from "../pipeline/mini-manifest.ts";

const base = miniManifest("visit-names");
// Round 1: 10 iterations in blocks of 4 → [0-3], [4-7], [8, 9]; round 2: 5 → [0-3], [4].
const manifest = Manifest.parse({
  ...base,
  stages: {
    ...base.stages,
    grpo: { ...base.stages?.grpo, iterations: 10, iterationsPerJob: 4 },
    rl2: { enabled: true, iterations: 5 },
  },
});

describe("visitName", () => {
  it("names a stage outside the loops by its id, a per-iteration visit by its iteration", () => {
    expect(visitName("sft")).toBe("sft");
    expect(visitName("grpo-update", 3)).toBe("grpo-update [3]");
  });

  it("names a block and the iterations it runs; one iteration alone, none: the block only", () => {
    expect(visitName("grpo-block", 1, [4, 5, 6, 7])).toBe("grpo-block [block 1, iter 4-7]");
    expect(visitName("rl2-block", 1, [4])).toBe("rl2-block [block 1, iter 4]");
    expect(visitName("grpo-block-curriculum", 2)).toBe("grpo-block-curriculum [block 2]");
  });
});

describe("runVisitName", () => {
  it("takes a block's iterations from the manifest: the last block short, round 2 counted from 0", () => {
    expect(runVisitName(manifest, "grpo-block", 1)).toBe("grpo-block [block 1, iter 4-7]");
    expect(runVisitName(manifest, "grpo-block", 2)).toBe("grpo-block [block 2, iter 8-9]");
    expect(runVisitName(manifest, "grpo-block-curriculum", 0)).toBe(
      "grpo-block-curriculum [block 0, iter 0-3]",
    );
    expect(runVisitName(manifest, "rl2-block", 1)).toBe("rl2-block [block 1, iter 4]");
    expect(runVisitName(manifest, "grpo-update", 7)).toBe("grpo-update [7]");
    expect(runVisitName(manifest, "evaluate")).toBe("evaluate");
  });

  it("refuses a block the round has not got", () => {
    expect(() => runVisitName(manifest, "rl2-block", 2)).toThrow(/block 2 is outside RL round 2's 2 blocks/);
  });
});
