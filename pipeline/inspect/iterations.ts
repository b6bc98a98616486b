/**
 * The run's GRPO iterations as one list, whichever loop ran them: per-iteration, from the succeeded
 * grpo-rollout / grpo-score / grpo-update visits of iteration i; block loop, from each block visit's
 * `iter-NNNN/metrics.json` (a running or failed block's finished iterations included), grpo-block
 * for RL round 1 and rl2-block for round 2 (its iterations counted from 0 again). The charts, the
 * samples, the block rows' key metrics and `--json` all read this one list.
 */

import { z } from "zod";
import { NotFoundError, readJson, readShards } from "../../functions/io/index.ts";
import { blockIterationDir } from "../../recipe/layout.ts";
import { BLOCK_ROUNDS, roundOfStage } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
import { formatIssues } from "../../schemas/errors.ts";
import type { Figures, GrpoIterations, IterationRow, VisitRow } from "./model.ts";

/** The number-valued fields of an object; nested objects, strings and the rest are left out. */
function scalars(value: unknown): Record<string, number> {
  if (value === null || typeof value !== "object") return {};
  return Object.fromEntries(
    Object.entries(value).filter((e): e is [string, number] => typeof e[1] === "number"),
  );
}

/** A score summary's figures, named as the score Lambda names them: `meanReward.total` → `reward.total`. */
export function scoreFigures(summary: unknown): Record<string, number> {
  const figures = scalars(summary);
  const meanReward = (summary as { meanReward?: unknown } | null)?.meanReward;
  for (const [k, v] of Object.entries(scalars(meanReward))) figures[`reward.${k}`] = v;
  return figures;
}

const phases = (seconds: unknown) =>
  Object.fromEntries(Object.entries(scalars(seconds)).map(([k, v]) => [k.replace(/_s$/, ""), v]));

/** What the grpo-block worker writes to `iter-NNNN/metrics.json` (the parts inspect reads). */
const IterationRecord = z.looseObject({
  iteration: z.number().int().min(0),
  rollout: z.record(z.string(), z.unknown()).default({}),
  score: z.record(z.string(), z.unknown()).default({}),
  update: z.record(z.string(), z.unknown()).default({}),
  batch: z.record(z.string(), z.unknown()).default({}),
  droppedProblems: z.number().optional(),
  seconds: z.record(z.string(), z.unknown()).default({}),
});

const iterationDir = blockIterationDir;

/** grpo-block, rl2-block: a block worker's visit, with `iter-NNNN/` records. */
export const isBlockStage = (id: string) => Object.values(BLOCK_ROUNDS).some((r) => r.block === id);

const PHASE = { "grpo-rollout": "rollout", "grpo-score": "score", "grpo-update": "update" } as const;

/** Per-iteration loop: one row per iteration with any of its rollout, score or update done. */
async function stageRows(visits: readonly VisitRow[]): Promise<IterationRow[]> {
  const rows = new Map<number, { -readonly [K in keyof IterationRow]: IterationRow[K] }>();
  const row = (i: number) => {
    const r = rows.get(i) ?? {
      iteration: i,
      round: 1 as const,
      rollout: {},
      score: {},
      update: {},
      batch: {},
      seconds: {},
      scored: [],
    };
    rows.set(i, r);
    return r;
  };
  for (const v of visits) {
    if (v.iteration === undefined || v.status !== "succeeded") continue;
    if (v.stage === "grpo-curriculum") {
      if (rows.has(v.iteration) && v.durationS !== undefined)
        row(v.iteration).seconds = { ...row(v.iteration).seconds, curriculum: v.durationS };
      continue;
    }
    const phase = PHASE[v.stage as keyof typeof PHASE];
    if (!phase) continue;
    const r = row(v.iteration);
    r[phase] = v.metrics;
    if (v.durationS !== undefined) r.seconds = { ...r.seconds, [phase]: v.durationS };
    if (phase === "score") {
      const recorded = v.outputs.scored;
      r.scored = Array.isArray(recorded) ? [...recorded] : await readShards(v.dir);
    }
  }
  return [...rows.values()].sort((a, b) => a.iteration - b.iteration);
}

/**
 * One block's iterations: those its metrics.json lists when it succeeded, else those found so far;
 * a record that cannot be read is a warning (a string) in its place.
 */
async function blockRows(visit: VisitRow): Promise<(IterationRow | string | null)[]> {
  const block = visit.iteration ?? 0;
  const round = roundOfStage(visit.stage);
  const recorded = visit.outputs.iterations;
  const done = visit.status === "succeeded";
  const dirs =
    done && Array.isArray(recorded)
      ? recorded
      : (visit.iterations ?? []).map((i) => iterationDir(visit.dir, i));
  return Promise.all(
    dirs.map(async (dir): Promise<IterationRow | string | null> => {
      const uri = joinUri(dir, "metrics.json");
      let raw: unknown;
      try {
        raw = await readJson(uri);
      } catch (err) {
        // Not written yet (a block still running, or stopped before it): nothing to show.
        if (err instanceof NotFoundError) return done ? `${uri}: missing` : null;
        return (err as Error).message;
      }
      const parsed = IterationRecord.safeParse(raw);
      if (!parsed.success) return `${uri}: ${formatIssues(parsed.error, raw).join("; ")}`;
      const r = parsed.data;
      const batch: Figures = {
        ...scalars(r.batch),
        ...(r.droppedProblems === undefined ? {} : { droppedProblems: r.droppedProblems }),
      };
      return {
        ...{
          iteration: r.iteration,
          round,
          block,
          rollout: scalars(r.rollout),
          score: scoreFigures(r.score),
        },
        ...{ update: scalars(r.update), batch, seconds: phases(r.seconds) },
        scored: await readShards(joinUri(dir, "scored")),
      };
    }),
  );
}

/** Every GRPO iteration of the run with any figures so far, in iteration order. */
export async function gatherIterations(
  visits: readonly VisitRow[],
  loop: GrpoIterations["loop"],
): Promise<GrpoIterations> {
  if (loop === "stages") return { loop, iterations: await stageRows(visits), warnings: [] };
  const blocks = visits.filter(
    (v) => isBlockStage(v.stage) && ["succeeded", "running", "failed"].includes(v.status),
  );
  const found = (await Promise.all(blocks.map(blockRows))).flat();
  const rows = found.filter((r): r is IterationRow => typeof r === "object" && r !== null);
  const warnings = found.filter((r): r is string => typeof r === "string");
  rows.sort((a, b) => a.round - b.round || a.iteration - b.iteration);
  return { loop, iterations: rows, warnings };
}

/**
 * A block's score over all its rollouts: `accuracy` and each `reward.*`, means over its
 * iterations weighted by their rows (an iteration with no rows counts for nothing).
 */
export function blockScore(rows: readonly IterationRow[], visit: VisitRow): Record<string, number> {
  const round = roundOfStage(visit.stage);
  const mine = rows.filter(
    (r) => r.round === round && r.block === visit.iteration && (r.score.rows ?? 0) > 0,
  );
  const total = mine.reduce((n, r) => n + (r.score.rows ?? 0), 0);
  if (total === 0) return {};
  const names = new Set(mine.flatMap((r) => Object.keys(r.score)));
  const out: Record<string, number> = {};
  for (const name of [...names].filter((n) => n === "accuracy" || n.startsWith("reward."))) {
    out[name] = mine.reduce((acc, r) => acc + (r.score[name] ?? 0) * (r.score.rows ?? 0), 0) / total;
  }
  return out;
}
