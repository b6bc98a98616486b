/**
 * Answer type from the gold answer alone, for rows that do not say.
 */
import type { AnswerType } from "./types.ts";

const PLAIN_NUMBER = /^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?%?$/;
const LETTER = /^\(?[A-E]\)?$/;
const LABEL = /^(?:true|false|unknown|yes|no)$/i;

/**
 * "numeric" for a plain number, "choice" for a single letter A–E, "label" for
 * true/false/unknown/yes/no, else "math".
 *
 * @example inferAnswerType("1,080") // "numeric"
 * @example inferAnswerType("(B)") // "choice"
 * @example inferAnswerType("Unknown") // "label"
 * @example inferAnswerType("\\frac{1}{2}") // "math"
 */
export function inferAnswerType(gold: string): AnswerType {
  if (PLAIN_NUMBER.test(gold) && /\d/.test(gold)) return "numeric"; // the common case, untrimmed
  const g = gold
    .trim()
    .replace(/^\$|\$$/g, "")
    .trim();
  if (/\d/.test(g) && PLAIN_NUMBER.test(g)) return "numeric";
  if (LETTER.test(g)) return "choice";
  if (LABEL.test(g)) return "label";
  return "math";
}
