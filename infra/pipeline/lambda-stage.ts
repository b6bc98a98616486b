/**
 * A Lambda stage: one invocation that returns a small summary, or, for a `perShard` stage, a
 * Distributed Map of Express child executions over the shard list the previous stage left in S3
 * (`shards.json`), one invocation per Arrow shard, with the results written to
 * `map-results/<runId>/<stage>[/iter-N]/`.
 */
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import type { LambdaStage, RecipeStage } from "../../recipe/recipe.ts";
import {
  invoke,
  type PipelineParts,
  SUMMARY_SELECTOR,
  stagePayload,
  stateKey,
  summaryPath,
} from "./parts.ts";

/** Where Distributed Maps write their results (and their own manifest.json). */
export const MAP_RESULTS_PREFIX = "map-results/";

export function lambdaStage(
  parts: PipelineParts,
  stage: LambdaStage,
  previous: RecipeStage | undefined,
  next: sfn.IChainable,
): sfn.State {
  if (stage.perShard) return perShardStage(parts, stage, previous, next);
  const task = invoke(parts, stage.id, stage.handler, stagePayload(stage), {
    resultSelector: SUMMARY_SELECTOR,
    resultPath: summaryPath(stage),
    comment: stage.title,
  });
  task.next(next);
  return task;
}

function perShardStage(
  parts: PipelineParts,
  stage: LambdaStage,
  previous: RecipeStage | undefined,
  next: sfn.IChainable,
): sfn.State {
  if (previous?.kind !== "batch") {
    throw new Error(
      `stage "${stage.id}" runs per shard, so it must follow a Batch stage (whose summary lists the shards); ` +
        `it follows ${previous ? `"${previous.id}" (${previous.kind})` : "nothing"}`,
    );
  }
  const iterationArg = stage.inLoop ? "/iter-{}" : "";
  const prefixArgs = [
    sfn.JsonPath.stringAt("$.runId"),
    ...(stage.inLoop ? [sfn.JsonPath.stringAt("$.loop.iteration")] : []),
  ];
  const map = new sfn.DistributedMap(parts.scope, stage.id, {
    comment: `${stage.title}: one invocation per shard`,
    label: stateKey(stage.id),
    mapExecutionType: sfn.StateMachineType.EXPRESS,
    maxConcurrency: parts.config.mapConcurrency,
    toleratedFailurePercentage: 0,
    itemReader: new sfn.S3JsonItemReader({
      bucket: parts.bucket,
      key: sfn.JsonPath.stringAt(`${summaryPath(previous)}.shards.key`),
    }),
    itemSelector: {
      ...stagePayload(stage).value,
      shardUri: sfn.JsonPath.stringAt("$$.Map.Item.Value"),
    },
    // Outside runs/: the writer leaves a manifest.json of its own, which must not look like a run's
    // manifest to the trigger's rule (`runs/*/manifest.json`, where `*` spans "/").
    resultWriterV2: new sfn.ResultWriterV2({
      bucket: parts.bucket,
      prefix: sfn.JsonPath.format(`${MAP_RESULTS_PREFIX}{}/${stage.id}${iterationArg}`, ...prefixArgs),
    }),
    resultSelector: { "mapRunArn.$": "$.MapRunArn", "results.$": "$.ResultWriterDetails" },
    resultPath: summaryPath(stage),
  });
  // The item as an object: `fromJsonPathAt("$")` with payloadResponseOnly renders `"Parameters": "$"`,
  // which hands the function the literal string (aws/aws-cdk#34260).
  const shardInput = sfn.TaskInput.fromObject({
    runId: sfn.JsonPath.stringAt("$.runId"),
    runUri: sfn.JsonPath.stringAt("$.runUri"),
    manifestUri: sfn.JsonPath.stringAt("$.manifestUri"),
    stageId: sfn.JsonPath.stringAt("$.stageId"),
    ...(stage.inLoop ? { iteration: sfn.JsonPath.numberAt("$.iteration") } : {}),
    shardUri: sfn.JsonPath.stringAt("$.shardUri"),
  });
  const shard = invoke(parts, `${stage.id} shard`, stage.handler, shardInput, {
    resultSelector: SUMMARY_SELECTOR,
    resultPath: "$",
    comment: `${stage.title}: one shard`,
  });
  map.itemProcessor(shard);
  map.next(next);
  return map;
}
