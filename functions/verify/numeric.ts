/**
 * Plain-number answers: parsing every common notation of one number, and tolerant comparison.
 */
import { readArg } from "./braces.ts";

/** A parsed number; `percent` marks a `%` (or "percent") so either reading can be accepted. */
export interface ParsedNumber {
  value: number;
  percent: boolean;
}

/** Default tolerances: relative 1e-6 plus absolute 1e-9. */
export const REL_TOL = 1e-6;
export const ABS_TOL = 1e-9;

const PLAIN = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const SCI_E = /^([+-]?(?:\d+\.?\d*|\.\d+))[eE]([+-]?\d+)$/;
const SCI_TIMES = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:\\times|\\cdot|\*|×|x)10\^\{?([+-]?\d+)\}?$/;
const SLASH = /^([+-]?)(\d+\.?\d*)\/(\d+\.?\d*)$/;
const MIXED_SLASH = /^([+-]?)(\d+) (\d+)\/(\d+)$/;
/** A repeating decimal: `0.\overline{3}`, `0.1\overline{6}`, `0.\dot{3}`. */
const REPEATING = /^([+-]?)(\d*)\.(\d*)\\(?:overline|dot)\{?(\d+)\}?$/;
const THOUSANDS = /^([+-]?[1-9]\d{0,2})((?:,\d{3})+)(\.\d+)?$/;
const THOUSANDS_SPACE = /^([+-]?\d{1,3})((?: \d{3})+)(\.\d+)?$/;
/** Units and currency words after a number: a space-separated word of 2+ letters, or a short unit. */
const UNIT_SUFFIX =
  /(?:\s+[a-zA-Z]{2,}[a-zA-Z\s.]*|(?<=\d)(?:cm|mm|km|kg|mg|ml|mL|m|g|s|h|ft|in|lb|oz|mph))(?:\^?\d|²|³)?$/;

/**
 * The number written in `raw`, or null when it is not a single plain number.
 * Accepts thousands separators, signs, decimals, `a/b`, `\frac{a}{b}`, `\frac34`, mixed numbers,
 * `1.5e3`, `1.5\times10^3`, `%`, currency (`$`, `€`, `£`) and unit words around the number.
 *
 * @example parseNumber("\\$1,000") // { value: 1000, percent: false }
 * @example parseNumber("50\\%") // { value: 50, percent: true }
 * @example parseNumber("2x") // null
 */
export function parseNumber(raw: string): ParsedNumber | null {
  const fast = raw.trim();
  if (PLAIN.test(fast)) return { value: Number(fast), percent: false };
  let s = clean(fast);
  const percent = /%|\bpercent(?:age)?\b|\bpct\b/.test(s);
  if (percent) s = s.replace(/%|\bpercent(?:age)?\b|\bpct\b/g, "").trim();
  s = s.replace(/^[a-zA-Z]\s*=\s*/, "");
  for (let k = 0; k < 2 && UNIT_SUFFIX.test(s); k++) s = s.replace(UNIT_SUFFIX, "").trim();
  const value = numberValue(s);
  return value === null ? null : { value, percent };
}

