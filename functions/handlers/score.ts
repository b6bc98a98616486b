/**
 * The `score` stage as a Lambda function. Inside a Distributed Map (`shardUri` set) it scores one
 * rollouts shard and returns that shard's figures; called without a shard it scores them all and
 * commits the stage.
 */
import { runStage } from "../stages/context.ts";
import { scoreShard, scoreStage } from "../stages/score.ts";
import { instrumented } from "./shared/powertools.ts";
import { contextOf } from "./shared/stage-event.ts";

export const handler = instrumented("score", async (raw: unknown) => {
  const { event, ctx } = await contextOf(raw, "score");
  if (!event.shardUri) return runStage(event.stageId, ctx, scoreStage);
  const started = Date.now();
  const { uri, summary } = await scoreShard(ctx, event.shardUri);
  return {
    status: "succeeded",
    durationS: (Date.now() - started) / 1000,
    metrics: { rows: summary.rows, groups: summary.groups, accuracy: summary.accuracy },
    output: uri,
  };
});
