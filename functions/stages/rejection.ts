/** The rejection stage (R1 stage 3): the RL policy's samples → a new, filtered `sft_examples` set. */
import { basename, joinUri } from "../../recipe/uri.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { sftExamples } from "../../schemas/tables/sft-examples.ts";
import { readRows, readShards } from "../io/arrow-read.ts";
import { writeTable } from "../io/arrow-write.ts";
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

/** Every shard through `rejectShard` (as the Distributed Map does on AWS), the counts summed. */
export const rejectionStage: StageFn = async (ctx) => {
  const outputs: string[] = [];
  let total = 0;
  let kept = 0;
  let prompts = 0;
  const dropped: Record<string, number> = {};
  for (const shard of await readShards(ctx.layout.stage("rejection-rollout"))) {
    const { uri, result } = await rejectShard(ctx, shard);
    outputs.push(uri);
    total += result.total;
    kept += result.kept;
    prompts += result.prompts;
    for (const [reason, n] of Object.entries(result.dropped))
      dropped[`dropped.${reason}`] = (dropped[`dropped.${reason}`] ?? 0) + n;
  }
  const metrics = { total, kept, prompts, keepRate: total === 0 ? 0 : kept / total, ...dropped };
  const warnings = kept === 0 ? ["rejection sampling kept no sample: round-2 SFT has nothing to learn"] : [];
  return { rowsIn: total, rowsOut: kept, outputs: { sft: outputs }, metrics, warnings };
};
