/**
 * A few completions for the report: from the last scored GRPO iteration of either loop (one per
 * prompt group, with its total reward) and from the final checkpoint's eval records (one per problem).
 */
import { readRows, readShards } from "../../functions/io/index.ts";
import { joinUri } from "../../recipe/uri.ts";
import { evalRecords, scoredRollouts } from "../../schemas/tables/index.ts";
import type { IterationRow, Sample, VisitRow } from "./model.ts";

/** Longest completion or prompt kept in the model (characters). */
const MAX_TEXT = 1200;
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/** The shards of a visit's output `name`, as recorded in its metrics.json, else found under `dir`. */
async function shardsOf(visit: VisitRow, name: string, dir: string): Promise<string[]> {
  const recorded = visit.outputs[name];
  if (Array.isArray(recorded)) return [...recorded];
  return readShards(dir);
}

async function grpoSamples(row: IterationRow, limit: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const groups = new Set<string>();
  const where = [row.round === 2 ? "RL round 2" : "", row.block === undefined ? "" : `block ${row.block}`];
  const note = where.filter(Boolean).join(", ");
  const source = `grpo iteration ${row.iteration}${note ? ` (${note})` : ""}`;
  for (const shard of row.scored) {
    for await (const r of readRows(shard, scoredRollouts)) {
      if (groups.has(r.group_id)) continue;
      groups.add(r.group_id);
      samples.push({
        source,
        prompt: clip(r.prompt),
        completion: clip(r.completion),
        answer: r.answer,
        extractedAnswer: r.extracted_answer,
        correct: r.correct,
        rewardTotal: r.reward_total,
      });
      if (samples.length >= limit) return samples;
    }
  }
  return samples;
}

async function evalSamples(visit: VisitRow, checkpoint: string, limit: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const problems = new Set<string>();
  for (const shard of await shardsOf(visit, "records", joinUri(visit.dir, "records"))) {
    for await (const row of readRows(shard, evalRecords)) {
      if (row.checkpoint !== checkpoint || problems.has(row.problem_id)) continue;
      problems.add(row.problem_id);
      samples.push({
        source: `eval ${row.checkpoint}/${row.benchmark}`,
        prompt: "",
        completion: clip(row.completion),
        answer: row.answer,
        extractedAnswer: row.extracted_answer,
        correct: row.correct,
      });
      if (samples.length >= limit) return samples;
    }
  }
  return samples;
}

/**
 * Up to `perSource` samples from the last scored GRPO iteration (either loop) and from the eval of
 * `checkpoint` (the last one evaluated: the final model, whatever name it was evaluated under).
 */
export async function gatherSamples(
  visits: readonly VisitRow[],
  iterations: readonly IterationRow[],
  checkpoint = "final",
  perSource = 4,
): Promise<Sample[]> {
  const scored = iterations.filter((r) => r.scored.length > 0).at(-1);
  const evaluate = visits.filter((v) => v.stage === "evaluate" && v.status === "succeeded").at(-1);
  return [
    ...(scored ? await grpoSamples(scored, perSource) : []),
    ...(evaluate ? await evalSamples(evaluate, checkpoint, perSource) : []),
  ];
}