/** Strips math delimiters, spacing commands, `\text{}` wrappers, degree marks and currency. */
function clean(s: string): string {
  return s
    .replace(/\\(?:text|textnormal|textbf|mbox|mathrm|textrm)\{([^{}]*)\}/g, " $1 ")
    .replace(/\\(?:left|right|displaystyle)\b/g, "")
    .replace(/\\[!,;: ]|\\quad|~/g, "")
    .replace(/\{,\}/g, ",")
    .replace(/\\%/g, "%")
    .replace(/\\\$|\$|€|£|¥|₹|\bUSD\b|\bRs\.?/g, "")
    .replace(/\^\s*\{?\\circ\}?|°|\\degree/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** The value of a cleaned single-number string, or null. */
function numberValue(s: string): number | null {
  if (PLAIN.test(s)) return Number(s);
  let m = THOUSANDS.exec(s) ?? THOUSANDS_SPACE.exec(s);
  if (m) return Number(`${m[1]}${(m[2] ?? "").replace(/[ ,]/g, "")}${m[3] ?? ""}`);
  const t = s.replace(/ /g, "");
  m = SCI_E.exec(t) ?? SCI_TIMES.exec(t);
  if (m) return Number(m[1]) * 10 ** Number(m[2]);
  m = SLASH.exec(t);
  if (m) return sign(m[1]) * (Number(m[2]) / Number(m[3]));
  m = MIXED_SLASH.exec(s);
  if (m) return sign(m[1]) * (Number(m[2]) + Number(m[3]) / Number(m[4]));
  m = REPEATING.exec(t);
  if (m) return sign(m[1]) * repeating(m[2] ?? "", m[3] ?? "", m[4] ?? "");
  return latexFraction(t);
}

/** `I.A` followed by `B` repeating: I + (AB - A) / ((10^|B| - 1) · 10^|A|). */
function repeating(whole: string, head: string, period: string): number {
  const den = (10 ** period.length - 1) * 10 ** head.length;
  return Number(whole || "0") + (Number(head + period) - Number(head || "0")) / den;
}

/** `\frac{a}{b}`, `\dfrac34`, `-\frac12`, and mixed `1\frac{4}{5}`, with plain-number parts. */
function latexFraction(s: string): number | null {
  const m = /^([+-]?)(\d*)\\[dtc]?frac/.exec(s);
  if (!m) return null;
  const num = readArg(s, m[0].length);
  const den = num && readArg(s, num.end);
  if (!num || !den || den.end !== s.length) return null;
  if (!PLAIN.test(num.arg) || !PLAIN.test(den.arg)) return null;
  const frac = Number(num.arg) / Number(den.arg);
  const whole = m[2] ? Number(m[2]) : 0;
  return sign(m[1]) * (whole + frac);
}

function sign(s: string | undefined): number {
  return s === "-" ? -1 : 1;
}

/**
 * Whether two numbers agree within `rel` (relative to the larger) plus `abs`; integers exactly.
 *
 * @example numbersClose(1000, 1000.0000001) // true
 */
export function numbersClose(a: number, b: number, rel = REL_TOL, abs = ABS_TOL): boolean {
  if (a === b) return true;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  // Two whole numbers must match exactly: 1000001 is not 1000000, whatever the tolerance. Past
  // 2^53 doubles are whole but rounded (6.02·10^23 twice may differ in the last bit).
  if (Number.isSafeInteger(a) && Number.isSafeInteger(b)) return false;
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}

/**
 * Equality of two parsed numbers, lenient about percent: `50%` equals both `0.5` and `50`.
 *
 * @example numericEqual({ value: 50, percent: true }, { value: 0.5, percent: false }) // true
 */
export function numericEqual(gold: ParsedNumber, pred: ParsedNumber): boolean {
  if (numbersClose(gold.value, pred.value)) return true;
  if (pred.percent && numbersClose(gold.value, pred.value / 100)) return true;
  return gold.percent && numbersClose(gold.value / 100, pred.value);
}

const DECIMAL_COMMA = /^([+-]?\d+)(?:,|\{,\})(\d+)$/;

/**
 * A decimal comma where it cannot be a thousands separator (`0,5`, `3{,}14`, `2,25`; not `1,500`),
 * read as a number; null otherwise. Only for a prediction against a single-number reference,
 * where a list `1,5` is not a possible reading.
 *
 * @example decimalComma("3{,}14") // { value: 3.14, percent: false }
 */
export function decimalComma(raw: string): ParsedNumber | null {
  const m = DECIMAL_COMMA.exec(clean(raw));
  if (!m || ((m[2] ?? "").length === 3 && !/^[+-]?0$/.test(m[1] ?? ""))) return null;
  return { value: Number(`${m[1]}.${m[2]}`), percent: false };
}
