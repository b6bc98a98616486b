/**
 * The GRPO loop: the recipe's loop stages once per iteration, counted in `$.loop`. An execution
 * runs at most `loopChunk` iterations, then starts a new execution of this same state machine at
 * the next iteration and ends, so no execution comes near the 25,000-event history limit (a
 * Batch `.sync` stage costs about 10 events, a loop iteration about 60, so 25 iterations ≈ 1,500).
 *
 *   grpo loop start → grpo loop chunk → grpo loop iterate ─ iteration < iterations and < chunk end → stages … → grpo loop next ↺
 *                                                          ├ iteration < iterations → grpo loop continue → grpo loop handed over → (succeed)
 *                                                          └ otherwise → after the loop
 */
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import { invoke, type PipelineParts } from "./parts.ts";

export interface GrpoLoop {
  /** From the `grpo enabled` Choice: iteration 0. */
  readonly start: sfn.State;
  /** Where a continuation execution (input with `loop.iteration`) enters. */
  readonly resume: sfn.State;
}

/** The loop around `body`: the loop stages, built to continue into the state it is given. */
export function grpoLoop(
  parts: PipelineParts,
  stateMachineName: string,
  body: (next: sfn.IChainable) => sfn.IChainable,
  after: sfn.IChainable,
): GrpoLoop {
  const { scope } = parts;
  const start = new sfn.Pass(scope, "grpo loop start", {
    result: sfn.Result.fromObject({ iteration: 0 }),
    resultPath: "$.loop",
  });
  const chunk = new sfn.Pass(scope, "grpo loop chunk", {
    comment: `this execution runs iterations [iteration, iteration + ${parts.config.loopChunk})`,
    parameters: {
      "iteration.$": "$.loop.iteration",
      "chunkEnd.$": `States.MathAdd($.loop.iteration, ${parts.config.loopChunk})`,
    },
    resultPath: "$.loop",
  });
  const nextIteration = new sfn.Pass(scope, "grpo loop next", {
    parameters: { "iteration.$": "States.MathAdd($.loop.iteration, 1)", "chunkEnd.$": "$.loop.chunkEnd" },
    resultPath: "$.loop",
  });

  const self = sfn.StateMachine.fromStateMachineName(scope, "Self", stateMachineName);
  const continueRun = new tasks.StepFunctionsStartExecution(scope, "grpo loop continue", {
    comment: "start this state machine again at the next iteration (history stays small)",
    stateMachine: self,
    integrationPattern: sfn.IntegrationPattern.REQUEST_RESPONSE,
    associateWithParent: true,
    // Deterministic: a retried StartExecution with the same name and input is idempotent.
    name: sfn.JsonPath.format(
      "i{}-{}",
      sfn.JsonPath.stringAt("$.loop.iteration"),
      sfn.JsonPath.hash(sfn.JsonPath.stringAt("$$.Execution.Name"), "SHA-1"),
    ),
    input: sfn.TaskInput.fromObject({
      runId: sfn.JsonPath.stringAt("$.runId"),
      runUri: sfn.JsonPath.stringAt("$.runUri"),
      manifestUri: sfn.JsonPath.stringAt("$.manifestUri"),
      bucket: sfn.JsonPath.stringAt("$.bucket"),
      plan: sfn.JsonPath.objectAt("$.plan"),
      loop: { iteration: sfn.JsonPath.numberAt("$.loop.iteration") },
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
    "grpo loop handed over",
    "status",
    sfn.TaskInput.fromObject({
      action: "run",
      runUri: sfn.JsonPath.stringAt("$.runUri"),
      status: "running",
      executionArn: sfn.JsonPath.stringAt("$.continuation.executionArn"),
    }),
    { resultPath: null, comment: "status.json now points at the new execution" },
  );
  continueRun.next(handedOver).next(new sfn.Succeed(scope, "continued in new execution"));

  const iterate = new sfn.Choice(scope, "grpo loop iterate")
    .when(
      sfn.Condition.and(
        sfn.Condition.numberLessThanJsonPath("$.loop.iteration", "$.plan.iterations"),
        sfn.Condition.numberLessThanJsonPath("$.loop.iteration", "$.loop.chunkEnd"),
      ),
      body(nextIteration),
    )
    .when(sfn.Condition.numberLessThanJsonPath("$.loop.iteration", "$.plan.iterations"), continueRun)
    .otherwise(after);
  nextIteration.next(iterate);
  start.next(chunk).next(iterate);
  return { start, resume: chunk };
}
