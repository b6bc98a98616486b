/**
 * `stages.grpo.refreshReferenceEvery`: the KL reference of GRPO iteration i is the run's reference
 * until the first refresh, then the policy iteration ⌊i / N⌋·N started from.
 */
import { describe, expect, it } from "vitest";
import { runPaths } from "../../functions/stages/paths.ts";
import { runLayout } from "../../recipe/layout.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { miniManifest } from "./mini-manifest.ts";

const pathsWith = (refreshReferenceEvery: number, reference?: string) => {
  const base = miniManifest("refresh");
  const manifest = Manifest.parse({
    ...base,
    model: { ...base.model, ...(reference ? { reference } : {}) },
    stages: {
      ...base.stages,
      grpo: { ...base.stages?.grpo, iterations: 7, refreshReferenceEvery, loop: "stages" },
    },
  });
  return runPaths(manifest, runLayout("/store", "refresh"));
};

describe("the KL reference of each GRPO iteration", () => {
  it("stays the run's reference when refreshReferenceEvery is 0 (the default)", () => {
    const paths = pathsWith(0);
    expect(paths.reference).toBe(paths.sftModel);
    for (let i = 0; i < 7; i++) expect(paths.referenceAt(i)).toBe(paths.sftModel);
    expect(pathsWith(0, "s3://b/ref").referenceAt(5)).toBe("s3://b/ref");
  });

  it("becomes the current policy every N iterations", () => {
    const paths = pathsWith(3, "s3://b/ref");
    const got = [0, 1, 2, 3, 4, 5, 6].map((i) => paths.referenceAt(i));
    expect(got).toEqual([
      "s3://b/ref",
      "s3://b/ref",
      "s3://b/ref",
      paths.policyBefore(3),
      paths.policyBefore(3),
      paths.policyBefore(3),
      paths.policyBefore(6),
    ]);
    expect(paths.policyBefore(3)).toMatch(/grpo-update\/iter-0002\/model$/);
    expect(pathsWith(1).referenceAt(4)).toBe(pathsWith(1).policyBefore(4)); // every iteration: on-policy KL
  });
});
