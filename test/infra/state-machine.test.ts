/**
 * The rendered state machine: every recipe stage present, in recipe order; Choices on the manifest's
 * switches; Batch stages with plan → skip → .sync job → summary; the GRPO loop and its hand-over to
 * a new execution; Distributed Maps over shard lists; no Catch (redrive re-runs the failed state) and
 * an EventBridge rule that records the end; a valid ASL graph.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { manifestCreatedPattern } from "../../infra/constructs/run-trigger.ts";
import { RECIPE } from "../../recipe/recipe.ts";
import { type AslMachine, type AslState, aslProblems, reachable } from "./asl.ts";
import { logicalId, renderJoin, synthesized } from "./fixture.ts";

function definition(): AslMachine {
  const { template } = synthesized();
  const [sm] = Object.values(template.findResources("AWS::StepFunctions::StateMachine"));
  return JSON.parse(renderJoin(sm!.Properties.DefinitionString)) as AslMachine;
}

const states = (): Record<string, AslState> => definition().States;

type AslValidator = (definition: unknown) => { isValid: boolean; errorsText: (sep?: string) => string };
/** `asl-validator` from npm, when the project has it as a devDependency. */
const ASL_VALIDATOR = "asl-validator";
const aslValidator = await import(ASL_VALIDATOR)
  .then((m: { default: AslValidator }) => m.default)
  .catch(() => null);

