/**
 * The rejection-sampling stage (R1 §2.3.3): from many samples per prompt keep the verified-correct,
 * well-formed, single-language, non-repetitive ones, at most k per prompt, deduplicated, as SFT data.
 */
import { DatasetSource, type Row, type sftExamples } from "../../schemas/index.ts";
import type { TargetLanguage } from "../rewards/index.ts";
import {
  DROP_REASONS,
  type DropReason,
  type RejectionCandidate,
  type RejectionSettingsT,
  rejectionCheck,
} from "./checks.ts";
import { normalizedTextHash, TopK } from "./topk.ts";

export type SftExampleRow = Row<typeof sftExamples>;

export interface RejectionOptions {
  /** Script the chain of thought must be in (R1 keeps one language per CoT). Default "en". */
  targetLanguage?: TargetLanguage;
  /** Data set of a row's problem; default: the first segment of `problem_id` when it names a source, else "jsonl". */
  source?: (row: RejectionCandidate) => DatasetSource;
  verifyBudgetMs?: number;
}

export interface RejectionResult {
  rows: SftExampleRow[];
  kept: number;
  dropped: Record<DropReason, number>;
  /** Rows read. */
  total: number;
  /** Prompts with at least one kept sample. */
  prompts: number;
}

interface Kept {
  id: string;
  hash: string;
  tokens: number;
  chars: number;
  score: number;
  example: SftExampleRow;
}

/** Ties broken by length, then id, so the choice does not depend on input order. */
function ordering(select: RejectionSettingsT["select"]): (a: Kept, b: Kept) => boolean {
  const byLength = (a: Kept, b: Kept) => a.tokens - b.tokens || a.chars - b.chars;
  const tie = (a: Kept, b: Kept) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  if (select === "shortest") return (a, b) => (byLength(a, b) || tie(a, b)) < 0;
  return (a, b) => (b.score - a.score || byLength(a, b) || tie(a, b)) < 0;
}

export function defaultSource(row: { problem_id: string }): DatasetSource {
  const parsed = DatasetSource.safeParse(row.problem_id.split("/")[0]);
  return parsed.success ? parsed.data : "jsonl";
}

/**
 * Filters `rows` and returns the kept samples as `sft_examples` (origin "rejection", id = the
 * rollout id), prompts in first-seen order, best first within a prompt. Holds only the current top
 * `keepPerPrompt` candidates of each prompt (grouped by `problem_id`). `select`: "shortest" keeps the
 * fewest completion tokens; "reward" the highest `rm_score` (null ranks last).
 */
export async function rejectionFilter(
  rows: Iterable<RejectionCandidate> | AsyncIterable<RejectionCandidate>,
  settings: RejectionSettingsT,
  opts: RejectionOptions = {},
): Promise<RejectionResult> {
  const target = opts.targetLanguage ?? "en";
  const sourceOf = opts.source ?? defaultSource;
  const better = ordering(settings.select);
  const perPrompt = new Map<string, TopK<Kept>>();
  const dropped = Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  let total = 0;

  for await (const row of rows) {
    total++;
    const reason = rejectionCheck(row, settings, target, opts.verifyBudgetMs);
    if (reason !== null) {
      dropped[reason]++;
      continue;
    }
    let top = perPrompt.get(row.problem_id);
    if (!top) {
      top = new TopK<Kept>(settings.keepPerPrompt, better);
      perPrompt.set(row.problem_id, top);
    }
    const result = top.offer({
      id: row.id,
      hash: normalizedTextHash(row.completion),
      tokens: row.completion_token_ids.length,
      chars: row.completion.length,
      score: row.rm_score ?? Number.NEGATIVE_INFINITY,
      example: {
        id: row.id,
        problem_id: row.problem_id,
        source: sourceOf(row),
        level: row.level,
        prompt: row.prompt,
        completion: row.completion,
        origin: "rejection",
      },
    });
    if (result) dropped[result.reason]++;
  }

  const out: SftExampleRow[] = [];
  let prompts = 0;
  for (const top of perPrompt.values()) {
    if (top.items.length > 0) prompts++;
    for (const k of top.items) out.push(k.example);
  }
  return { rows: out, kept: out.length, dropped, total, prompts };
}
