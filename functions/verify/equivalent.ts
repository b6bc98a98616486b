/**
 * Dispatch of one comparison by answer type, under a time budget.
 */
import { choiceEqual, choiceLetter } from "./choice.ts";
import { check, type Deadline, deadlineIn, TimeoutError } from "./deadline.ts";
import { inferAnswerType } from "./infer.ts";
import { mathEqual } from "./math.ts";
import { normalizeLatex } from "./normalize.ts";
import { decimalComma, numericEqual, parseNumber } from "./numeric.ts";
import type { AnswerType, VerifyOptions } from "./types.ts";

/** Outcome of one comparison, with why: "equal", "different", "timeout" or "error: …". */
export interface Comparison {
  equivalent: boolean;
  reason: string;
}

/**
 * Compares an extracted answer with the gold answer; never throws.
 *
 * @example compareAnswers("0.5", "50%", "numeric") // { equivalent: true, reason: "equal" }
 */
export function compareAnswers(
  gold: string,
  extracted: string,
  answerType?: AnswerType,
  opts: Pick<VerifyOptions, "choices" | "timeBudgetMs"> = {},
): Comparison {
  try {
    // The same text is the same answer, whatever its type (a common case: the reference itself).
    if (gold.trim() === extracted.trim() && gold.trim() !== "") return { equivalent: true, reason: "equal" };
    const type = answerType ?? inferAnswerType(gold);
    // Two plain numbers decide at once, before the clock is read: this is the numeric hot path,
    // and parsing a number is linear in its (short) text.
    if (type === "numeric") {
      const g = parseNumber(gold);
      const p = g && (parseNumber(extracted) ?? decimalComma(extracted));
      if (g && p) {
        const same = numericEqual(g, p);
        return { equivalent: same, reason: same ? "equal" : "different" };
      }
    }
    const deadline = deadlineIn(opts.timeBudgetMs);
    const same = dispatch(gold, extracted, type, opts.choices, deadline);
    return { equivalent: same, reason: same ? "equal" : "different" };
  } catch (e) {
    if (e instanceof TimeoutError) return { equivalent: false, reason: "timeout" };
    return { equivalent: false, reason: `error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function dispatch(
  gold: string,
  pred: string,
  type: AnswerType,
  choices: string[] | undefined,
  deadline: Deadline,
): boolean {
  if (type === "choice" || type === "label") return choiceEqual(gold, pred, choices);
  check(deadline);
  // A MATH answer like `\text{(B)}` is a choice, whatever the declared type.
  const g = normalizeLatex(gold);
  if (/^\(?[A-J]\)?$/.test(g) && choiceLetter(pred)) return choiceEqual(g, pred, choices);
  return mathEqual(gold, pred, deadline);
}

/**
 * Whether `extracted` is equivalent to `gold` (false on timeout or error).
 *
 * @example equivalent("\\frac{1}{2}", "0.5", "math") // true
 */
export function equivalent(
  gold: string,
  extracted: string,
  answerType?: AnswerType,
  opts: Pick<VerifyOptions, "choices" | "timeBudgetMs"> = {},
): boolean {
  return compareAnswers(gold, extracted, answerType, opts).equivalent;
}
