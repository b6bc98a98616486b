/**
 * Which Batch jobs start the worker under torchrun (`python -m r1worker launch …`): training stages
 * on several GPUs per job and every multi-node job; single-GPU jobs and rollouts run the stage
 * directly. The plan stage's command (the state machine's container override) follows the same
 * rule. Also: the Hugging Face secret is attached only when `hfTokenSecretName` is set.
 */
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { launchRanks, workerCommand } from "../../functions/stages/worker-command.ts";
import { buildR1flow } from "../../infra/build.ts";
import { newApp, synthesized } from "./fixture.ts";

type Container = { Command: string[]; Secrets?: { Name: string }[]; ResourceRequirements: unknown[] };

/** Job definition name (sft, rollout, …, multinode) → its container. */
function containers(template: Template): Record<string, Container> {
  const defs = template.findResources("AWS::Batch::JobDefinition");
  return Object.fromEntries(
    Object.entries(defs).map(([id, d]) => [
      id.replace(/^Worker|[0-9A-F]{8}$/g, ""),
      (d.Properties.ContainerProperties ??
        d.Properties.NodeProperties.NodeRangeProperties[0].Container) as Container,
    ]),
  );
}

const DIRECT = (stage: string) => [stage, "--spec", "Ref::spec"];
const LAUNCHED = (stage: string, n: number) => [
  "launch",
  "--nproc-per-node",
  String(n),
  "--",
  ...DIRECT(stage),
];

describe("worker command", () => {
  it("launches training stages on several GPUs or nodes, and nothing else", () => {
    expect(launchRanks("sft", 1, 1)).toBeNull();
    expect(launchRanks("grpo", 4, 1)).toBe(4);
    expect(launchRanks("reward", 1, 2)).toBe(1);
    expect(launchRanks("rollout", 8, 1)).toBeNull(); // vLLM tensor parallel in one process
    expect(workerCommand("sft", "s3://b/spec.json", null)).toEqual(["sft", "--spec", "s3://b/spec.json"]);
    expect(workerCommand("sft", "s3://b/spec.json", 2)).toEqual([
      "launch",
      "--nproc-per-node",
      "2",
      "--",
      "sft",
      "--spec",
      "s3://b/spec.json",
    ]);
  });
});

describe("job definitions", () => {
  // Synthesis bundles every Lambda: seconds alone, minutes on a loaded machine.
  let single: Record<string, Container>;
  let multi: Record<string, Container>;
  beforeAll(() => {
    single = containers(synthesized().template);
    const app = newApp({
      gpusPerJob: 4,
      jobVcpus: 40,
      jobMemoryGiB: 300,
      gpuInstanceTypes: "g6e.12xlarge",
      hfTokenSecretName: "team/hf",
    });
    multi = containers(
      Template.fromStack(buildR1flow(app, { handlersDir: process.env.R1FLOW_HANDLERS_DIR })),
    );
  }, 900_000);

  it("one GPU per job (the default): single-node jobs run directly, the multi-node job through launch", () => {
    for (const stage of ["sft", "reward", "rollout", "grpo"])
      expect(single[stage]?.Command, stage).toEqual(DIRECT(stage));
    expect(single.multinode?.Command).toEqual(LAUNCHED("Ref::stage", 1));
    for (const [name, container] of Object.entries(single)) expect(container.Secrets, name).toBeUndefined();
  });

  it("several GPUs per job: training stages run one rank per GPU through launch; rollouts stay direct", () => {
    for (const stage of ["sft", "reward", "grpo"])
      expect(multi[stage]?.Command, stage).toEqual(LAUNCHED(stage, 4));
    expect(multi.rollout?.Command).toEqual(DIRECT("rollout"));
    expect(multi.multinode?.Command).toEqual(LAUNCHED("Ref::stage", 4));
    for (const [name, container] of Object.entries(multi)) {
      expect(container.ResourceRequirements, name).toContainEqual({ Type: "GPU", Value: "4" });
      expect(
        container.Secrets?.map((s) => s.Name),
        name,
      ).toEqual(["HF_TOKEN"]);
    }
  });
});
