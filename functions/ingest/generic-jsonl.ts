/**
 * The documented generic JSONL format (docs/datasets.md): one object per line with `question` and
 * `answer` required; `answer_type`, `choices`, `level`, `reasoning`, `id`, `split`, `subject` optional.
 */
import { ANSWER_TYPES, type AnswerType } from "../../schemas/common.ts";
import { asRecord, describe, type JsonRecord, optionalString, requireString } from "./record.ts";
import { IngestRowError, type ProblemRow, type RowContext, reasoningText } from "./row.ts";

const NUMERIC = /^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$/;
const LABEL_WORDS = ["true", "false", "unknown", "yes", "no"];
export const DEFAULT_LEVEL = 3;

/**
 * The answer type when none is given: a number → numeric; a single letter with choices → choice;
 * true/false/unknown/yes/no → label; anything else → math (the verifier's most general comparison).
 */
export function inferAnswerType(answer: string, choices: readonly string[]): AnswerType {
  const a = answer.trim();
  if (NUMERIC.test(a)) return "numeric";
  if (/^[A-Za-z]$/.test(a) && choices.length > 0) return "choice";
  if (LABEL_WORDS.includes(a.toLowerCase())) return "label";
  return "math";
}

function answerOf(rec: JsonRecord): string {
  const v = rec.answer;
  if (v === undefined || v === null) throw new IngestRowError('missing field "answer"');
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "string" && v.trim() !== "") return v.trim();
  throw new IngestRowError(`field "answer": expected a string or a number, found ${describe(v)}`);
}

function choicesOf(rec: JsonRecord): string[] {
  const v = rec.choices ?? [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
    throw new IngestRowError(`field "choices": expected an array of strings, found ${describe(v)}`);
  }
  return v;
}

function answerTypeOf(rec: JsonRecord, answer: string, choices: string[]): AnswerType {
  const given = optionalString(rec, "answer_type");
  if (given === undefined) return inferAnswerType(answer, choices);
  if (!(ANSWER_TYPES as readonly string[]).includes(given)) {
    throw new IngestRowError(
      `field "answer_type": expected one of ${ANSWER_TYPES.join(", ")}, found "${given}"`,
    );
  }
  return given as AnswerType;
}

function levelOf(rec: JsonRecord): number {
  const v = rec.level ?? DEFAULT_LEVEL;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1 || v > 5) {
    throw new IngestRowError(`field "level": expected an integer 1–5, found ${describe(v)}`);
  }
  return v;
}

/** Canonical answer spelling: choice letters upper-cased, label words capitalised (`true` → `True`). */
function canonicalAnswer(answer: string, type: AnswerType): string {
  if (type === "choice" && /^[a-z]$/.test(answer)) return answer.toUpperCase();
  if (type === "label") return answer.charAt(0).toUpperCase() + answer.slice(1).toLowerCase();
  return answer;
}

/** A string id, or a number spelled as one (`17` → "17"). */
function idOf(rec: JsonRecord): string | undefined {
  return typeof rec.id === "number" ? String(rec.id) : optionalString(rec, "id");
}

export function parseGenericJsonl(value: unknown, at: RowContext): ProblemRow {
  const rec = asRecord(value);
  const question = requireString(rec, "question");
  const choices = choicesOf(rec);
  const type = answerTypeOf(rec, answerOf(rec), choices);
  const answer = canonicalAnswer(answerOf(rec), type);
  const split = optionalString(rec, "split") || at.split;
  const reasoning = optionalString(rec, "reasoning")?.trim();
  return {
    id: idOf(rec) || `jsonl/${split}/${at.index}`,
    source: "jsonl",
    split,
    question,
    answer,
    answer_type: type,
    choices,
    level: levelOf(rec),
    // Text already in the think format is kept; plain text is wrapped so every source looks alike.
    reasoning: !reasoning
      ? null
      : reasoning.includes("<think>")
        ? reasoning
        : reasoningText(reasoning, answer),
    subject: optionalString(rec, "subject") ?? null,
  };
}
