/**
 * The scoring child's wire format (`bin/r1flow-scorer.js`): JSON lines over stdin/stdout, one request
 * per line, one response line per request, in order. The GPU worker's GRPO loop talks to it through
 * `r1worker/rollout/ts_scorer.py`, so the loop scores with these rewards and this verifier, not a copy.
 *
 *   child → {"ready": true, "protocol": 1}                                   once, at start
 *   worker → {"id", "settings": {"rewards", "grpo"}, "rows": [rollouts rows], "source"?, "more"?}
 *   child → {"id", "ok": true, "rows": [scored columns], "summary": ScoreSummary | null}
 *         | {"id", "ok": false, "error": "...", "problems": ["rows[3] (id \"g/3\"): level: ..."]}
 *
 * A batch (one iteration's rollouts) may be sent in several chunks with the same `id`: every chunk
 * but the last has `more: true`; the child keeps the batch's scorer open across them, each response
 * carries the groups that chunk completed, and the last one carries the batch's summary.
 */
import { z } from "zod";
import { GrpoSettings, RewardWeights } from "../../schemas/index.ts";
import { rolloutShape } from "../../schemas/tables/rollouts.ts";
import { scoredRollouts } from "../../schemas/tables/scored-rollouts.ts";
import type { ScoredRolloutRow } from "./score-row.ts";
import type { ScoreSummary } from "./summary.ts";

export const PROTOCOL_VERSION = 1;

/**
 * The settings `scoreShard` reads from the manifest: its `rewards` block, and from `stages.grpo` the
 * group size and the advantage kind. The grpo fields are required here (no schema default): a wrong
 * group size would score partial groups.
 */
export const ScoreSettings = z.strictObject({
  rewards: RewardWeights,
  grpo: z.strictObject({
    groupSize: GrpoSettings.shape.groupSize.unwrap(),
    advantage: GrpoSettings.shape.advantage.unwrap(),
    advantageNorm: GrpoSettings.shape.advantageNorm.unwrap(),
  }),
});
export type ScoreSettingsT = z.output<typeof ScoreSettings>;

/** One request; `rows` are checked one by one against the `rollouts` table so errors name the row. */
export const ScoreRequest = z.strictObject({
  id: z.string().min(1, "expected a non-empty batch id"),
  settings: ScoreSettings,
  /** Where the rows come from (e.g. `iter-0003`), named in the scorer's errors. */
  source: z.string().optional(),
  /** true: more chunks of this batch follow; the summary comes with the last one. */
  more: z.boolean().default(false),
  rows: z.array(z.unknown()),
});
export type ScoreRequestT = z.output<typeof ScoreRequest>;

/** The columns scoring adds to a rollout: a response row is `id` and these. */
export const SCORE_COLUMNS = Object.keys(scoredRollouts.row.shape).filter(
  (key) => !(key in rolloutShape),
) as (keyof ScoredRolloutRow)[];

export type ScoreColumns = Pick<ScoredRolloutRow, "id"> & Partial<ScoredRolloutRow>;

export type ScoreResponse =
  | { id: string | null; ok: true; rows: ScoreColumns[]; summary: ScoreSummary | null }
  | { id: string | null; ok: false; error: string; problems: string[] };

/** The response columns of one scored row. */
export function scoreColumns(row: ScoredRolloutRow): ScoreColumns {
  const out: ScoreColumns = { id: row.id };
  const target = out as Record<string, unknown>;
  for (const key of SCORE_COLUMNS) target[key] = row[key];
  return out;
}
