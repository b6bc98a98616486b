/**
 * String-level normalisation of a MATH-style LaTeX answer, covering what Hendrycks' `_strip_string`
 * and PRM800K's `_normalize` strip: delimiters, sizing and spacing commands, `\text{}` units,
 * degrees, percent and dollar signs, thousands separators, `x \in` prefixes and `\frac` variants.
 */
import { lastBoxed } from "./braces.ts";
import { UNICODE } from "./latex-commands.ts";
import { negatedRelations, setNotation } from "./relations.ts";

/** Unit words removed wherever they appear (PRM800K's list, plus a few common ones). */
const UNITS =
  /\b(?:sq(?:uare)?\.?\s+|cubic\s+)?(?:units?|degrees?|radians?|cm|centimeters?|mm|millimeters?|km|kilometers?|meters?|miles?|seconds?|minutes?|hours?|days?|weeks?|months?|years?|foot|feet|inch(?:es)?|yards?|cents?|dollars?|pounds?|ounces?|grams?|kilograms?|kg|liters?|mph|sq)\b(?:\s*\^\s*\{?\d\}?|²|³)?/g;
/** Words after a number at the end: more units ("5 apples"). */
const TRAILING_WORDS = /(?<=[\d}])\s+[a-zA-Z]{2,}(?:\s+[a-zA-Z]{2,})*\.?$/;
/** `\text{ m}`, `\mbox{cm}^2`, `\text{ km/h}` right after a number (or `\pi`): a unit. */
const UNIT_TEXT =
  /(?<=(?:[\d})]|\\pi)\s*)\\(?:text|textnormal|mbox|mathrm)\s*\{\s*(?!(?:or|and|i|j)\s*\})[a-zA-Z][a-zA-Z /.]*\}(?:\^\s*\{?\d\}?)?/g;
const TEXT_CMD = /\\(?:text|textnormal|textbf|textit|textrm|mbox|mathrm|mathit|mathsf)\s*\{([^{}]*)\}/g;

/**
 * Normalised LaTeX for one answer: spacing collapsed, case kept.
 *
 * @example normalizeLatex("\\left( 3, \\dfrac{\\pi}{2} \\right)") // "( 3, \\frac{\\pi}{2} )"
 * @example normalizeLatex("\\$1,\\!000") // "1000"
 * @example normalizeLatex("x \\in [-2,7]") // "[-2,7]"
 */
export function normalizeLatex(raw: string): string {
  // A reference is normalised once per group of samples, not once per sample.
  const hit = memo.get(raw);
  if (hit !== undefined) return hit;
  const out = normalizeUncached(raw);
  if (memo.size >= MEMO_MAX) memo.clear();
  memo.set(raw, out);
  return out;
}

const MEMO_MAX = 10_000;
const memo = new Map<string, string>();

