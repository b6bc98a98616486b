/**
 * What every stage's states are built from, and the conventions they share: a stage's first state
 * is named by its recipe id (its other states `<id> <part>`), its summary lands at
 * `$.stages.<camelCaseId>`. No stage state catches its errors: the execution fails at the failed
 * state itself, so `redrive-execution` re-runs that state (a Catch into a Fail state would make the
 * Fail the unsuccessful step, and a redrive would fail again at once). The status function records
 * the stage from the execution's end event (`infra/constructs/pipeline.ts`).
 */
import { Duration } from "aws-cdk-lib";
import type * as batch from "aws-cdk-lib/aws-batch";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { Construct } from "constructs";
import type { RecipeStage } from "../../recipe/recipe.ts";
import type { InfraConfig } from "../config.ts";
import type { HandlerName, StageFunctions } from "../constructs/stage-functions.ts";
import type { WorkerJobs } from "../constructs/worker-jobs.ts";

export interface PipelineParts {
  readonly scope: Construct;
  readonly config: InfraConfig;
  readonly bucket: s3.IBucket;
  readonly functions: StageFunctions;
  readonly jobs: WorkerJobs;
  readonly spotQueue: batch.IJobQueue;
  readonly onDemandQueue: batch.IJobQueue;
}

/** `grpo-rollout` → `grpoRollout`: JSONPath-safe keys for `$.stages`. */
export function stateKey(id: string): string {
  return id.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** `$.stages.<key>`: where a stage's small summary is kept. */
export function summaryPath(stage: RecipeStage): string {
  return `$.stages.${stateKey(stage.id)}`;
}

/** What a stage function receives: URIs and ids, never data. */
export function stagePayload(stage: RecipeStage, extra: Record<string, unknown> = {}): sfn.TaskInput {
  return sfn.TaskInput.fromObject({
    runId: sfn.JsonPath.stringAt("$.runId"),
    runUri: sfn.JsonPath.stringAt("$.runUri"),
    manifestUri: sfn.JsonPath.stringAt("$.manifestUri"),
    stageId: stage.id,
    ...(stage.inLoop ? { iteration: sfn.JsonPath.numberAt("$.loop.iteration") } : {}),
    ...extra,
  });
}

/** Lambda throttling and service errors: retried with exponential backoff and jitter. */
export const LAMBDA_TRANSIENT = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
];

export function retryLambda<T extends sfn.TaskStateBase>(task: T): T {
  task.addRetry({
    errors: LAMBDA_TRANSIENT,
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 6,
    jitterStrategy: sfn.JitterType.FULL,
  });
  return task;
}

/** A small Lambda call whose trimmed result goes to `resultPath`. */
export function invoke(
  parts: PipelineParts,
  name: string,
  handler: HandlerName,
  payload: sfn.TaskInput,
  opts: { resultSelector?: Record<string, unknown>; resultPath: string | null; comment?: string },
): tasks.LambdaInvoke {
  const task = new tasks.LambdaInvoke(parts.scope, name, {
    lambdaFunction: parts.functions.fn(handler),
    payload,
    payloadResponseOnly: true,
    retryOnServiceExceptions: false,
    resultSelector: opts.resultSelector,
    resultPath: opts.resultPath === null ? sfn.JsonPath.DISCARD : opts.resultPath,
    comment: opts.comment,
  });
  return retryLambda(task);
}

/** The summary a Lambda stage keeps in the state (its outputs stay in S3). */
export const SUMMARY_SELECTOR = {
  "status.$": "$.status",
  "durationS.$": "$.durationS",
  "metrics.$": "$.metrics",
};
