/** Rollout batches and helpers shared by the scoring child's tests. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readRows } from "../../functions/io/arrow-read.ts";
import { writeTable } from "../../functions/io/arrow-write.ts";
import type { ScoreColumns, ScoreSettingsT } from "../../functions/score/protocol.ts";
import { RewardWeights, type Row, rollouts, scoredRollouts } from "../../schemas/index.ts";
import { referenceScore } from "./child-reference.ts";
import { RIGHT, type RolloutRow, rollout, WRONG } from "./rollout-fixture.ts";

type ScoredRow = Row<typeof scoredRollouts>;

const STEPS_RIGHT = "<think>2 + 3 = 5\n5 * 4 = 20\n20 + 22 = 42</think> The answer is \\boxed{42}.";
const STEPS_WRONG = "<think>2 + 3 = 5\n5 * 4 = 21\n21 + 22 = 43</think> The answer is \\boxed{43}.";

/**
 * Three groups of four with every kind of row the scorer meets: right and wrong answers, rule-checked
 * steps, process-RM step scores at token ends, RM scores, a truncated completion, two levels; the
 * groups' rows are interleaved.
 */
export function mixedBatch(): RolloutRow[] {
  const a = [RIGHT, WRONG, STEPS_RIGHT, STEPS_WRONG].map((completion, i) =>
    rollout({ group_id: "a", sample_index: i, completion, rm_score: i - 1.5 }),
  );
  const b = [STEPS_RIGHT, STEPS_WRONG, "<think>unfinished 2 + 2 = 4", RIGHT].map((completion, i) =>
    rollout({
      group_id: "b",
      sample_index: i,
      completion,
      level: 3,
      finish_reason: i === 2 ? "length" : "stop",
      rm_step_scores: i === 0 ? [0.9, 0.2, 0.7] : null,
      step_token_ends: i === 0 ? [2, 6, 11] : null,
    }),
  );
  const c = [0, 1, 2, 3].map((i) =>
    rollout({ group_id: "c", sample_index: i, completion: i < 2 ? RIGHT : "no answer at all" }),
  );
  return a.flatMap((row, i) => [row, b[i]!, c[i]!]);
}

export const OUTCOME: ScoreSettingsT = {
  rewards: RewardWeights.parse({ language: 0.1, rewardModel: 0.5 }),
  grpo: { groupSize: 4, advantage: "outcome", advantageNorm: "std" },
};
export const PROCESS: ScoreSettingsT = {
  rewards: RewardWeights.parse({ steps: 0.5, length: 1, lengthTarget: 4 }),
  grpo: { groupSize: 4, advantage: "process", advantageNorm: "none" },
};

export function scoreRequest(id: string, settings: ScoreSettingsT, rows: unknown[], more = false) {
  return JSON.stringify({ id, settings, rows, more });
}

/** Response columns joined onto the sent rows, in the response's order. */
export function joinScores(rows: readonly RolloutRow[], scores: readonly ScoreColumns[]): ScoredRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  return scores.map((s) => ({ ...byId.get(s.id)!, ...s }) as ScoredRow);
}

async function collect<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const row of rows) out.push(row);
  return out;
}

/** Rows through an Arrow file of `def` (float32 columns), as the worker writes and the Lambda reads them. */
export async function throughArrow<T extends typeof rollouts | typeof scoredRollouts>(
  def: T,
  rows: Row<T>[],
): Promise<Row<T>[]> {
  const uri = join(mkdtempSync(join(tmpdir(), "r1flow-child-")), "part-00000.arrow");
  await writeTable(uri, def, rows);
  return collect(readRows(uri, def)) as Promise<Row<T>[]>;
}

/** The score Lambda's rows and summary for `rows` written as one rollouts shard. */
export async function lambdaPath(rows: RolloutRow[], settings: ScoreSettingsT) {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-child-ref-"));
  const shard = join(dir, "part-00000.arrow");
  await writeTable(shard, rollouts, rows);
  const { uri, summary } = await referenceScore(shard, join(dir, "scored"), settings);
  return { rows: await collect(readRows(uri, scoredRollouts)), summary };
}
