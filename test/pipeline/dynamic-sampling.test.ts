/**
 * DAPO's dynamic sampling through the local runner: the block curriculum writes each iteration's
 * reserve, plan hands it to the grpo-block job, and the worker draws from it when dropped groups
 * leave the batch short. The untrained tiny policy answers nothing right, so every group is
 * all-wrong and each iteration uses its extra round (real worker subprocess, real scorer child).
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runLocal } from "../../pipeline/runner.ts";
import { runLayout } from "../../recipe/layout.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { grpoOnlyManifest } from "./mini-manifest.ts";

describe("dynamic sampling in the block loop", () => {
  it("draws from the curriculum's reserve when the batch's groups are all dropped", {
    timeout: 600_000,
  }, async () => {
    const manifest = Manifest.parse(
      grpoOnlyManifest("dynamic", { iterations: 2, dynamicSampling: { enabled: true, maxRounds: 1 } }),
    );
    const store = mkdtempSync(join(tmpdir(), "r1flow-dynamic-"));
    await runLocal(manifest, { store });
    const layout = runLayout(store, "dynamic");
    const spec = JSON.parse(readFileSync(join(layout.stage("grpo-block", 0), "spec.json"), "utf8"));
    expect(spec.groupsPerIteration).toBe(4);
    expect(spec.reserve).toHaveLength(2);
    for (const i of [0, 1]) {
      const dir = join(layout.stage("grpo-block", 0), `iter-000${i}`);
      const { batch, score, rollout } = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8"));
      // Nothing informative in the batch: one extra round of (at most) one batch, from the reserve.
      expect(batch, `iteration ${i}`).toMatchObject({
        groupsPerIteration: 4,
        informativeBefore: 0,
        rounds: 1,
      });
      expect(batch.reservePrompts, `iteration ${i}`).toBeGreaterThan(0);
      expect(batch.reservePrompts, `iteration ${i}`).toBeLessThanOrEqual(4);
      // Sampled: the batch's prompts not dropped earlier in the block, then the reserve's; every
      // round's rows are in the iteration's tables (2 samples per prompt).
      expect(rollout.prompts - batch.reservePrompts, `iteration ${i}`).toBe(4 - rollout.dropped_prompts);
      expect(score.rows, `iteration ${i}`).toBe(2 * rollout.prompts);
    }
  });
});
