/**
 * LogiQA v1 (English), from the raw 8-line blocks of `Test.txt`/`Eval.txt` or from the parsed JSONL
 * (`id, context, query, options, answer`). Both give the same rows: same ids, options, answers.
 */
import { asRecord, optionalString, requireString, requireStrings } from "./record.ts";
import { binLevel, IngestRowError, type ProblemRow, type RowContext } from "./row.ts";

const LETTERS = ["A", "B", "C", "D"] as const;
/** `A.text`, `A text`, `A?text`, `d.text`: the label prefixes seen in the raw files. */
const OPTION_LABEL = /^([A-Da-d])(?:[.?]\s*|\s+)([\s\S]*)$/;

/**
 * Upper bounds on context words for levels 1–4 (> 91 → 5): the quintiles of the 1,302 test+eval
 * items, frozen so a row's level never depends on which other rows were ingested with it.
 */
export const LOGIQA_LEVEL_BOUNDS = [40, 57, 74, 91] as const;

/** Level by passage length: LogiQA has no difficulty labels, and longer passages carry more premises. */
export function logiqaLevel(context: string): number {
  return binLevel(context.split(/\s+/).filter(Boolean).length, LOGIQA_LEVEL_BOUNDS);
}

/**
 * The 4 option texts in label order. When all four lines carry distinct labels A–D they are sorted
 * by label (19 test items print them out of order, and the answer letter names the printed label);
 * otherwise (garbled labels such as `Storehouse B.3`) they are kept by position, a prefix stripped
 * only where it is that position's own letter.
 */
export function orderOptions(raw: readonly string[]): string[] {
  const parsed = raw.map((line) => OPTION_LABEL.exec(line));
  const labels = parsed.map((m) => m?.[1]?.toUpperCase());
  if (new Set(labels).size === 4 && labels.every((l) => l !== undefined)) {
    const byLabel: string[] = [];
    parsed.forEach((m, i) => {
      byLabel[LETTERS.indexOf(labels[i] as (typeof LETTERS)[number])] = m![2]!;
    });
    return byLabel;
  }
  return raw.map((line, i) => (labels[i] === LETTERS[i] ? parsed[i]![2]! : line));
}

/** Context, question and the lettered options, as one prompt. */
export function logiqaQuestion(context: string, query: string, options: readonly string[]): string {
  const lettered = options.map((o, i) => `${LETTERS[i]}. ${o}`).join("\n");
  return `${context}\n\n${query}\n\n${lettered}`;
}

function row(id: string, at: RowContext, context: string, query: string, options: string[], answer: string) {
  const letter = answer.trim().toUpperCase();
  if (!LETTERS.includes(letter as (typeof LETTERS)[number])) {
    throw new IngestRowError(`answer: expected a letter A–D, found "${answer}"`);
  }
  return {
    id,
    source: "logiqa",
    split: at.split,
    question: logiqaQuestion(context, query, options),
    answer: letter,
    answer_type: "choice",
    choices: options,
    level: logiqaLevel(context),
    reasoning: null,
    subject: null,
  } satisfies ProblemRow;
}

/** One raw block: the 7 non-blank lines answer, context, question, 4 options (the blank separator excluded). */
export function parseLogiqaBlock(lines: readonly string[], at: RowContext): ProblemRow {
  if (lines.length !== 7) {
    throw new IngestRowError(
      `LogiQA block has ${lines.length} lines, expected 8 (blank, answer, context, question, 4 options)`,
    );
  }
  const [answer, context, query, ...raw] = lines as [string, string, string, ...string[]];
  return row(`${at.split}-${at.index}`, at, context, query, orderOptions(raw), answer);
}

/** One line of the parsed JSONL; its `options` are already in label order. */
export function parseLogiqaJson(value: unknown, at: RowContext): ProblemRow {
  const rec = asRecord(value);
  const id = optionalString(rec, "id") || `${at.split}-${at.index}`;
  const options = requireStrings(rec, "options", 4);
  return row(
    id,
    at,
    requireString(rec, "context"),
    requireString(rec, "query"),
    options,
    requireString(rec, "answer"),
  );
}
