/**
 * ProofWriter, Logic-LM's OWA depth-5 subset: `{id, context, question, options, answer}` with
 * options `["A) True", "B) False", "C) Unknown"]` and the answer as a letter.
 */
import { asRecord, optionalString, requireString, requireStrings } from "./record.ts";
import { binLevel, IngestRowError, type ProblemRow, type RowContext } from "./row.ts";

export const PROOFWRITER_LABELS = ["True", "False", "Unknown"] as const;

/** Upper bounds on the number of context sentences (facts + rules) for levels 1–4; > 21 → 5. */
export const PROOFWRITER_LEVEL_BOUNDS = [15, 17, 19, 21] as const;

const OPTION = /^\(?([A-Z])\)\s*(.+)$/;
const FAMILY = /^ProofWriter_([A-Za-z]+)-/;

/**
 * Level by theory size: every item is from a depth-5 theory and the per-question depth is not in
 * this subset, so the number of facts and rules to search is the proxy left.
 */
export function proofwriterLevel(context: string): number {
  const sentences = context.split(/(?<=\.)\s+/).filter((s) => s.trim() !== "").length;
  return binLevel(sentences, PROOFWRITER_LEVEL_BOUNDS);
}

/** True/False/Unknown for a letter, by the record's own options. */
function labelFor(letter: string, options: readonly string[]): string {
  for (const o of options) {
    const m = OPTION.exec(o.trim());
    if (m?.[1] !== letter.trim().toUpperCase()) continue;
    const label = PROOFWRITER_LABELS.find((l) => l.toLowerCase() === m[2]!.trim().toLowerCase());
    if (label) return label;
    throw new IngestRowError(`option "${o}" is not True/False/Unknown`);
  }
  throw new IngestRowError(`answer "${letter}" names none of the options ${JSON.stringify(options)}`);
}

export function parseProofwriter(value: unknown, at: RowContext): ProblemRow {
  const rec = asRecord(value);
  const id = optionalString(rec, "id") || `proofwriter/${at.split}/${at.index}`;
  const context = requireString(rec, "context");
  return {
    id,
    source: "proofwriter",
    split: at.split,
    question: `${context}\n\n${requireString(rec, "question")}`,
    answer: labelFor(requireString(rec, "answer"), requireStrings(rec, "options")),
    answer_type: "label",
    choices: [...PROOFWRITER_LABELS],
    level: proofwriterLevel(context),
    reasoning: null,
    subject: FAMILY.exec(id)?.[1] ?? null,
  };
}
