/**
 * Final-answer extraction from a model output (or a worked reference solution), by an ordered list
 * of rules; the first that fires wins and its name is reported.
 */
import { dropTemplateTokens, isProse, lastBoxGroup, lastSpanGroup } from "./spans.ts";
import type { AnswerType } from "./types.ts";

/** What was found, and the rule that found it ("no-answer" with a null answer when none fired). */
export interface Extraction {
  answer: string | null;
  rule: string;
}

const THINK_END = "</think>";
const ANSWER_IS = /\b(?:final\s+answer|answer)(?:\s+is\s*:?|\s*:|\s*=)[\s*_]*/gi;
const LAST_NUMBER =
  /(?<![a-zA-Z])[-\u2212]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*\/\s*\d+)?%?|-?\.\d+%?/g;
const CHOICE =
  /\(([A-J])\)|(?:^|[\s*[])([A-J])\)|^\s*([A-J])[.:]?\s*$|\b(?:option|choice)\s+(?:is\s+)?([A-J])(?![a-zA-Z])|\b(?:so|thus|hence|therefore),?\s+([A-J])[.!]?\s*$/gm;
const LABEL = /\b(true|false|unknown|uncertain|yes|no)\b/gi;
/** A whole short answer after `</think>` is taken as is when no other rule fired. */
const AFTER_THINK_MAX = 200;
/** A whole output this short, on one line and not prose, is itself the answer (`10\sqrt3`). */
const BARE_MAX = 200;
/** A name or word answer on its own (`Evelyn`, `east`): up to three words. */
const WORD_ANSWER = /^[A-Za-z][A-Za-z'-]*(?: [A-Za-z'-]+){0,2}\.?$/;
/** Where the phrase after "the answer is" ends when it has no math span: sentence end or chatter. */
const PHRASE_END = /\.(?:\s|$)|\s(?:I hope|which|because|since|Let me|Is there)\b|\n/;

/**
 * The final answer in `text`. Only the part after the last `</think>` is searched when there is one,
 * and chat-template tokens (`<|im_end|>`, `</s>`) end the text before them.
 * Rules in order: boxed (the last `\boxed{}`/`\fbox{}`) or boxed-several (boxes joined only by
 * separators, read as one collection), hash (`#### x`), answer-is ("the answer is x", "Final
 * answer: x", "Answer: x"), choice-letter / label-word (choice and label tasks), math-span (the
 * last `$…$`, `$$…$$`, `\(…\)`, `\[…\]`), bare (the whole text is an answer: `\frac{8}{3}`, `1/2`),
 * last-number (numeric or untyped tasks), after-think (the short text after `</think>`), else
 * no-answer.
 *
 * @example extractAnswer("so $\\boxed{\\frac{1}{2}}$") // { answer: "\\frac{1}{2}", rule: "boxed" }
 * @example extractAnswer("$\\boxed{1}, \\boxed{2}$") // { answer: "1, 2", rule: "boxed-several" }
 * @example extractAnswer("... #### 1,080", "numeric") // { answer: "1,080", rule: "hash" }
 * @example extractAnswer("Hence \\[x = 3\\]") // { answer: "x = 3", rule: "math-span" }
 */
