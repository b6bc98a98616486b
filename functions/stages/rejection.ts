/** The rejection stage (R1 stage 3): the RL policy's samples → a new, filtered `sft_examples` set. */
import { joinUri } from "../../pipeline/layout.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { sftExamples } from "../../schemas/tables/sft-examples.ts";
import { readRows, readShardRows } from "../io/arrow-read.ts";
import { ShardedWriter, writeTable } from "../io/arrow-write.ts";
import { basename } from "../io/uri.ts";
import { rejectionFilter } from "../rejection/index.ts";
import type { StageContext, StageFn } from "./context.ts";

/** Filters one rollouts shard (groups are whole within a shard) into `<dir>/sft/<same name>`. */
export async function rejectShard(ctx: StageContext, shard: string) {
  const result = await rejectionFilter(readRows(shard, rollouts), ctx.manifest.stages.rejection, {
    targetLanguage: ctx.manifest.rewards.targetLanguage,
  });
  const uri = joinUri(ctx.dir, "sft", basename(shard));
  await writeTable(uri, sftExamples, result.rows);
  return { uri, result };
}

export const rejectionStage: StageFn = async (ctx) => {
  const { rejection } = ctx.manifest.stages;
  const result = await rejectionFilter(
    readShardRows(ctx.layout.stage("rejection-rollout"), rollouts),
    rejection,
    {
      targetLanguage: ctx.manifest.rewards.targetLanguage,
    },
  );
  const out = new ShardedWriter(joinUri(ctx.dir, "sft"), sftExamples, { maxRows: 50_000 });
  await out.writeBatch(result.rows);
  const shards = await out.close();
  const metrics: Record<string, number> = {
    total: result.total,
    kept: result.kept,
    prompts: result.prompts,
    keepRate: result.total === 0 ? 0 : result.kept / result.total,
  };
  for (const [reason, n] of Object.entries(result.dropped)) metrics[`dropped.${reason}`] = n;
  const warnings =
    result.kept === 0 ? ["rejection sampling kept no sample: round-2 SFT has nothing to learn"] : [];
  return {
    rowsIn: result.total,
    rowsOut: result.kept,
    outputs: { sft: shards.map((s) => s.uri) },
    metrics,
    warnings,
  };
};
