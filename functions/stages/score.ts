/**
 * The GRPO score stage: rule rewards and group-relative advantages for each rollout shard, one output
 * shard per input shard (same name), so a Distributed Map can run it shard by shard.
 */
import { basename, joinUri } from "../../recipe/uri.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { scoredRollouts } from "../../schemas/tables/scored-rollouts.ts";
import { readRows, readShards } from "../io/arrow-read.ts";
import { writeTable } from "../io/arrow-write.ts";
import { createScorer, type ScoreSummary, scoreRolloutStream } from "../score/index.ts";
import { scoreOptions } from "../score/serve.ts";
import type { StageContext, StageFn } from "./context.ts";

/** Scores one rollouts shard into `<dir>/<same name>`; returns the shard's summary. */
export async function scoreShard(
  ctx: StageContext,
  shard: string,
): Promise<{ uri: string; summary: ScoreSummary }> {
  const settings = { rewards: ctx.manifest.rewards, grpo: ctx.manifest.stages.grpo };
  const scorer = createScorer(scoreOptions(settings, shard));
  const uri = joinUri(ctx.dir, basename(shard));
  await writeTable(uri, scoredRollouts, scoredRows(scoreRolloutStream(readRows(shard, rollouts), scorer)));
  return { uri, summary: scorer.summary() };
}

/** The rows of the scored groups, one after another. */
async function* scoredRows<T>(groups: AsyncIterable<T[]>): AsyncGenerator<T> {
  for await (const group of groups) yield* group;
}

/** Weighted mean of shard summaries (by rows), for the stage's metrics. */
function combine(summaries: ScoreSummary[]): Record<string, number> {
  const rows = summaries.reduce((n, s) => n + s.rows, 0);
  const groups = summaries.reduce((n, s) => n + s.groups, 0);
  const mean = (f: (s: ScoreSummary) => number) =>
    rows === 0 ? 0 : summaries.reduce((acc, s) => acc + f(s) * s.rows, 0) / rows;
  const metrics: Record<string, number> = {
    rows,
    groups,
    accuracy: mean((s) => s.accuracy),
    truncatedShare: mean((s) => s.truncatedShare),
    zeroVarianceShare: groups === 0 ? 0 : summaries.reduce((n, s) => n + s.zeroVarianceGroups, 0) / groups,
  };
  for (const key of Object.keys(summaries[0]?.meanReward ?? {})) {
    metrics[`reward.${key}`] = mean((s) => (s.meanReward as unknown as Record<string, number>)[key] ?? 0);
  }
  return metrics;
}

export const scoreStage: StageFn = async (ctx) => {
  const shards = await readShards(ctx.layout.stage("grpo-rollout", ctx.iteration));
  const results = [];
  for (const shard of shards) results.push(await scoreShard(ctx, shard));
  const summaries = results.map((r) => r.summary);
  const warnings = [...new Set(summaries.flatMap((s) => s.warnings))];
  const metrics = combine(summaries);
  return {
    rowsIn: metrics.rows,
    rowsOut: metrics.rows,
    outputs: { scored: results.map((r) => r.uri) },
    metrics,
    warnings,
  };
};
