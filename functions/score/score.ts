/**
 * The score stage: rule rewards for every rollout, then group-relative advantages per group
 * (rows sharing `group_id`), streaming one group at a time when the group size is known.
 */
import { DEFAULT_EPS, outcomeAdvantages, processAdvantages } from "./advantages.ts";
import {
  type RewardedRollout,
  type RolloutRow,
  rewardRollout,
  type ScoredRolloutRow,
  type ScoreOptions,
} from "./score-row.ts";
import { type ScoreSummary, SummaryAccumulator } from "./summary.ts";

export interface Scorer {
  /** Scores one rollout; returns the rows of the group it completes (with `groupSize`), else []. */
  push(row: RolloutRow): ScoredRolloutRow[];
  /** Scores every group still open (all of them without `groupSize`), in first-seen order. */
  finish(): ScoredRolloutRow[];
  /** The summary of every group scored so far. */
  summary(): ScoreSummary;
}

/**
 * A streaming scorer. It holds only the groups not yet complete: with `groupSize` G, a group is
 * scored when its G-th row arrives, so a shard of whole groups needs memory for about one group;
 * without it, every group waits for `finish()`. A row whose group was already scored, or (with
 * `groupSize`) a group still short of G rows at the end, is an error: its advantages would be computed
 * against a partial group (e.g. a group split across two shards).
 */
export function createScorer(opts: ScoreOptions): Scorer {
  const eps = opts.eps ?? DEFAULT_EPS;
  const open = new Map<string, RewardedRollout[]>();
  const done = new Set<string>();
  const acc = new SummaryAccumulator();
  const where = opts.source ? ` in ${opts.source}` : "";

  const close = (groupId: string, group: RewardedRollout[]): ScoredRolloutRow[] => {
    open.delete(groupId);
    done.add(groupId);
    const rows = group.map((g) => g.row);
    const adv = outcomeAdvantages(
      rows.map((r) => r.reward_total),
      opts.advantageNorm,
      eps,
    );
    rows.forEach((r, i) => {
      r.advantage = adv[i] ?? 0;
    });
    if (opts.advantage === "process") {
      const tokenAdv = processAdvantages(
        group.map(
          (g) => g.steps ?? { stepRewards: [], stepEnds: [], nTokens: g.row.completion_token_ids.length },
        ),
        opts.advantageNorm,
        eps,
      );
      rows.forEach((r, i) => {
        r.token_advantages = tokenAdv[i] ?? null;
      });
    }
    acc.addGroup(
      rows,
      group.map((g) => g.stepsComponent),
    );
    return rows;
  };

  return {
    push(row) {
      if (done.has(row.group_id)) {
        throw new Error(
          `rollout "${row.id}"${where}: group "${row.group_id}" already has ${opts.groupSize} scored rows; ` +
            "a group's rows must all be in one shard, and groupSize must equal the rollout group size",
        );
      }
      const group = open.get(row.group_id) ?? [];
      if (group.length === 0) open.set(row.group_id, group);
      group.push(rewardRollout(row, opts));
      return opts.groupSize !== undefined && group.length >= opts.groupSize ? close(row.group_id, group) : [];
    },
    finish() {
      const [short] = open;
      if (opts.groupSize !== undefined && short) {
        throw new Error(
          `group "${short[0]}"${where} has ${short[1].length} of its ${opts.groupSize} rows: a rollout group ` +
            "must not span shards (the rollout writer cuts shards at group boundaries), and groupSize must " +
            "equal the rollout group size",
        );
      }
      const out: ScoredRolloutRow[] = [];
      for (const [id, group] of [...open]) for (const r of close(id, group)) out.push(r);
      return out;
    },
    summary: () => acc.summary(),
  };
}

/** Scored groups as they complete, then the rest; read `scorer.summary()` after the loop. */
export async function* scoreRolloutStream(
  rows: Iterable<RolloutRow> | AsyncIterable<RolloutRow>,
  scorer: Scorer,
): AsyncGenerator<ScoredRolloutRow[]> {
  for await (const row of rows) {
    const group = scorer.push(row);
    if (group.length > 0) yield group;
  }
  const rest = scorer.finish();
  if (rest.length > 0) yield rest;
}

/**
 * Scores every rollout: the `scored_rollouts` rows (input order within a group, groups in the order
 * they complete) and the summary.
 *
 * @example const { rows, summary } = await scoreRollouts(rollouts, { weights, advantageNorm: "std", advantage: "outcome" });
 */
export async function scoreRollouts(
  rows: Iterable<RolloutRow> | AsyncIterable<RolloutRow>,
  opts: ScoreOptions,
): Promise<{ rows: ScoredRolloutRow[]; summary: ScoreSummary }> {
  const scorer = createScorer(opts);
  const out: ScoredRolloutRow[] = [];
  for await (const group of scoreRolloutStream(rows, scorer)) for (const r of group) out.push(r);
  return { rows: out, summary: scorer.summary() };
}
