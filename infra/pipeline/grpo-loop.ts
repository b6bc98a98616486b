/**
 * A GRPO loop: one loop's recipe stages once per index, counted in `$.loop.iteration` — per GRPO
 * iteration (`grpo loop`, bound `$.plan.iterations`) or per block of K iterations (`grpo block
 * loop`, bound `$.plan.blocks`, one console state per block). An execution runs at most `loopChunk`
 * indices, then starts a new execution of this same state machine at the next one and ends, so no
 * execution comes near the 25,000-event history limit (a Batch `.sync` stage costs about 10 events,
 * a loop iteration about 60, so 25 iterations ≈ 1,500).
 *
 *   <loop> start → <loop> chunk → <loop> iterate ─ index < bound and < chunk end → stages … → <loop> next ↺
 *                                                ├ index < bound → <loop> continue → <loop> handed over → (succeed)
 *                                                └ otherwise → after the loop
 */
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import { invoke, type PipelineParts } from "./parts.ts";

export interface GrpoLoop {
  /** From the `grpo enabled` Choice: iteration 0. */
  readonly start: sfn.State;
  /** Where a continuation execution (input with `loop.iteration`) enters. */
  readonly resume: sfn.State;
}

/** Which loop: its state-name prefix, its bound in `$.plan` and its continuation executions' prefix. */
export interface LoopShape {
  readonly name: string;
  readonly bound: string;
  readonly executionPrefix: string;
}
export const LOOP_SHAPES = {
  iteration: { name: "grpo loop", bound: "$.plan.iterations", executionPrefix: "i" },
  block: { name: "grpo block loop", bound: "$.plan.blocks", executionPrefix: "b" },
  rl2: { name: "rl2 block loop", bound: "$.plan.rl2Blocks", executionPrefix: "r" },
} as const satisfies Record<string, LoopShape>;

/** What every loop's hand-over shares: this state machine, and the state an execution ends in. */
export interface HandOver {
  readonly self: sfn.IStateMachine;
  readonly continued: sfn.Succeed;
}

/** The hand-over parts, made once per definition (construct ids are unique in the scope). */
export function handOver(scope: Construct, stateMachineName: string): HandOver {
  return {
    self: sfn.StateMachine.fromStateMachineName(scope, "Self", stateMachineName),
    continued: new sfn.Succeed(scope, "continued in new execution"),
  };
}

/** The loop around `body`: the loop stages, built to continue into the state it is given. */
export function grpoLoop(
  parts: PipelineParts,
  { self, continued }: HandOver,
  shape: LoopShape,
  body: (next: sfn.IChainable) => sfn.IChainable,
  after: sfn.IChainable,
): GrpoLoop {
  const { scope } = parts;
  const { name, bound } = shape;
  const start = new sfn.Pass(scope, `${name} start`, {
    result: sfn.Result.fromObject({ iteration: 0 }),
    resultPath: "$.loop",
  });
  const chunk = new sfn.Pass(scope, `${name} chunk`, {
    comment: `this execution runs indices [iteration, iteration + ${parts.config.loopChunk})`,
    parameters: {
      "iteration.$": "$.loop.iteration",
      "chunkEnd.$": `States.MathAdd($.loop.iteration, ${parts.config.loopChunk})`,
    },
    resultPath: "$.loop",
  });
  const nextIteration = new sfn.Pass(scope, `${name} next`, {
    parameters: { "iteration.$": "States.MathAdd($.loop.iteration, 1)", "chunkEnd.$": "$.loop.chunkEnd" },
    resultPath: "$.loop",
  });

  const continueRun = new tasks.StepFunctionsStartExecution(scope, `${name} continue`, {
    comment: "start this state machine again at the next iteration (history stays small)",
    stateMachine: self,
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    associateWithParent: true,
    // Deterministic: a retried StartExecution with the same name and input is idempotent.
    name: sfn.JsonPath.format(
      `${shape.executionPrefix}{}-{}`,
      sfn.JsonPath.stringAt("$.loop.iteration"),
      sfn.JsonPath.hash(sfn.JsonPath.stringAt("$$.Execution.Name"), "SHA-1"),
    ),
    input: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt("$.runId"),
      runUri: sfn.JsonPath.stringAt("$.runUri"),
      manifestUri: sfn.JsonPath.stringAt("$.manifestUri"),
      bucket: sfn.JsonPath.stringAt("$.bucket"),
      plan: sfn.JsonPath.objectAt("$.plan"),
      // `kind` routes the new execution into this loop (the recipe has one loop of each kind).
      loop: { iteration: sfn.JsonPath.numberAt("$.loop.iteration"), kind: shape.name },
    }),
    resultSelector: { "executionArn.$": "$.ExecutionArn" },
    resultPath: "$.continuation",
  });
  continueRun.addRetry({
    errors: ["StepFunctions.SdkClientException", "StepFunctions.AWSStepFunctionsException"],
    backoffRate: 2,
    maxAttempts: 4,
  });
  const handedOver = invoke(
    parts,
    `${name} handed over`,
    "status",
    sfn.TaskInput.fromObject({
      action: "run",
      runUri: sfn.JsonPath.stringAt("$.runUri"),
      status: "running",
      executionArn: sfn.JsonPath.stringAt("$.continuation.executionArn"),
    }),
    { resultPath: null, comment: "status.json now points at the new execution" },
  );
  continueRun.next(handedOver).next(continued);

  const iterate = new sfn.Choice(scope, `${name} iterate`)
    .when(
      sfn.Condition.and(
        sfn.Condition.numberLessThanJsonPath("$.loop.iteration", bound),
        sfn.Condition.numberLessThanJsonPath("$.loop.iteration", "$.loop.chunkEnd"),
      ),
      body(nextIteration),
    )
    .when(sfn.Condition.numberLessThanJsonPath("$.loop.iteration", bound), continueRun)
    .otherwise(after);
  nextIteration.next(iterate);
  start.next(chunk).next(iterate);
  return { start, resume: chunk };
}
