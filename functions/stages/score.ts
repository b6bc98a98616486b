/**
 * The GRPO score stage: rule rewards and group-relative advantages for each rollout shard, one output
 * shard per input shard (same name), so a Distributed Map can run it shard by shard.
 */
import { joinUri } from "../../pipeline/layout.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { scoredRollouts } from "../../schemas/tables/scored-rollouts.ts";
import { checkArithmeticStep } from "../ingest/arithmetic-expr.ts";
import { readRows, readShards } from "../io/arrow-read.ts";
import { ArrowFileWriter } from "../io/arrow-sink.ts";
import { BatchEncoder } from "../io/record-batch.ts";
import { basename } from "../io/uri.ts";
import { createScorer, type ScoreSummary } from "../score/index.ts";
import type { StageContext, StageFn } from "./context.ts";

/** Scores one rollouts shard into `<dir>/<same name>`; returns the shard's summary. */
export async function scoreShard(
  ctx: StageContext,
  shard: string,
): Promise<{ uri: string; summary: ScoreSummary }> {
  const { grpo } = ctx.manifest.stages;
  const scorer = createScorer({
    weights: ctx.manifest.rewards,
    advantageNorm: grpo.advantageNorm,
    advantage: grpo.advantage,
    checkStep: checkArithmeticStep,
    groupSize: grpo.groupSize,
  });
  const uri = joinUri(ctx.dir, basename(shard));
  const out = await writerFor(uri);
  for await (const row of readRows(shard, rollouts)) {
    const done = scorer.push(row);
    if (done.length > 0) await out.writeBatch(done);
  }
  await out.writeBatch(scorer.finish());
  await out.close();
  return { uri, summary: scorer.summary() };
}

/** A single-file writer for one output shard (the sharded writer numbers its own files). */
async function writerFor(uri: string) {
  const file = await ArrowFileWriter.open(uri, scoredRollouts.arrowSchema);
  const encoder = new BatchEncoder(scoredRollouts);
  let rows = 0;
  return {
    async writeBatch(batch: Record<string, unknown>[]) {
      if (batch.length === 0) return;
      await file.writeBatch(encoder.encode(batch, rows));
      rows += batch.length;
    },
    close: () => file.close(),
  };
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
