/**
 * The evaluation stage: each checkpoint's samples on the benchmarks → verified `eval_records`, and
 * pass@1 (mean over k), maj@k and unbiased pass@k per benchmark and level, each checkpoint against
 * the one evaluated before it (base → sft → grpo → sft2 → final, those `evalPlan` samples).
 */
import { EVAL_CHECKPOINTS, evalPlan, evalRolloutStageId } from "../../recipe/checkpoints.ts";
import { joinUri } from "../../recipe/uri.ts";
import type { Row } from "../../schemas/tables/define.ts";
import { evalRecords } from "../../schemas/tables/eval-records.ts";
import { problems } from "../../schemas/tables/problems.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { evaluate } from "../evaluate/index.ts";
import { readShardRows } from "../io/arrow-read.ts";
import { ShardedWriter } from "../io/arrow-write.ts";
import { writeJson } from "../io/objects.ts";
import { accuracyReward } from "../rewards/index.ts";
import type { StageContext, StageFn } from "./context.ts";
import { checkpointModel, evalDatasets } from "./paths.ts";

/** Which benchmark each eval problem belongs to (eval sets are small: this map fits in memory). */
async function benchmarkOf(ctx: StageContext): Promise<Map<string, string>> {
  const map = new Map<string, string>();
  for (const d of evalDatasets(ctx.manifest)) {
    for await (const p of readShardRows(ctx.paths.evalProblems(d.name), problems)) map.set(p.id, d.name);
  }
  return map;
}

function record(row: Row<typeof rollouts>, checkpoint: string, benchmark: string): Row<typeof evalRecords> {
  const verdict = accuracyReward(row.completion, row);
  return {
    problem_id: row.problem_id,
    benchmark,
    checkpoint,
    level: row.level,
    sample_index: row.sample_index,
    answer: row.answer,
    answer_type: row.answer_type,
    completion: row.completion,
    extracted_answer: verdict.extracted,
    correct: verdict.correct,
  };
}

export const evaluateStage: StageFn = async (ctx) => {
  const benchmarks = await benchmarkOf(ctx);
  const plan = evalPlan(ctx.manifest);
  const out = new ShardedWriter(joinUri(ctx.dir, "records"), evalRecords, { maxRows: 100_000 });
  const all: Row<typeof evalRecords>[] = [];
  const models: Record<string, string> = {};
  for (const checkpoint of plan.evaluated) {
    models[checkpoint] = checkpointModel(ctx.manifest, ctx.paths, checkpoint);
    for await (const row of readShardRows(ctx.layout.stage(evalRolloutStageId(checkpoint)), rollouts)) {
      const r = record(row, checkpoint, benchmarks.get(row.problem_id) ?? "unknown");
      await out.write(r);
      all.push(r);
    }
  }
  const shards = await out.close();
  const report = await evaluate(all, ctx.manifest.stages.eval, {
    order: EVAL_CHECKPOINTS,
    aliases: plan.aliases,
    models,
  });
  const reportUri = joinUri(ctx.dir, "eval-report.json");
  await writeJson(reportUri, report);
  const metrics: Record<string, number> = {};
  for (const [checkpoint, scores] of Object.entries(report.checkpoints)) {
    for (const [bench, s] of Object.entries(scores.benchmarks)) {
      metrics[`${checkpoint}.${bench}.pass1`] = s.pass1;
      metrics[`${checkpoint}.${bench}.majAtK`] = s.majAtK;
      for (const [k, v] of Object.entries(s.passAtK)) metrics[`${checkpoint}.${bench}.pass@${k}`] = v;
    }
  }
  const warnings = Object.entries(plan.aliases).map(
    ([alias, same]) => `${alias} is the same model as ${same} (${models[same]}): evaluated once, as ${same}`,
  );
  return {
    rowsIn: all.length,
    rowsOut: all.length,
    outputs: { records: shards.map((s) => s.uri), report: reportUri },
    metrics,
    warnings,
  };
};
