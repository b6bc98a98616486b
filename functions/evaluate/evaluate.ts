/** The eval stage: pass@1 averaged over k samples, maj@k and unbiased pass@k, per benchmark and level. */
import type { z } from "zod";
import type { EvalSettings, evalRecords, Row } from "../../schemas/index.ts";
import { compareCheckpoints } from "./compare.ts";
import { addVote, majorityOf, type VoteTally } from "./majority.ts";
import { passAtK } from "./pass-at-k.ts";
import type { BenchmarkScores, CheckpointScores, EvalReport, Scores } from "./report.ts";

export type EvalRecordRow = Row<typeof evalRecords>;
export type EvalSettingsT = z.output<typeof EvalSettings>;

/** One problem's samples, reduced to what the scores need. */
export interface ProblemTally {
  level: number;
  n: number;
  c: number;
  votes: VoteTally;
}

/**
 * Scores `problems` (each with n samples, c correct): pass@1 = mean c/n, maj@k = mean of
 * "majority answer correct", pass@k = mean unbiased estimate, for each k in `ks` ≤ every n.
 */
export function scoreProblems(problems: readonly ProblemTally[], ks: readonly number[]): Scores {
  const m = problems.length;
  const samples = m === 0 ? 0 : Math.min(...problems.map((p) => p.n));
  let pass1 = 0;
  let maj = 0;
  for (const p of problems) {
    pass1 += p.c / p.n;
    if (majorityOf(p.votes).correct) maj++;
  }
  const atK: Record<string, number> = {};
  for (const k of [...new Set(ks)].sort((a, b) => a - b)) {
    if (m === 0 || k > samples) continue;
    atK[String(k)] = problems.reduce((s, p) => s + passAtK(p.n, p.c, k), 0) / m;
  }
  return { problems: m, samples, pass1: m ? pass1 / m : 0, majAtK: m ? maj / m : 0, passAtK: atK };
}

export interface EvaluateOptions {
  /** Checkpoints in recipe order: each present one is compared with the present one before it. */
  order?: readonly string[];
  aliases?: Readonly<Record<string, string>>;
  models?: Readonly<Record<string, string>>;
}

/**
 * Streams `eval_records` (any order) into per-checkpoint scores; holds one small tally per
 * problem. Checkpoints come out in `order` (then by name), each compared with the one before it.
 */
export async function evaluate(
  records: Iterable<EvalRecordRow> | AsyncIterable<EvalRecordRow>,
  settings: Pick<EvalSettingsT, "passK">,
  options: EvaluateOptions = {},
): Promise<EvalReport> {
  const tallies = new Map<string, Map<string, Map<string, ProblemTally>>>();
  for await (const r of records) {
    const byBench = getOrSet(tallies, r.checkpoint, () => new Map());
    const byProblem = getOrSet(byBench, r.benchmark, () => new Map());
    const t = getOrSet(byProblem, r.problem_id, () => ({ level: r.level, n: 0, c: 0, votes: new Map() }));
    t.n++;
    if (r.correct) t.c++;
    addVote(t.votes, r);
  }

  const order = options.order ?? [];
  const rank = (c: string) => (order.includes(c) ? order.indexOf(c) : order.length);
  const byOrder = (a: string, b: string) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
  const checkpoints: Record<string, CheckpointScores> = {};
  for (const [checkpoint, byBench] of [...tallies].sort((a, b) => byOrder(a[0], b[0]))) {
    const benchmarks: Record<string, BenchmarkScores> = {};
    for (const [bench, byProblem] of [...byBench].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      const all = [...byProblem.values()];
      const levels: Record<string, Scores> = {};
      for (const level of [...new Set(all.map((p) => p.level))].sort((a, b) => a - b)) {
        levels[String(level)] = scoreProblems(
          all.filter((p) => p.level === level),
          settings.passK,
        );
      }
      benchmarks[bench] = { ...scoreProblems(all, settings.passK), levels };
    }
    checkpoints[checkpoint] = { checkpoint, benchmarks };
  }
  const scored = Object.values(checkpoints);
  const comparisons = scored.slice(1).map((cur, i) => compareCheckpoints(cur, scored[i] as CheckpointScores));
  return { checkpoints, comparisons, aliases: { ...options.aliases }, models: { ...options.models } };
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}