export function extractAnswer(text: string, answerType?: AnswerType): Extraction {
  // `includes` first: V8's lastIndexOf scans slowly, and most outputs hold no `</think>`.
  const think = text.includes(THINK_END) ? text.lastIndexOf(THINK_END) : -1;
  const raw = think >= 0 ? text.slice(think + THINK_END.length) : text;

  // A template token only ends a line, so boxes and `####` are found in the raw text (the hash
  // line then loses its token); the rules after them read the text with the tokens dropped.
  const boxes = lastBoxGroup(raw);
  const contents = boxes.map((b) => b.content.trim()).filter((c) => c !== "");
  if (contents.length > 1) return { answer: contents.join(", "), rule: "boxed-several" };
  if (contents.length === 1) return { answer: contents[0] as string, rule: "boxed" };

  const hash = afterHash(raw);
  if (hash !== null) return { answer: hash, rule: "hash" };

  const region = dropTemplateTokens(raw);

  const isChoice = answerType === "choice" || answerType === "label";
  const said = answerIs(region);
  if (said !== null) {
    const letter = isChoice ? /^\(?([A-Ja-j])\)?[.:]?$/.exec(said)?.[1] : undefined;
    return letter
      ? { answer: letter.toUpperCase(), rule: "choice-letter" }
      : { answer: said, rule: "answer-is" };
  }

  // `**7**`: markdown emphasis around a whole answer.
  const whole = region.trim().replace(/^\*{1,2}([^*]+)\*{1,2}$/, "$1");
  if (isChoice) {
    const letter = lastMatch(CHOICE, whole);
    if (letter)
      return {
        answer: letter[1] ?? letter[2] ?? letter[3] ?? letter[4] ?? letter[5] ?? "",
        rule: "choice-letter",
      };
    if (answerType === "label") {
      const word = lastMatch(LABEL, region);
      if (word) return { answer: word[1] ?? "", rule: "label-word" };
    }
    // An option's text on its own (`12` for "C) 12"): the comparison maps it to its letter.
    if (whole !== "" && whole.length <= BARE_MAX && !whole.includes("\n"))
      return { answer: whole, rule: "bare" };
  } else {
    const bare = whole.length <= BARE_MAX && !/\n|\$|\\[[(]/.test(whole) && !isProse(whole);
    if (whole !== "" && (bare || (answerType === "math" && WORD_ANSWER.test(whole))))
      return { answer: whole, rule: "bare" };
    // The last math span, unless a plain number comes after it ("… so there are 12 ways.").
    const span = lastSpanGroup(region);
    const num = lastMatch(LAST_NUMBER, span ? region.slice(span.end) : region);
    if (span && !num && !isProse(span.content)) return { answer: span.content.trim(), rule: "math-span" };
    if (num) return { answer: num[0], rule: "last-number" };
  }

  const rest = region.trim();
  if (think >= 0 && rest !== "" && rest.length <= AFTER_THINK_MAX)
    return { answer: rest, rule: "after-think" };
  return { answer: null, rule: "no-answer" };
}

/** The rest of the line after the last `####` (up to a template token), or null. */
function afterHash(s: string): string | null {
  const at = s.lastIndexOf("####");
  if (at < 0) return null;
  const nl = s.indexOf("\n", at);
  const line = dropTemplateTokens(s.slice(at + 4, nl < 0 ? s.length : nl));
  const cut = line.indexOf("\n");
  const ans = (cut < 0 ? line : line.slice(0, cut)).trim();
  return ans === "" ? null : ans;
}

/**
 * The phrase after the last "answer is" / "final answer:": its first math span, else the words up
 * to the sentence end or the chatter that follows.
 */
function answerIs(s: string): string | null {
  const m = lastMatch(ANSWER_IS, s);
  if (!m) return null;
  const start = m.index + m[0].length;
  const nl = s.indexOf("\n", start);
  let rest = s.slice(start, nl < 0 ? s.length : nl).trim();
  const span = leadingSpan(rest);
  if (span !== null) rest = span;
  else {
    const stop = PHRASE_END.exec(rest);
    if (stop) rest = rest.slice(0, stop.index);
    // "4 (two times two)": a closing remark in parentheses is not part of the answer.
    rest = rest.replace(/\s+\((?=[^()]*[a-zA-Z]{3,})[^()]*\)\s*$/, "");
    // "The volume of $ABCD$ is 120": the value follows the last "is".
    const is = rest.lastIndexOf(" is ");
    if (is >= 0) rest = rest.slice(is + 4).trim();
    rest = leadingSpan(rest) ?? rest;
  }
  rest = rest.replace(/^[*_\s]+|[*_\s.,;]+$/g, "");
  return rest === "" ? null : rest;
}

/** The content of a math span opening `s` (possibly unclosed), or null. */
function leadingSpan(s: string): string | null {
  for (const [open, close] of [
    ["$$", "$$"],
    ["$", "$"],
    ["\\(", "\\)"],
    ["\\[", "\\]"],
  ] as const) {
    if (!s.startsWith(open)) continue;
    let end = s.indexOf(close, open.length);
    while (open === "$" && end > 0 && s[end - 1] === "\\") end = s.indexOf(close, end + 1);
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
