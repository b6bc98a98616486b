/**
 * The state machine's definition, built from `RECIPE` in recipe order: validate → ingest →
 * curriculum → sft → reward → GRPO loop → rejection → sft2 → eval → report. Stages switched by the
 * same manifest flag share one `<flag> enabled` Choice; the loop stages form the GRPO loop.
 * Built back to front (each part is given what follows it), read front to back.
 */
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { type EnabledFlag, type LoopKind, RECIPE, type RecipeStage } from "../../recipe/recipe.ts";
import { batchStage } from "./batch-stage.ts";
import { type GrpoLoop, grpoLoop, handOver, LOOP_SHAPES } from "./grpo-loop.ts";
import { lambdaStage } from "./lambda-stage.ts";
import { invoke, type PipelineParts, stagePayload } from "./parts.ts";

/** Consecutive stages under the same switch; `loop` marks a GRPO loop's stages (per iteration or block). */
export interface Segment {
  readonly flag?: EnabledFlag;
  readonly loop?: LoopKind;
  readonly stages: RecipeStage[];
}

export function segmentsOf(recipe: readonly RecipeStage[]): Segment[] {
  const segments: Segment[] = [];
  for (const stage of recipe) {
    const last = segments.at(-1);
    const loop = stage.inLoop;
    if (last && last.flag === stage.enabledBy && last.loop === loop) last.stages.push(stage);
    else segments.push({ flag: stage.enabledBy, loop, stages: [stage] });
  }
  return segments;
}

/** What validate keeps in `$.plan`: the switches, the GRPO iteration and block counts, the GPU placement. */
export const PLAN_SELECTOR = {
  "enabled.$": "$.enabled",
  "iterations.$": "$.iterations",
  "blocks.$": "$.blocks",
  "rl2Blocks.$": "$.rl2Blocks",
  "spot.$": "$.spot",
  "nodes.$": "$.nodes",
};

function stageStates(parts: PipelineParts, stage: RecipeStage, next: sfn.IChainable): sfn.State {
  if (stage.kind === "batch") return batchStage(parts, stage, next);
  const previous = RECIPE[RECIPE.indexOf(stage) - 1];
  if (stage.id !== "validate") return lambdaStage(parts, stage, previous, next);
  const validate = invoke(parts, stage.id, stage.handler, stagePayload(stage), {
    resultSelector: PLAN_SELECTOR,
    resultPath: "$.plan",
    comment: `${stage.title}: the manifest's switches, GRPO iterations and GPU placement`,
  });
  const nodes = parts.config.multiNodeNodes;
  const badNodes = new sfn.Pass(parts.scope, "unsupported node count", {
    parameters: {
      Error: "UnsupportedNodeCount",
      "Cause.$": `States.Format('compute.nodes is {}; this deployment runs 1 or ${nodes} nodes (cdk deploy -c multiNodeNodes=N)', $.plan.nodes)`,
    },
    resultPath: "$.error",
  });
  const checkNodes = new sfn.Choice(parts.scope, "node count supported")
    .when(
      sfn.Condition.or(
        sfn.Condition.numberEquals("$.plan.nodes", 1),
        sfn.Condition.numberEquals("$.plan.nodes", nodes),
      ),
      next,
    )
    .otherwise(
      badNodes.next(
        new sfn.Fail(parts.scope, `${stage.id} failed`, {
          errorPath: "$.error.Error",
          causePath: "$.error.Cause",
        }),
      ),
    );
  validate.next(checkNodes);
  return validate;
}

function chain(parts: PipelineParts, stages: RecipeStage[], next: sfn.IChainable): sfn.State {
  let entry: sfn.IChainable = next;
  for (const stage of [...stages].reverse()) entry = stageStates(parts, stage, entry);
  return entry as sfn.State;
}

/** The whole run; `finish` follows the last stage (records success). */
export function buildDefinition(
  parts: PipelineParts,
  stateMachineName: string,
  finish: sfn.IChainable,
): sfn.State {
  let next: sfn.IChainable = finish;
  const loops: Partial<Record<LoopKind, GrpoLoop>> = {};
  const shared = handOver(parts.scope, stateMachineName);
  for (const segment of segmentsOf(RECIPE).reverse()) {
    let entry: sfn.State;
    if (segment.loop) {
      const body = (n: sfn.IChainable) => chain(parts, segment.stages, n);
      const loop = grpoLoop(parts, shared, LOOP_SHAPES[segment.loop], body, next);
      entry = loop.start;
      loops[segment.loop] = loop;
    } else {
      entry = chain(parts, segment.stages, next);
    }
    if (segment.flag) {
      entry = new sfn.Choice(parts.scope, `${segment.flag} enabled`, {
        comment: `manifest stages.${segment.flag}.enabled`,
      })
        .when(sfn.Condition.booleanEquals(`$.plan.enabled.${segment.flag}`, true), entry)
        .otherwise(next);
    }
    next = entry;
  }
  const entry = new sfn.Choice(parts.scope, "new run or loop continuation", {
    comment:
      "an execution started by a GRPO loop itself carries loop.iteration and loop.kind: it enters that loop " +
      "(no kind: the per-iteration loop, as continuations started before the block loops existed)",
  }).when(sfn.Condition.not(sfn.Condition.isPresent("$.loop.iteration")), next);
  const { iteration, ...blockLoops } = LOOP_SHAPES;
  for (const kind of Object.keys(blockLoops) as (keyof typeof blockLoops)[]) {
    const loop = loops[kind];
    if (!loop) throw new Error(`the recipe has no stages of the ${kind} loop (inLoop)`);
    entry.when(sfn.Condition.stringEquals("$.loop.kind", LOOP_SHAPES[kind].name), loop.resume);
  }
  if (!loops.iteration) throw new Error("the recipe has no per-iteration GRPO loop (inLoop)");
  entry.otherwise(loops.iteration.resume);
  return entry;
}