// Synthesis bundles every function (a minute or more on a busy machine): once, before the tests.
beforeAll(() => void synthesized(), 300_000);
describe("state machine definition", () => {
  it("is a Standard state machine", () => {
    synthesized().template.hasResourceProperties("AWS::StepFunctions::StateMachine", {
      StateMachineType: "STANDARD",
    });
  });

  it("passes the structural ASL checks (targets exist, all reachable, terminals present)", () => {
    expect(aslProblems(definition())).toEqual([]);
  });

  it.skipIf(aslValidator === null)("is accepted by asl-validator", () => {
    // CloudFormation references stand as placeholders in the rendered definition; the validator
    // wants ARNs where a Task names its resource, so give each reference an ARN of its kind.
    const text = JSON.stringify(definition())
      .replace(/arn:ref:AWS::Partition:/g, "arn:aws:")
      .replace(/getatt:([A-Za-z0-9]+)\.Arn/g, "arn:aws:lambda:us-east-1:123456789012:function:$1")
      .replace(/ref:([A-Za-z0-9]+)/g, "arn:aws:states:us-east-1:123456789012:stateMachine:$1");
    const result = aslValidator!(JSON.parse(text));
    expect(result.errorsText("\n")).toBe("");
    expect(result.isValid).toBe(true);
  });

  it("has every recipe stage, in recipe order along the console's main path", () => {
    const ids = new Set(RECIPE.map((s) => s.id));
    const order = reachable(definition()).filter((name) => ids.has(name));
    expect(order).toEqual(RECIPE.map((s) => s.id));
  });

  it("guards each switchable stage with a Choice on $.plan.enabled.<flag>", () => {
    const all = states();
    for (const flag of new Set(RECIPE.flatMap((s) => (s.enabledBy ? [s.enabledBy] : [])))) {
      const choice = all[`${flag} enabled`];
      expect(choice?.Type, flag).toBe("Choice");
      expect(JSON.stringify(choice?.Choices)).toContain(`$.plan.enabled.${flag}`);
    }
  });

  it("has one eval rollout state per checkpoint, each behind its own switch, then evaluate", () => {
    const all = states();
    const order = reachable(definition());
    for (const [c, flag] of [
      ["base", "evalBase"],
      ["sft", "evalSft"],
      ["grpo", "evalGrpo"],
      ["sft2", "evalSft2"],
      ["final", "evalFinal"],
    ]) {
      expect(all[`eval-rollout-${c}`]?.Type, c).toBe("Task");
      expect(JSON.stringify(all[`${flag} enabled`]?.Choices), c).toContain(`$.plan.enabled.${flag}`);
      expect(order.indexOf(`eval-rollout-${c}`), c).toBeLessThan(order.indexOf("evaluate"));
    }
  });

  it("runs each Batch stage as plan → skip Choice → .sync job on a named queue → summary", () => {
    const all = states();
    for (const stage of RECIPE.filter((s) => s.kind === "batch")) {
      expect(all[stage.id]?.Resource, stage.id).toContain("Functionsplan");
      expect(all[stage.id]?.Next).toBe(`${stage.id} already done`);
      const skip = all[`${stage.id} already done`]!;
      expect(skip.Choices?.[0]?.Next).toBe(`${stage.id} summary`);
      const jobs = Object.entries(all).filter(([n]) => n.startsWith(`${stage.id} job `));
      expect(jobs.length).toBeGreaterThanOrEqual(2);
      for (const [name, job] of jobs) {
        expect(job.Resource, name).toBe("arn:ref:AWS::Partition:states:::batch:submitJob.sync");
        expect(job.Next).toBe(`${stage.id} summary`);
        const params = job.Parameters as Record<string, unknown>;
        expect(String(params.JobQueue)).toMatch(/^getatt:Compute(Spot|OnDemand)Queue/);
      }
      const spot = all[`${stage.id} job spot`]!.Parameters as Record<string, unknown>;
      expect(spot.ContainerOverrides).toEqual({ "Command.$": "$.job.command" });
    }
  });

  it("sends the multi-node job definition to the on-demand queue only", () => {
    const { template } = synthesized();
    const multiNode = logicalId(template, "AWS::Batch::JobDefinition", "Workermultinode");
    const uses = Object.entries(states()).filter(([, s]) =>
      JSON.stringify(s.Parameters ?? {}).includes(multiNode),
    );
    expect(uses.map(([n]) => n).sort()).toEqual([
      "grpo-update job multi-node",
      "reward job multi-node",
      "sft job multi-node",
      "sft2 job multi-node",
    ]);
    for (const [, s] of uses)
      expect(String((s.Parameters as Record<string, unknown>).JobQueue)).toMatch(
        /^getatt:ComputeOnDemandQueue/,
      );
    template.hasResourceProperties("AWS::Batch::JobDefinition", { Type: "multinode" });
  });

  it("fans per-shard stages out with an Express Distributed Map that reads shards.json and writes map-results/", () => {
    const all = states();
    for (const stage of RECIPE.filter((s) => s.kind === "lambda" && s.perShard)) {
      const map = all[stage.id]!;
      expect(map.Type).toBe("Map");
      const processor = map.ItemProcessor as unknown as { ProcessorConfig: Record<string, string> };
      expect(processor.ProcessorConfig).toEqual({ Mode: "DISTRIBUTED", ExecutionType: "EXPRESS" });
      expect(JSON.stringify(map.ItemReader)).toContain("shards.key");
      expect((map.ItemReader as { ReaderConfig: unknown }).ReaderConfig).toEqual({ InputType: "JSON" });
      const writer = map.ResultWriter as { Resource: string; Parameters: Record<string, string> };
      expect(writer.Resource).toContain(":states:::s3:putObject");
      // States.Format('map-results/{}/<stage>…', $.runId…): rendered for a run, then the writer's own
      // manifest.json under it must not match the trigger rule's `runs/*/manifest.json`.
      const format = /^States\.Format\('([^']+)'/.exec(writer.Parameters["Prefix.$"]!)?.[1] ?? "";
      expect(format).toMatch(new RegExp(`^map-results/\\{\\}/${stage.id}(/iter-\\{\\})?$`));
      const written = `${format.replaceAll("{}", "run-1")}/0f1e2d3c/manifest.json`;
      expect(matchesWildcard(written, MANIFEST_WILDCARD), written).toBe(false);
      expect(matchesWildcard("runs/run-1/manifest.json", MANIFEST_WILDCARD)).toBe(true);
    }
  });

  it("loops GRPO with an iteration counter and hands long loops to a new execution", () => {
    const all = states();
    const iterate = all["grpo loop iterate"]!;
    expect(JSON.stringify(iterate.Choices)).toContain("$.plan.iterations");
    expect(JSON.stringify(iterate.Choices)).toContain("$.loop.chunkEnd");
    expect(all["grpo loop next"]?.Next).toBe("grpo loop iterate");
    const handOver = all["grpo loop continue"]!;
    expect(handOver.Resource).toContain(":states:::states:startExecution");
    expect(JSON.stringify(handOver.Parameters)).toContain("stateMachine:R1flow-run");
    expect(JSON.stringify(all["grpo loop chunk"]?.Parameters)).toContain(
      "States.MathAdd($.loop.iteration, 25)",
    );
    expect(all["new run or loop continuation"]?.Default).toBe("grpo loop chunk");
  });

  it("runs the block loop as one curriculum state and one GRPO block job per block, and hands it over too", () => {
    const all = states();
    const iterate = all["grpo block loop iterate"]!;
    expect(JSON.stringify(iterate.Choices)).toContain("$.plan.blocks");
    // One block: the curriculum Lambda picks its K iterations' prompts, then the block's Batch stage.
    const body = iterate.Choices?.[0]?.Next;
    expect(body).toBe("grpo-block-curriculum");
    expect(all["grpo-block-curriculum"]?.Next).toBe("grpo-block");
    expect(all["grpo-block summary"]?.Next).toBe("grpo block loop next");
    expect(JSON.stringify(all["grpo-block-curriculum"]?.Parameters)).toContain("$.loop.iteration");
    const handOver = all["grpo block loop continue"]!;
    expect(handOver.Resource).toContain(":states:::states:startExecution");
    expect(JSON.stringify(handOver.Parameters)).toContain("b{}-{}");
    // A continuation enters the loop that started it (its input's loop.kind).
    const entry = (all["new run or loop continuation"]?.Choices ?? []) as {
      Next: string;
      StringEquals?: string;
    }[];
    const byKind = Object.fromEntries(
      entry.flatMap((c) => (c.StringEquals ? [[c.StringEquals, c.Next]] : [])),
    );
    expect(byKind).toEqual({
      "grpo block loop": "grpo block loop chunk",
      "rl2 block loop": "rl2 block loop chunk",
    });
    expect(JSON.stringify(handOver.Parameters)).toContain('"kind":"grpo block loop"');
    // The per-iteration loop's switch falls through to the block loop's, which falls through to rejection.
    expect(all["grpoStages enabled"]?.Default).toBe("grpoBlock enabled");
    expect(all["grpoBlock enabled"]?.Default).toBe("rejection enabled");
  });

  it("runs R1's second RL round after SFT round 2 as its own block loop, behind its switch", () => {
    const all = states();
    const order = reachable(definition());
    expect(JSON.stringify(all["rl2 enabled"]?.Choices)).toContain("$.plan.enabled.rl2");
    expect(JSON.stringify(all["rl2 block loop iterate"]?.Choices)).toContain("$.plan.rl2Blocks");
    expect(all["rl2-block-curriculum"]?.Next).toBe("rl2-block");
    expect(all["rl2-block summary"]?.Next).toBe("rl2 block loop next");
    expect(order.indexOf("sft2")).toBeLessThan(order.indexOf("rl2-block-curriculum"));
    expect(order.indexOf("rl2-block")).toBeLessThan(order.indexOf("eval-rollout-base"));
    expect(JSON.stringify(all["rl2 block loop continue"]?.Parameters)).toContain("r{}-{}");
  });

  it("catches no stage error, so a redrive re-runs the failed state instead of a Fail state after a Catch", () => {
    const all = states();
    const withCatch = Object.entries(all).filter(([, s]) => s.Catch !== undefined);
    expect(withCatch.map(([n]) => n)).toEqual([]);
    // The only Fail: validate's refusal of a node count this deployment cannot run.
    const fails = Object.entries(all).filter(([, s]) => s.Type === "Fail");
    expect(fails.map(([n]) => n)).toEqual(["validate failed"]);
    expect(all["unsupported node count"]?.Next).toBe("validate failed");
    expect(all["record success"]?.Next).toBe("run succeeded");
  });

  it("records an unsuccessful end through an EventBridge rule on the execution's status change", () => {
    const { template } = synthesized();
    const [machine] = Object.keys(template.findResources("AWS::StepFunctions::StateMachine"));
    const status = logicalId(template, "AWS::Lambda::Function", "Functionsstatus");
    const rules = Object.values(template.findResources("AWS::Events::Rule")).filter(
      (r) => r.Properties.EventPattern?.source?.[0] === "aws.states",
    );
    expect(rules).toHaveLength(1);
    const rule = rules[0]!.Properties;
    expect(rule.EventPattern["detail-type"]).toEqual(["Step Functions Execution Status Change"]);
    expect(rule.EventPattern.detail.status).toEqual(["FAILED", "TIMED_OUT", "ABORTED"]);
    expect(rule.EventPattern.detail.stateMachineArn).toEqual([{ Ref: machine }]);
    const [target] = rule.Targets;
    expect(target.Arn).toEqual({ "Fn::GetAtt": [status, "Arn"] });
    expect(target.InputTransformer.InputPathsMap).toEqual({ detail: "$.detail" });
    expect(JSON.parse(target.InputTransformer.InputTemplate.replace("<detail>", "{}"))).toEqual({
      action: "ended",
      detail: {},
    });
  });
  it("retries Lambda throttling and service errors with backoff", () => {
    for (const [name, state] of Object.entries(states())) {
      if (!state.Resource?.includes("getatt:Functions")) continue;
      const retry = JSON.stringify(state.Retry);
      expect(retry, name).toContain("Lambda.TooManyRequestsException");
      expect(retry, name).toContain('"BackoffRate":2');
    }
  });
});

/** The trigger rule's key filter (test/infra/stack.test.ts checks the synthesized rule carries it). */
const MANIFEST_WILDCARD = (
  manifestCreatedPattern("bucket").detail as { object: { key: { wildcard: string }[] } }
).object.key[0]!.wildcard;

/** EventBridge's wildcard filter: `*` stands for any run of characters, "/" included. */
function matchesWildcard(key: string, pattern: string): boolean {
  const re = pattern
    .split("*")
    .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${re}$`).test(key);
}
