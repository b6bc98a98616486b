/**
 * Wall time per GRPO iteration split into rollout (generation), score, update (log-prob forwards
 * and optimizer steps) and overhead (everything else: process start, imports, model and engine
 * loads, table I/O, orchestration), from a run's recorded stage visits.
 *
 * stages loop: iteration i spans from the start of its grpo-rollout visit to the start of the next
 * iteration's; rollout = the rollout job's `generate_seconds`, score = the score Lambda's own
 * `durationS` (its Arrow reads and writes included), update = the grpo job's `update_seconds`.
 * block loop: block b spans from the start of its first visit (grpo-block-curriculum) to the start
 * of the next block's; each iteration's phases are its `iter-NNNN/metrics.json` `seconds`, and the
 * block's time outside its iterations (job start, imports, loads, final save, the curriculum visit)
 * is shared equally among its iterations, and split by the job's own `job_*_s` metrics into
 * model loads, resume, checkpoints (the block's end, every checkpointEvery steps), the final
 * save and the rest (process start, imports where the job starts cold, spec and commit).
 */
import type { StageSummary } from "../schemas/stage-spec.ts";

export interface Visit {
  id: string;
  iteration?: number;
  startS: number;
  endS: number;
  summary: StageSummary;
}

export interface IterationSplit {
  iteration: number;
  wallS: number;
  rolloutS: number;
  scoreS: number;
  updateS: number;
  overheadS: number;
  /** Where the overhead went, seconds (names depend on the loop). */
  parts: Record<string, number>;
}

/** `iter-NNNN/metrics.json` `seconds` of a grpo-block iteration. */
export type IterationSeconds = Record<string, number>;

const num = (summary: StageSummary, key: string): number => {
  const v = summary.metrics[key];
  if (typeof v !== "number") {
    throw new Error(
      `stage ${summary.stage}: its metrics report no ${key} (found ${Object.keys(summary.metrics).join(", ")})`,
    );
  }
  return v;
};

/** Visits of the GRPO loop grouped by `visit.iteration` (iteration or block), each group's span. */
function groups(visits: readonly Visit[], ids: readonly string[]) {
  const loop = visits.filter((v) => ids.includes(v.id) && v.iteration !== undefined);
  const byIndex = new Map<number, Visit[]>();
  for (const v of loop)
    byIndex.set(v.iteration as number, [...(byIndex.get(v.iteration as number) ?? []), v]);
  const indices = [...byIndex.keys()].sort((a, b) => a - b);
  return indices.map((index, k) => {
    const vs = byIndex.get(index) as Visit[];
    const next = byIndex.get(indices[k + 1] as number);
    const start = Math.min(...vs.map((v) => v.startS));
    const end = next ? Math.min(...next.map((v) => v.startS)) : Math.max(...vs.map((v) => v.endS));
    const visit = (id: string) => vs.find((v) => v.id === id);
    return { index, wallS: end - start, visits: vs, visit };
  });
}

export const STAGES_LOOP_IDS = ["grpo-rollout", "grpo-score", "grpo-update", "grpo-curriculum"] as const;
export const BLOCK_LOOP_IDS = ["grpo-block-curriculum", "grpo-block"] as const;

export function stagesSplit(visits: readonly Visit[]): IterationSplit[] {
  return groups(visits, STAGES_LOOP_IDS).map((g) => {
    const need = (id: string) => {
      const v = g.visit(id);
      if (!v) throw new Error(`iteration ${g.index}: no ${id} visit recorded`);
      return v;
    };
    const [rollout, score, update] = [need("grpo-rollout"), need("grpo-score"), need("grpo-update")];
    const rolloutS = num(rollout.summary, "generate_seconds");
    const scoreS = score.summary.durationS;
    const updateS = num(update.summary, "update_seconds");
    const wall = (v: Visit | undefined) => (v ? v.endS - v.startS : 0);
    const parts = {
      "rollout job, less generation": wall(rollout) - rolloutS,
      "score stage wrapper": wall(score) - scoreS,
      "grpo job, less forwards and step": wall(update) - updateS,
      "curriculum Lambda": wall(g.visit("grpo-curriculum")),
    };
    const inVisits = g.visits.reduce((n, v) => n + wall(v), 0);
    return {
      iteration: g.index,
      wallS: g.wallS,
      rolloutS,
      scoreS,
      updateS,
      overheadS: g.wallS - rolloutS - scoreS - updateS,
      parts: { ...parts, "runner between visits": g.wallS - inVisits },
    };
  });
}

/** `seconds(dir)` reads one iteration's `seconds` from the grpo-block summary's iteration dir. */
export async function blockSplit(
  visits: readonly Visit[],
  seconds: (iterationDir: string) => Promise<IterationSeconds>,
): Promise<IterationSplit[]> {
  const out: IterationSplit[] = [];
  for (const g of groups(visits, BLOCK_LOOP_IDS)) {
    const job = g.visit("grpo-block");
    if (!job) throw new Error(`block ${g.index}: no grpo-block visit recorded`);
    const dirs = job.summary.outputs.iterations;
    if (!Array.isArray(dirs) || dirs.length === 0) {
      throw new Error(`block ${g.index}: the grpo-block summary lists no outputs.iterations`);
    }
    const iters = await Promise.all(dirs.map(seconds));
    const inLoop = iters.reduce((n, s) => n + (s.iteration_s ?? 0), 0);
    const shared = (g.wallS - inLoop) / iters.length; // job start/end and the curriculum visit
    const curriculum = g.visit("grpo-block-curriculum");
    const curriculumS = curriculum ? curriculum.endS - curriculum.startS : 0;
    const jobS = (key: string) => {
      const v = job.summary.metrics[`job_${key}_s`];
      return typeof v === "number" ? v : 0;
    };
    const known = {
      "job: model loads": jobS("load"),
      "job: resume, engine": jobS("resume"),
      "job: checkpoints": jobS("checkpoint"),
      "job: final save": jobS("save"),
    };
    const knownS = Object.values(known).reduce((a, b) => a + b, 0);
    const share = (v: number) => v / iters.length;
    for (const s of iters) {
      const phase = (p: string) => s[`${p}_s`] ?? 0;
      const [rolloutS, scoreS, updateS] = [phase("rollout"), phase("score"), phase("update")];
      out.push({
        iteration: out.length,
        wallS: (s.iteration_s ?? 0) + shared,
        rolloutS,
        scoreS,
        updateS,
        overheadS: (s.iteration_s ?? 0) - rolloutS - scoreS - updateS + shared,
        parts: {
          "table writes": phase("write"),
          "scorer start wait": phase("scorer_wait"),
          // In the stages loop the rollout job scores with the reward model: "rollout job, less generation".
          "reward-model scoring": phase("reward_model"),
          "weight sync": phase("sync"),
          "other in-loop": phase("other"),
          ...Object.fromEntries(Object.entries(known).map(([k, v]) => [`${k}, shared`, share(v)])),
          "job: process start, commit, shared": shared - share(curriculumS) - share(knownS),
          "curriculum Lambda, shared": share(curriculumS),
        },
      });
    }
  }
  return out;
}
