/**
 * The `rejection` stage as a Lambda function. Inside a Distributed Map (`shardUri` set) it filters one
 * rollouts shard and returns that shard's counts; called without a shard it filters them all and
 * commits the stage.
 */
import { runStage } from "../stages/context.ts";
import { rejectionStage, rejectShard } from "../stages/rejection.ts";
import { instrumented } from "./shared/powertools.ts";
import { contextOf } from "./shared/stage-event.ts";

export const handler = instrumented("rejection", async (raw: unknown) => {
  const { event, ctx } = await contextOf(raw, "rejection");
  if (!event.shardUri) return runStage(event.stageId, ctx, rejectionStage);
  const started = Date.now();
  const { uri, result } = await rejectShard(ctx, event.shardUri);
  return {
    status: "succeeded",
    durationS: (Date.now() - started) / 1000,
    metrics: { total: result.total, kept: result.kept, ...result.dropped },
    output: uri,
  };
});
