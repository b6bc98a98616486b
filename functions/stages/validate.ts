/**
 * The validate stage: the manifest was parsed on the way in; here the rest is checked before any GPU
 * is asked for — every data set's file exists, generated sets say how many rows — and the run's plan
 * (stage switches, iteration count) is returned for the state machine's Choice states.
 */
import { blockCount } from "../../recipe/blocks.ts";
import { ENABLED_FLAGS, type EnabledFlag, flagEnabled } from "../../recipe/recipe.ts";
import type { Manifest } from "../../schemas/manifest.ts";
import { exists } from "../io/objects.ts";
import type { StageFn } from "./context.ts";

export class ManifestProblems extends Error {
  constructor(readonly problems: string[]) {
    super(`manifest: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    this.name = "ManifestProblems";
  }
}

/**
 * What the schema cannot see: every data set's file exists, generated sets say how many rows, there is
 * something to train on and, with evaluation on, something to evaluate. One line per problem.
 */
export async function manifestProblems(manifest: Manifest): Promise<string[]> {
  const problems: string[] = [];
  for (const [i, d] of manifest.datasets.entries()) {
    if (d.source === "arithmetic") {
      if (!d.count) problems.push(`datasets[${i}].count: the arithmetic generator needs a row count`);
    } else if (!d.uri) {
      problems.push(`datasets[${i}].uri: data set "${d.name}" (${d.source}) needs a file`);
    } else if (!(await exists(d.uri))) {
      problems.push(`datasets[${i}].uri: not found: ${d.uri}`);
    }
  }
  if (!manifest.datasets.some((d) => d.role !== "eval"))
    problems.push("datasets: no data set has role train or both");
  if (manifest.stages.eval.enabled && !manifest.datasets.some((d) => d.role !== "train")) {
    problems.push("datasets: evaluation is on but no data set has role eval or both");
  }
  return problems;
}

export const validateStage: StageFn = async (ctx) => {
  const problems = await manifestProblems(ctx.manifest);
  if (problems.length > 0) throw new ManifestProblems(problems);
  const plan = runPlan(ctx.manifest);
  const metrics: Record<string, number> = {
    iterations: plan.iterations,
    blocks: plan.blocks,
    rl2Blocks: plan.rl2Blocks,
  };
  for (const [flag, on] of Object.entries(plan.enabled)) metrics[`enabled.${flag}`] = on ? 1 : 0;
  return { outputs: {}, metrics };
};

/** What the state machine's Choice states read (`$.plan`): stage switches, iterations, GPU placement. */
export function runPlan(manifest: Manifest) {
  const { stages, compute } = manifest;
  const enabled = Object.fromEntries(
    ENABLED_FLAGS.map((flag) => [flag, flagEnabled(flag, manifest)]),
  ) as Record<EnabledFlag, boolean>;
  return {
    enabled,
    iterations: stages.grpo.enabled ? stages.grpo.iterations : 0,
    blocks: flagEnabled("grpoBlock", manifest) ? blockCount(manifest) : 0,
    rl2Blocks: stages.rl2.enabled ? blockCount(manifest, 2) : 0,
    spot: compute.spot,
    nodes: compute.nodes,
  };
}
