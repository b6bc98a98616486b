/**
 * A Batch GPU stage: `plan` writes the worker's spec and says whether the stage's `_SUCCESS`
 * already matches (then the job is skipped: resume), the job runs with `.sync` on the queue the
 * manifest asks for, and the stage's `metrics.json` is read back into a small summary.
 *
 *   <id> → <id> already done ─yes→ <id> summary
 *                       └no→ <id> placement → <id> job (multi-node | spot | on-demand) → <id> summary
 */
import { Duration } from "aws-cdk-lib";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import type { BatchStage } from "../../recipe/recipe.ts";
import { TRAINING_WORKERS } from "../constructs/worker-jobs.ts";
import { invoke, type PipelineParts, stagePayload, summaryPath } from "./parts.ts";

/** Submitting (not running) a job: Batch API throttling and server errors are worth a retry. */
const BATCH_TRANSIENT = [
  "Batch.AWSBatchException",
  "Batch.ServerException",
  "Batch.TooManyRequestsException",
];

export function batchStage(parts: PipelineParts, stage: BatchStage, next: sfn.IChainable): sfn.State {
  const plan = invoke(parts, stage.id, "plan", stagePayload(stage), {
    resultSelector: { "specUri.$": "$.specUri", "skip.$": "$.skip", "command.$": "$.command" },
    resultPath: "$.job",
    comment: `${stage.title}: write the worker spec; skip when _SUCCESS matches`,
  });
  // Only what the status function's read-back accepts (its schema refuses unknown keys).
  const readBack = sfn.TaskInput.fromObject({
    action: "stage",
    runUri: sfn.JsonPath.stringAt("$.runUri"),
    stageId: stage.id,
    ...(stage.inLoop ? { iteration: sfn.JsonPath.numberAt("$.loop.iteration") } : {}),
  });
  const summary = invoke(parts, `${stage.id} summary`, "status", readBack, {
    resultPath: summaryPath(stage),
    comment: `${stage.title}: read metrics.json back`,
  });
  const submit = (suffix: string, queueArn: string, jobDefinitionArn: string, multiNode: boolean) => {
    const job = new tasks.BatchSubmitJob(parts.scope, `${stage.id} job ${suffix}`, {
      comment: `${stage.title} (${suffix})`,
      integrationPattern: sfn.IntegrationPattern.RUN_JOB,
      jobName: sfn.JsonPath.format(`{}-${stage.id}`, sfn.JsonPath.stringAt("$.runId")),
      jobQueueArn: queueArn,
      jobDefinitionArn,
      // Multi-node jobs take the stage and spec as job parameters (`Ref::stage`, `Ref::spec`).
      payload: sfn.TaskInput.fromObject({
        spec: sfn.JsonPath.stringAt("$.job.specUri"),
        ...(multiNode ? { stage: stage.worker } : {}),
      }),
      ...(multiNode ? {} : { containerOverrides: { command: sfn.JsonPath.listAt("$.job.command") } }),
      resultSelector: { "jobId.$": "$.JobId", "status.$": "$.Status" },
      resultPath: "$.job.result",
    });
    job.addRetry({
      errors: BATCH_TRANSIENT,
      interval: Duration.seconds(10),
      backoffRate: 2,
      maxAttempts: 5,
      jitterStrategy: sfn.JitterType.FULL,
    });
    return job.next(summary);
  };

  const definition = parts.jobs.definition(stage.worker).jobDefinitionArn;
  const placement = new sfn.Choice(parts.scope, `${stage.id} placement`, {
    comment: "multi-node jobs run on-demand only; single-node jobs on spot unless the manifest says no",
  });
  if (TRAINING_WORKERS.includes(stage.worker)) {
    placement.when(
      sfn.Condition.numberGreaterThan("$.plan.nodes", 1),
      submit("multi-node", parts.onDemandQueue.jobQueueArn, parts.jobs.multiNode.jobDefinitionArn, true),
    );
  }
  placement
    .when(
      sfn.Condition.booleanEquals("$.plan.spot", true),
      submit("spot", parts.spotQueue.jobQueueArn, definition, false),
    )
    .otherwise(submit("on-demand", parts.onDemandQueue.jobQueueArn, definition, false));

  const alreadyDone = new sfn.Choice(parts.scope, `${stage.id} already done`, {
    comment: "plan found a _SUCCESS whose hash matches this spec and inputs",
  })
    .when(sfn.Condition.booleanEquals("$.job.skip", true), summary)
    .otherwise(placement);

  summary.next(next);
  plan.next(alreadyDone);
  return plan;
}
