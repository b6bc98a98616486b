/**
 * A few completions for the report: from the last scored GRPO iteration (one per prompt group,
 * with its total reward) and from the final checkpoint's eval records (one per problem).
 */
import { readRows, readShards } from "../../functions/io/index.ts";
import { joinUri } from "../../recipe/uri.ts";
import { evalRecords, scoredRollouts } from "../../schemas/tables/index.ts";
import type { Sample, VisitRow } from "./model.ts";

/** Longest completion or prompt kept in the model (characters). */
const MAX_TEXT = 1200;
const clip = (s: string) => (s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s);

/** The shards of a visit's output `name`, as recorded in its metrics.json, else found under `dir`. */
async function shardsOf(visit: VisitRow, name: string, dir: string): Promise<string[]> {
  const recorded = visit.outputs[name];
  if (Array.isArray(recorded)) return [...recorded];
  return readShards(dir);
}

async function grpoSamples(visit: VisitRow, limit: number): Promise<Sample[]> {
  const samples: Sample[] = [];
  const groups = new Set<string>();
  for (const shard of await shardsOf(visit, "scored", visit.dir)) {
    for await (const row of readRows(shard, scoredRollouts)) {
      if (groups.has(row.group_id)) continue;
      groups.add(row.group_id);
      samples.push({
        source: `grpo iteration ${visit.iteration ?? 0}`,
        prompt: clip(row.prompt),
        completion: clip(row.completion),
        answer: row.answer,
        extractedAnswer: row.extracted_answer,
        correct: row.correct,
        rewardTotal: row.reward_total,
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
 * Up to `perSource` samples from the last scored GRPO iteration and from the eval of `checkpoint`
 * (the last one evaluated: the final model, whatever name it was evaluated under).
 */
export async function gatherSamples(
  visits: readonly VisitRow[],
  checkpoint = "final",
  perSource = 4,
): Promise<Sample[]> {
  const done = (id: string) => visits.filter((v) => v.stage === id && v.status === "succeeded").at(-1);
  const score = done("grpo-score");
  const evaluate = done("evaluate");
  return [
    ...(score ? await grpoSamples(score, perSource) : []),
    ...(evaluate ? await evalSamples(evaluate, checkpoint, perSource) : []),
  ];
}