function normalizeUncached(raw: string): string {
  let s = unicodeMath(raw.trim());
  if (s.startsWith("\\boxed") || s.startsWith("\\fbox")) s = lastBoxed(s) ?? s;
  s = negatedRelations(s)
    .replace(/\s+/g, " ")
    .replace(/\\[[\]()]/g, " ")
    .replace(/\\\$|\$/g, "")
    .replace(/\\[dtc]frac/g, "\\frac")
    // Brace-less one-digit arguments, braced: `\frac13` → `\frac{1}{3}`, `\sqrt3` → `\sqrt{3}`.
    .replace(/\\frac\s*(\d)\s*(\d)/g, "\\frac{$1}{$2}")
    .replace(/\\frac\s*(\d)\s*(?=\{)/g, "\\frac{$1}")
    .replace(/\\sqrt\s*(\d)/g, "\\sqrt{$1}")
    .replace(/\\(?:left|right)\s*\.|\\(?:left|right|[bB]igg?[lr]?)(?![a-zA-Z])\s*/g, "")
    .replace(/\\(?:displaystyle|textstyle)\b/g, "")
    .replace(/,\\!\s*|\{,\}/g, ",")
    .replace(/(?<!\\)\\[!,;: ]|\\q?quad\b|~/g, " ")
    .replace(/>=|≥|\\geqslant\b/g, "\\ge ")
    .replace(/<=|≤|\\leqslant\b/g, "\\le ")
    .replace(/;/g, ",")
    .replace(/!=|≠|\\ne(?![a-zA-Z])/g, "\\neq ")
    .replace(/_\{(\w+)\}/g, "_$1")
    .replace(/\^\s*\{\s*\\circ\s*\}|\^\s*\\circ\b|\\circ\b|°|\\degree\b/g, "")
    .replace(/\\?%|\\percent\b/g, "");
  // `x = 1/3 \approx 0.33`: the approximation adds nothing; `x \approx 11` alone is `x = 11`.
  if (s.includes("\\approx"))
    s = /=.*\\approx/.test(s) ? s.replace(/\s*\\approx[^=]*$/, "") : s.replace(/\\approx/g, "=");
  s = aliases(unwrapText(s.replace(UNIT_TEXT, "")));
  // `\left[\begin{array}…\end{array}\right]`: brackets around a matrix are its delimiters.
  s = s.replace(/^\s*[([]\s*(\\begin\{([a-zA-Z]*matrix|array)\}.*\\end\{\2\})\s*[)\]]\s*$/s, "$1");
  s = setNotation(s);
  s = s
    .replace(/\\operatorname\s*\{([a-zA-Z]+)\}/g, "\\$1")
    .replace(/^[a-zA-Z]\s*\\in\s*/, "")
    .replace(/\s+(?:or|and)\s+/g, ", ")
    .replace(/\s+/g, " ")
    .trim();
  const stripped = s.replace(UNITS, "").replace(TRAILING_WORDS, "").trim();
  if (/[\d\\]/.test(stripped) && !/^[\^,]/.test(stripped)) s = stripped;
  s = stripThousands(s);
  // A trailing full stop, a whole-answer brace group, and a leading `=` (`= 7`) say nothing.
  s = s
    .replace(/[.\s]+$/, "")
    .replace(/^\{([^{}]*)\}$/, "$1")
    .replace(/^=\s*/, "");
  // A ratio `a:b` is the number a/b (`\:` spacing is gone by now).
  const ratio = /^([^:=a-zA-Z]+):([^:=a-zA-Z]+)$/.exec(s);
  return ratio ? `\\frac{${ratio[1]?.trim()}}{${ratio[2]?.trim()}}` : s;
}

/** Plain-text Unicode maths as LaTeX: `3√5` → `3\\sqrt{5}`, `(-∞, 2]`, `2π`, `x²`. */
function unicodeMath(s: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is the point
  if (!/[^\x00-\x7f]/.test(s)) return s;
  return s
    .replace(
      /√\s*(\d+(?:\.\d+)?|[a-zA-Z]|\{[^{}]*\})/g,
      (_m, a: string) => `\\sqrt{${a.replace(/^\{|\}$/g, "")}}`,
    )
    .replace(/[∞π∪∩×·⋅÷∅ℝ∈½⅓⅔¼¾²³αβγδθλμσφω]/g, (c) => UNICODE[c] ?? c);
}

/**
 * Other spellings of the same answer: `\langle 1, 2 \rangle` is `(1, 2)`, `{5 \choose 2}` is
 * `\binom{5}{2}`, `+\infty` and `inf` are `\infty`, and a leading "the answer is" says nothing.
 */
function aliases(s: string): string {
  return s
    .replace(/\\langle(?![a-zA-Z])/g, "(")
    .replace(/\\rangle(?![a-zA-Z])/g, ")")
    .replace(/\{([^{}]*)\\choose(?![a-zA-Z])([^{}]*)\}/g, "\\binom{$1}{$2}")
    .replace(/(?<![\\a-zA-Z])(?:infinity|inf)(?![a-zA-Z])/gi, "\\infty")
    .replace(/(^|[,([\s])\+\s*\\infty/g, "$1\\infty")
    .replace(/^(?:the\s+)?(?:final\s+)?answer\s+is\s*:?\s*/i, "");
}

/**
 * `\text{…}` and friends: a whole-answer wrapper gives its content (a word answer such as
 * `\text{Evelyn}`); elsewhere the content stays as plain words, so units can be dropped.
 */
function unwrapText(s: string): string {
  let prev = "";
  let out = s;
  while (out !== prev) {
    prev = out;
    out = out.replace(TEXT_CMD, (_m, inner: string) => ` ${inner.trim()} `);
  }
  return out.replace(/\s+/g, " ").trim();
}

/**
 * Removes thousands separators (`10,080`, `1,000.5`) unless the commas may separate the items of a
 * tuple, interval or set — then `(3,500)` stays a pair.
 */
function stripThousands(s: string): string {
  if (/^[([]|^\\\{/.test(s)) return s;
  if (/^[+-]?\d{1,3}(?:, ?\d{3}|(?: \d{3})+)+(?:\.\d+)?$/.test(s)) return s.replace(/,? ?/g, "");
  return s.replace(/(?<![\d.,])(\d{1,3})((?:,\d{3})+)(?!\d|,\d)/g, (m) => m.replace(/,/g, ""));
}

/**
 * Compact form for exact string comparison: normalised, spaces removed.
 *
 * @example compactLatex("\\frac{1}{2} ") // "\\frac{1}{2}"
 */
export function compactLatex(s: string): string {
  return s.replace(/\s+/g, "");
}
