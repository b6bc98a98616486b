/**
 * Final-answer extraction from a model output, by an ordered list of rules; the first that fires
 * wins and its name is reported.
 */
import { lastBoxed } from "./braces.ts";
import type { AnswerType } from "./types.ts";

/** What was found, and the rule that found it ("no-answer" with a null answer when none fired). */
export interface Extraction {
  answer: string | null;
  rule: string;
}

const THINK_END = "</think>";
const ANSWER_IS = /\b(?:final\s+answer|answer)(?:\s+is\s*:?|\s*:|\s*=)[\s*_]*/gi;
const LAST_NUMBER = /-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?%?|-?\.\d+%?/g;
const CHOICE = /\(([A-J])\)|(?:^|[\s*[])([A-J])\)|^\s*([A-J])[.:]?\s*$/gm;
const LABEL = /\b(true|false|unknown|uncertain|yes|no)\b/gi;
/** A whole short answer after `</think>` is taken as is when no other rule fired. */
const AFTER_THINK_MAX = 200;

/**
 * The final answer in `text`. Only the part after the last `</think>` is searched when there is one.
 * Rules in order: boxed, hash (`#### x`), answer-is ("the answer is x", "Final answer: x"),
 * choice-letter / label-word (choice and label tasks), last-number (numeric or untyped tasks),
 * after-think (the whole short text after `</think>`), else no-answer.
 *
 * @example extractAnswer("so $\\boxed{\\frac{1}{2}}$") // { answer: "\\frac{1}{2}", rule: "boxed" }
 * @example extractAnswer("... #### 1,080", "numeric") // { answer: "1,080", rule: "hash" }
 * @example extractAnswer("I think (B) fits.", "choice") // { answer: "B", rule: "choice-letter" }
 */
export function extractAnswer(text: string, answerType?: AnswerType): Extraction {
  const think = text.lastIndexOf(THINK_END);
  const region = think >= 0 ? text.slice(think + THINK_END.length) : text;

  const boxed = lastBoxed(region);
  if (boxed !== null && boxed.trim() !== "") return { answer: boxed.trim(), rule: "boxed" };

  const hash = afterHash(region);
  if (hash !== null) return { answer: hash, rule: "hash" };

  const isChoice = answerType === "choice" || answerType === "label";
  const said = answerIs(region);
  if (said !== null) {
    const letter = isChoice ? /^\(?([A-Ja-j])\)?[.:]?$/.exec(said)?.[1] : undefined;
    return letter
      ? { answer: letter.toUpperCase(), rule: "choice-letter" }
      : { answer: said, rule: "answer-is" };
  }

  if (isChoice) {
    const letter = lastMatch(CHOICE, region);
    if (letter) return { answer: letter[1] ?? letter[2] ?? letter[3] ?? "", rule: "choice-letter" };
    if (answerType === "label") {
      const word = lastMatch(LABEL, region);
      if (word) return { answer: word[1] ?? "", rule: "label-word" };
    }
  }

  if (answerType === "numeric" || answerType === undefined) {
    const num = lastMatch(LAST_NUMBER, region);
    if (num) return { answer: num[0], rule: "last-number" };
  }

  const rest = region.trim();
  if (think >= 0 && rest !== "" && rest.length <= AFTER_THINK_MAX)
    return { answer: rest, rule: "after-think" };
  return { answer: null, rule: "no-answer" };
}

/** The rest of the line after the last `####`, or null. */
function afterHash(s: string): string | null {
  const at = s.lastIndexOf("####");
  if (at < 0) return null;
  const nl = s.indexOf("\n", at);
  const ans = s.slice(at + 4, nl < 0 ? s.length : nl).trim();
  return ans === "" ? null : ans;
}

/** The phrase after the last "answer is" / "final answer:", cut at its math span or sentence end. */
function answerIs(s: string): string | null {
  const m = lastMatch(ANSWER_IS, s);
  if (!m) return null;
  const start = m.index + m[0].length;
  const nl = s.indexOf("\n", start);
  let rest = s.slice(start, nl < 0 ? s.length : nl).trim();
  const span = mathSpan(rest);
  if (span !== null) rest = span;
  else {
    const stop = /\.(?:\s|$)|\s(?:I hope|which|because|since)\b/.exec(rest);
    if (stop) rest = rest.slice(0, stop.index);
  }
  rest = rest.replace(/^[*_\s]+|[*_\s.,;]+$/g, "");
  return rest === "" ? null : rest;
}

/** The content of a leading `$…$`, `$$…$$`, `\(…\)` or `\[…\]`, or null. */
function mathSpan(s: string): string | null {
  const pairs: [string, string][] = [
    ["$$", "$$"],
    ["$", "$"],
    ["\\(", "\\)"],
    ["\\[", "\\]"],
  ];
  for (const [open, close] of pairs) {
    if (!s.startsWith(open)) continue;
    const end = s.indexOf(close, open.length);
    return end < 0 ? s.slice(open.length) : s.slice(open.length, end);
  }
  return null;
}

/** The last match of a global regex in `s` (the regex's state is reset). */
function lastMatch(re: RegExp, s: string): RegExpExecArray | null {
  re.lastIndex = 0;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    last = m;
    if (m[0] === "") re.lastIndex++;
  }
  return last;
}
