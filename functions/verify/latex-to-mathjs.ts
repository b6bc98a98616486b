/**
 * LaTeX (one scalar MATH-style expression, already normalised) → a mathjs expression string.
 * Products are made explicit (`2x` → `2 * x`, `xy` → `x * y`) because mathjs reads `x (y+1)` as a
 * function call. Anything outside the supported subset makes the conversion fail (null), and the
 * caller falls back to string comparison.
 */
import { matchBrace, readArg } from "./braces.ts";
import { DELIMITERS, FUNCTIONS, GREEK, IGNORED, INVERSE, OPERATORS, WRAPPERS } from "./latex-commands.ts";

/** A converted expression and its free symbols (mathjs names). */
export interface Converted {
  expr: string;
  symbols: string[];
}

class Unsupported extends Error {}

const NUMBER = /\d+(?:\.\d+)?|\.\d+/y;
const INT = /^\d+$/;
/** Function names written without a backslash (followed by `(`), and `pi` as a whole word. */
const PLAIN_WORD = /^(sqrt|sin|cos|tan|ln|log|exp)(?=\()|^(pi)(?![a-zA-Z])/;
/** Symbols that mathjs already defines: the imaginary unit and Euler's number. */
const CONSTANTS = new Set(["i", "e"]);

/**
 * Converts LaTeX to a mathjs expression, or null when it uses something unsupported.
 *
 * @example latexToMathjs("2\\sqrt{3}x")?.expr // "2 * sqrt(3) * x"
 * @example latexToMathjs("\\frac12")?.expr // "((1) / (2))"
 * @example latexToMathjs("x \\le 3") // null
 */
export function latexToMathjs(latex: string): Converted | null {
  const symbols = new Set<string>();
  try {
    const expr = convert(latex, symbols);
    return expr.trim() === "" ? null : { expr, symbols: [...symbols].sort() };
  } catch {
    return null;
  }
}

function convert(src: string, symbols: Set<string>): string {
  const out: string[] = [];
  let operand = false; // the last token ends an operand, so a following operand needs a `*`
  let absOpen = 0;
  const put = (tok: string, isOperand: boolean): void => {
    if (isOperand && operand) out.push("*");
    out.push(tok);
    operand = isOperand;
  };
  const sub = (s: string): string => `(${convert(s, symbols)})`;

  let i = 0;
  while (i < src.length) {
    const c = src[i] ?? "";
    if (c === " ") {
      i++;
    } else if ((c >= "0" && c <= "9") || (c === "." && /\d/.test(src[i + 1] ?? ""))) {
      NUMBER.lastIndex = i;
      const num = NUMBER.exec(src)?.[0] ?? c;
      i += num.length;
      const mixed = !operand && out[out.length - 1] !== "^" && INT.test(num) ? mixedFraction(src, i) : null;
      if (mixed) {
        put(`(${num} + ${mixed.num} / ${mixed.den})`, true);
        i = mixed.end;
      } else put(num, true);
    } else if (/[a-zA-Z]/.test(c)) {
      // Plain-text maths: `sqrt(2)/2`, `2pi`, `sin(x)` read like their commands.
      const m = /[a-zA-Z]/.test(src[i - 1] ?? "") ? null : PLAIN_WORD.exec(src.slice(i, i + 8));
      const word = m?.[1] ?? m?.[2];
      if (word) {
        i = plainWord(word, i + word.length);
        continue;
      }
      put(c, true);
      if (!CONSTANTS.has(c)) symbols.add(c);
      i++;
    } else if (c === "_") {
      const prev = out[out.length - 1] ?? "";
      const arg = readArg(src, i + 1);
      if (!arg || !/^[a-zA-Z]/.test(prev) || !/^[a-zA-Z0-9]+$/.test(arg.arg))
        throw new Unsupported("subscript");
      symbols.delete(prev);
      out[out.length - 1] = `${prev}_${arg.arg}`;
      symbols.add(`${prev}_${arg.arg}`);
      i = arg.end;
    } else if (c === "^") {
      const arg = readArg(src, i + 1);
      if (!arg || !operand) throw new Unsupported("power");
      out.push("^");
      operand = false;
      put(sub(arg.arg), true);
      i = arg.end;
    } else if ("+-*/".includes(c)) {
      put(c, false);
      i++;
    } else if (c === "!") {
      out.push("!");
      i++;
    } else if (c === "(" || c === "[") {
      put("(", true);
      operand = false;
      i++;
    } else if (c === ")" || c === "]") {
      out.push(")");
      operand = true;
      i++;
    } else if (c === "{") {
      const close = matchBrace(src, i);
      if (close < 0) throw new Unsupported("brace");
      put(sub(src.slice(i + 1, close)), true);
      i = close + 1;
    } else if (c === "|") {
      if (absOpen > 0 && operand) {
        out.push(")");
        absOpen--;
      } else {
        put("abs(", true);
        operand = false;
        absOpen++;
      }
      i++;
    } else if (c === "\\") {
      const name = /^\\([a-zA-Z]+|.)/.exec(src.slice(i, i + 30))?.[1] ?? "";
      i = command(name, i + 1 + name.length);
    } else throw new Unsupported(c);
  }
  return out.join(" ");

  /** A plain-text function name or `pi` ending at `j`; returns the index after it. */
  function plainWord(word: string, j: number): number {
    if (word === "pi") {
      put("pi", true);
      return j;
    }
    if (word !== "sqrt") return fn(word, j);
    const arg = fnArgument(src, j);
    put(`sqrt(${sub(arg.text)})`, true);
    return arg.end;
  }

  /** Emits one command whose name ends at `j`; returns the index after its arguments. */
  function command(name: string, j: number): number {
    if (IGNORED.has(name)) return j;
    if (name === "pi") {
      put("pi", true);
      return j;
    }
    if (name === "infty" || name === "infin") {
      put("Infinity", true);
      return j;
    }
    const op = OPERATORS[name];
    if (op) {
      put(op, false);
      return j;
    }
    const delim = DELIMITERS[name];
    if (delim) {
      if (delim === ")") {
        out.push(")");
        operand = true;
      } else {
        put(delim, true);
        operand = false;
      }
      return j;
    }
    if (GREEK.has(name)) {
      put(`g_${name}`, true);
      symbols.add(`g_${name}`);
      return j;
    }
    if (name === "frac" || name === "dfrac" || name === "tfrac" || name === "cfrac" || name === "binom") {
      const a = readArg(src, j);
      const b = a && readArg(src, a.end);
      if (!a || !b) throw new Unsupported(name);
      const tex = name === "binom" ? binom(sub(a.arg), sub(b.arg)) : `(${sub(a.arg)} / ${sub(b.arg)})`;
      put(tex, true);
      return b.end;
    }
    if (name === "sqrt") return sqrt(j);
    if (WRAPPERS.has(name)) {
      const a = readArg(src, j);
      if (!a) throw new Unsupported(name);
      const inner = a.arg.trim();
      if (FUNCTIONS[inner]) return command(inner, a.end);
      if (inner !== "") put(sub(inner), true);
      return a.end;
    }
    if (FUNCTIONS[name]) return fn(name, j);
    throw new Unsupported(name);
  }

  function sqrt(j: number): number {
    let k = j;
    let index: string | null = null;
    if (src[k] === "[") {
      const close = src.indexOf("]", k);
      if (close < 0) throw new Unsupported("sqrt");
      index = src.slice(k + 1, close);
      k = close + 1;
    }
    const a = readArg(src, k);
    if (!a) throw new Unsupported("sqrt");
    put(index === null ? `sqrt(${sub(a.arg)})` : `nthRoot(${sub(a.arg)}, ${sub(index)})`, true);
    return a.end;
  }

  /** `\sin x`, `\sin(x)`, `\sin^2 x`, `\sin^{-1} x`, `\log_2 8`. */
  function fn(name: string, j: number): number {
    let k = j;
    let power: string | null = null;
    let base: string | null = null;
    for (;;) {
      while (src[k] === " ") k++;
      if (src[k] !== "^" && src[k] !== "_") break;
      const a = readArg(src, k + 1);
      if (!a) throw new Unsupported(name);
      if (src[k] === "^") power = a.arg;
      else base = a.arg;
      k = a.end;
    }
    const arg = fnArgument(src, k);
    const inverse = power === "-1" && INVERSE[name];
    const call = inverse
      ? `${inverse}${sub(arg.text)}`
      : base !== null
        ? `log(${sub(arg.text)}, ${sub(base)})`
        : `${FUNCTIONS[name]}${sub(arg.text)}`;
    put(power !== null && !inverse ? `(${call})^${sub(power)}` : call, true);
    return arg.end;
  }
}

/** `\\binom{n}{k}` through gamma, so it is defined for a symbolic `n` at random real points too. */
function binom(n: string, k: string): string {
  return `(gamma(${n} + 1) / (gamma(${k} + 1) * gamma(${n} - ${k} + 1)))`;
}

/** The argument of a function command: a parenthesised or braced group, else the term up to `+ - =`. */
function fnArgument(src: string, k: number): { text: string; end: number } {
  if (src[k] === "(") {
    let depth = 0;
    for (let j = k; j < src.length; j++) {
      if (src[j] === "(") depth++;
      else if (src[j] === ")" && --depth === 0) return { text: src.slice(k + 1, j), end: j + 1 };
    }
    throw new Unsupported("paren");
  }
  if (src[k] === "{") {
    const a = readArg(src, k);
    if (!a) throw new Unsupported("brace");
    return { text: a.arg, end: a.end };
  }
  const stop = /[+\-=,)\]]|\\(?:sin|cos|tan|cot|sec|csc|ln|log|cdot|times)\b/g;
  stop.lastIndex = k + 1;
  const m = stop.exec(src);
  const end = m ? m.index : src.length;
  if (src.slice(k, end).trim() === "") throw new Unsupported("argument");
  return { text: src.slice(k, end), end };
}

/** A `\frac{int}{int}` right after an integer: a mixed number (`1\frac{4}{5}` = 9/5). */
function mixedFraction(src: string, i: number): { num: string; den: string; end: number } | null {
  const m = /^ *\\[dtc]?frac/.exec(src.slice(i, i + 12));
  if (!m) return null;
  const a = readArg(src, i + m[0].length);
  const b = a && readArg(src, a.end);
  if (!a || !b || !INT.test(a.arg.trim()) || !INT.test(b.arg.trim())) return null;
  return { num: a.arg.trim(), den: b.arg.trim(), end: b.end };
}
