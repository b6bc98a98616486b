/**
 * The reward-data stage: verified preference pairs and rule-checked step labels from the SFT
 * model's samples. Within a group, each verified-correct completion is paired with an incorrect one
 * (R1/DeepSeekMath: a reward model from correct vs incorrect reasoning for the same problem); each
 * completion whose chain of thought has checkable steps becomes a `step_labels` record.
 */
import { joinUri } from "../../recipe/uri.ts";
import type { Row } from "../../schemas/tables/define.ts";
import { preferencePairs } from "../../schemas/tables/preference-pairs.ts";
import { rollouts } from "../../schemas/tables/rollouts.ts";
import { stepLabels } from "../../schemas/tables/step-labels.ts";
import { checkArithmeticStep } from "../ingest/arithmetic-expr.ts";
import { readShardRows } from "../io/arrow-read.ts";
import { ShardedWriter } from "../io/arrow-write.ts";
import { accuracyReward, chainOfThought, stepRewards } from "../rewards/index.ts";
import type { StageFn } from "./context.ts";

type RolloutRow = Row<typeof rollouts>;

/** Pairs within one group: correct[i] with incorrect[i mod n], at most one pair per correct sample. */
export function pairsOfGroup(
  group: readonly { row: RolloutRow; correct: boolean }[],
): Row<typeof preferencePairs>[] {
  const right = group.filter((g) => g.correct);
  const wrong = group.filter((g) => !g.correct);
  if (right.length === 0 || wrong.length === 0) return [];
  return right.map((c, i) => {
    const r = wrong[i % wrong.length]!;
    return {
      id: `${c.row.id}>${r.row.id}`,
      problem_id: c.row.problem_id,
      prompt: c.row.prompt,
      chosen: c.row.completion,
      rejected: r.row.completion,
      margin: 0,
      origin: "verified" as const,
    };
  });
}

/** Rule step labels of one completion, or null when none of its steps can be checked. */
export function ruleStepLabels(row: RolloutRow): Row<typeof stepLabels> | null {
  const { rewards, ends } = stepRewards(row.completion, checkArithmeticStep);
  if (!rewards.some((r) => r !== 0)) return null;
  const { start } = chainOfThought(row.completion);
  const steps: string[] = [];
  let from = start;
  for (const end of ends) {
    steps.push(row.completion.slice(from, end).trim());
    from = end;
  }
  return {
    id: row.id,
    problem_id: row.problem_id,
    prompt: row.prompt,
    steps,
    labels: rewards,
    origin: "rule",
  };
}

export const pairsStage: StageFn = async (ctx) => {
  const source = ctx.layout.stage("reward-rollout");
  const pairsOut = new ShardedWriter(joinUri(ctx.dir, "pairs"), preferencePairs);
  const stepsOut = new ShardedWriter(joinUri(ctx.dir, "steps"), stepLabels);
  let rowsIn = 0;
  let correct = 0;
  let pairs = 0;
  let labelled = 0;
  let group: { row: RolloutRow; correct: boolean }[] = [];
  const flush = async () => {
    const made = pairsOfGroup(group);
    await pairsOut.writeBatch(made);
    pairs += made.length;
    group = [];
  };
  for await (const row of readShardRows(source, rollouts)) {
    if (group.length > 0 && group[0]!.row.group_id !== row.group_id) await flush();
    const ok = accuracyReward(row.completion, row).correct;
    group.push({ row, correct: ok });
    rowsIn++;
    if (ok) correct++;
    const labels = ruleStepLabels(row);
    if (labels) {
      await stepsOut.write(labels);
      labelled++;
    }
  }
  await flush();
  const warnings =
    pairs === 0 ? ["no group had both a correct and an incorrect sample: no preference pairs"] : [];
  return {
    rowsIn,
    rowsOut: pairs,
    outputs: {
      pairs: (await pairsOut.close()).map((s) => s.uri),
      steps: (await stepsOut.close()).map((s) => s.uri),
    },
    metrics: { accuracy: rowsIn ? correct / rowsIn : 0, pairs, stepRecords: labelled },
    warnings,
  };
};
