/**
 * r1flow's answer verifier: extract the final answer from a model output, then decide whether it
 * is equivalent to the reference answer (numbers, MATH LaTeX, choices, labels).
 */
import { compareAnswers } from "./equivalent.ts";
import { extractAnswer } from "./extract.ts";
import { inferAnswerType } from "./infer.ts";
import type { VerifyOptions, VerifyResult } from "./types.ts";

export { type Comparison, compareAnswers, equivalent } from "./equivalent.ts";
export { type Extraction, extractAnswer } from "./extract.ts";
export { inferAnswerType } from "./infer.ts";
export type { AnswerType, VerifyOptions, VerifyResult } from "./types.ts";

/** A worked solution ends in a box or `#### x`: the reference is what the same rules extract. */
const SOLUTION = /\\boxed|\\fbox|####/;

/**
 * The reference answer in `gold`: itself, or, when it is a worked solution (MATH's `solution`,
 * GSM8K's `answer`), the answer extracted from it.
 *
 * @example referenceAnswer("... so $\\boxed{13}$.") // "13"
 */
export function referenceAnswer(gold: string): string {
  if (!SOLUTION.test(gold)) return gold;
  const { answer } = extractAnswer(gold);
  return answer ?? gold;
}

/** `−3` (U+2212, what typeset text and some models write) is `-3`. */
function unicodeMinus(s: string): string {
  return s.includes("\u2212") ? s.replace(/\u2212/g, "-") : s;
}

/**
 * Verifies a full model output against the gold answer. Never throws: a missing answer is rule
 * "no-answer", a comparison over its time budget is rule and reason "timeout".
 *
 * @example verify("72", "... so she sold 72 clips.\n#### 72") // { equivalent: true, extracted: "72", rule: "hash" }
 * @example verify("\\frac{1}{2}", "<think>…</think> $\\boxed{0.5}$") // equivalent, rule "boxed"
 * @example verify("A", "The answer is True", { choices: ["A) True", "B) False"] }) // equivalent
 */
export function verify(gold: string, pred: string, opts: VerifyOptions = {}): VerifyResult {
  let extracted: string | null = null;
  let rule = "error";
  try {
    const ref = referenceAnswer(unicodeMinus(String(gold)));
    const type = opts.answerType ?? inferAnswerType(ref);
    if (opts.extract === false) {
      extracted = String(pred).trim();
      rule = "none";
    } else {
      ({ answer: extracted, rule } = extractAnswer(String(pred), type));
    }
    if (extracted === null) return { equivalent: false, extracted, rule };
    extracted = unicodeMinus(extracted);
    const cmp = compareAnswers(ref, extracted, type, opts);
    if (cmp.reason === "timeout") return { equivalent: false, extracted, rule: "timeout", reason: "timeout" };
    if (cmp.reason.startsWith("error")) return { equivalent: false, extracted, rule, reason: cmp.reason };
    return { equivalent: cmp.equivalent, extracted, rule };
  } catch (e) {
    return {
      equivalent: false,
      extracted,
      rule,
      reason: `error: ${e instanceof Error ? e.message : String(e)}`,
    };
  }
}

// Warm every stage once at load (regexes, mathjs, the shape parser): the first call's JIT cost
// would otherwise eat the first comparison's time budget, and under load push it past it.
verify("\\frac{\\sqrt{3}}{2}", "so $\\boxed{\\dfrac{\\sqrt3}{2}}$ and \\(x \\ge 2\\)", {
  timeBudgetMs: 1000,
});
verify("(1, 2)", "Final answer: $\\left(1, x+1\\right)$<|im_end|>", { timeBudgetMs: 1000 });
