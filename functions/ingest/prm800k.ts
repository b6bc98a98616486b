/**
 * PRM800K human step labels → `step_labels` rows: one row per labelled record, the steps of the
 * trajectory the labeler followed and the rating of each (−1, 0, +1). Rules in docs/datasets.md.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { stepLabels } from "../../schemas/tables/step-labels.ts";
import { readLines, splitFromPath } from "./lines.ts";
import { IngestError } from "./report.ts";

export type StepLabelRow = z.infer<typeof stepLabels.row>;

const Rating = z.union([z.literal(-1), z.literal(0), z.literal(1)]).nullable();
const Completion = z.object({ text: z.string(), rating: Rating });
const Step = z.object({
  completions: z.array(Completion),
  human_completion: z.object({ text: z.string() }).nullable(),
  chosen_completion: z.number().int().min(0).nullable(),
});
/** The fields used; the rest of a record (labeler, timestamps, phase-2 extras) is ignored. */
export const Prm800kRecord = z.object({
  question: z.object({ problem: z.string().min(1) }),
  label: z.object({ steps: z.array(Step), finish_reason: z.string() }),
});
export type Prm800kRecord = z.infer<typeof Prm800kRecord>;

/**
 * The labelled trajectory. Per step: the chosen completion and its rating; else the labeler's own
 * `human_completion`, which has no rating → 0; else (labelling stopped here) `completions[0]` — in
 * phase 2 the pre-generated step that was judged — and its rating, or nothing when it is unrated.
 */
export function prm800kTrajectory(record: Prm800kRecord): { steps: string[]; labels: number[] } {
  const steps: string[] = [];
  const labels: number[] = [];
  for (const step of record.label.steps) {
    const chosen = step.chosen_completion === null ? undefined : step.completions[step.chosen_completion];
    if (chosen) {
      steps.push(chosen.text);
      labels.push(chosen.rating ?? 0);
    } else if (step.human_completion) {
      steps.push(step.human_completion.text);
      labels.push(0);
    } else {
      const judged = step.completions[0];
      if (judged && judged.rating !== null) {
        steps.push(judged.text);
        labels.push(judged.rating);
      }
      break; // no continuation was chosen: the labelling ended at this step
    }
  }
  return { steps, labels };
}

/** Every rating given in a record, chosen or not: the counts SOURCE.md tabulates as +1/0/−1/null. */
export function prm800kRatingCounts(record: Prm800kRecord): {
  pos: number;
  zero: number;
  neg: number;
  nulls: number;
} {
  const counts = { pos: 0, zero: 0, neg: 0, nulls: 0 };
  for (const step of record.label.steps) {
    for (const c of step.completions) {
      if (c.rating === 1) counts.pos++;
      else if (c.rating === 0) counts.zero++;
      else if (c.rating === -1) counts.neg++;
      else counts.nulls++;
    }
  }
  return counts;
}

/** A stable problem id from the problem text, for records that carry none. */
export function problemIdFromText(problem: string): string {
  return `prm800k/problem/${createHash("sha256").update(problem.trim()).digest("hex").slice(0, 16)}`;
}

/** The `step_labels` row of one record; null when no step was labelled. */
export function stepLabelsFromPrm800k(
  record: Prm800kRecord,
  id: string,
  problemId: (problem: string) => string = problemIdFromText,
): StepLabelRow | null {
  const { steps, labels } = prm800kTrajectory(record);
  if (steps.length === 0) return null;
  const prompt = record.question.problem;
  return stepLabels.row.parse({ id, problem_id: problemId(prompt), prompt, steps, labels, origin: "human" });
}

/**
 * The step-label rows of a PRM800K JSONL file, streamed; ids `prm800k/<split>/<n>`. A line that is
 * not a valid record throws, naming file and line (this is training signal: no silent skipping).
 */
export async function* prm800kStepLabels(
  path: string,
  opts: { problemId?: (problem: string) => string } = {},
): AsyncGenerator<StepLabelRow> {
  const split = splitFromPath(path);
  let n = 0;
  for await (const { line, text } of readLines(path)) {
    if (text.trim() === "") continue;
    let record: Prm800kRecord;
    try {
      record = Prm800kRecord.parse(JSON.parse(text));
    } catch (e) {
      const reason =
        e instanceof z.ZodError ? z.prettifyError(e).replaceAll("\n", " ") : (e as Error).message;
      throw new IngestError({ file: path, line, reason });
    }
    const row = stepLabelsFromPrm800k(record, `prm800k/${split}/${n++}`, opts.problemId);
    if (row) yield row;
  }
}
