/**
 * The validate stage: the manifest was parsed on the way in; here the rest is checked before any GPU
 * is asked for — every data set's file exists, generated sets say how many rows — and the run's plan
 * (stage switches, iteration count) is returned for the state machine's Choice states.
 */
import { exists } from "../io/objects.ts";
import type { StageFn } from "./context.ts";

export class ManifestProblems extends Error {
  constructor(readonly problems: string[]) {
    super(`manifest: ${problems.length} problem(s)\n  ${problems.join("\n  ")}`);
    this.name = "ManifestProblems";
  }
}

export const validateStage: StageFn = async (ctx) => {
  const problems: string[] = [];
  for (const [i, d] of ctx.manifest.datasets.entries()) {
    if (d.source === "arithmetic") {
      if (!d.count) problems.push(`datasets[${i}].count: the arithmetic generator needs a row count`);
    } else if (!d.uri) {
      problems.push(`datasets[${i}].uri: data set "${d.name}" (${d.source}) needs a file`);
    } else if (!(await exists(d.uri))) {
      problems.push(`datasets[${i}].uri: not found: ${d.uri}`);
    }
  }
  if (!ctx.manifest.datasets.some((d) => d.role !== "eval"))
    problems.push("datasets: no data set has role train or both");
  if (ctx.manifest.stages.eval.enabled && !ctx.manifest.datasets.some((d) => d.role !== "train")) {
    problems.push("datasets: evaluation is on but no data set has role eval or both");
  }
  if (problems.length > 0) throw new ManifestProblems(problems);
  const { stages } = ctx.manifest;
  const metrics: Record<string, number> = { iterations: stages.grpo.enabled ? stages.grpo.iterations : 0 };
  for (const flag of ["sft", "reward", "grpo", "rejection", "sft2", "eval"] as const) {
    metrics[`enabled.${flag}`] = stages[flag].enabled ? 1 : 0;
  }
  return { outputs: {}, metrics };
};
