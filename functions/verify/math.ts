/**
 * Equivalence of MATH-style LaTeX answers: normalise, parse the shape (tuple, interval, set,
 * list, matrix), then compare scalars by exact text, as numbers, or symbolically with mathjs.
 */
import { splitTopLevel } from "./braces.ts";
import { check, type Deadline } from "./deadline.ts";
import { compileLatex, exprEqual } from "./expr-compare.ts";
import { compactLatex, normalizeLatex } from "./normalize.ts";
import { numericEqual, parseNumber } from "./numeric.ts";
import { type Answer, parseAnswer } from "./structure.ts";

/**
 * Whether two LaTeX answers are mathematically the same.
 *
 * @example mathEqual("\\dfrac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}{2}", deadlineIn(50)) // true
 * @example mathEqual("[1,2)", "[1,2]", deadlineIn(50)) // false
 */
export function mathEqual(gold: string, pred: string, deadline: Deadline): boolean {
  // Plain numbers first, before `%` is stripped, so `\frac{3}{4}` equals `75\%`.
  const ng = parseNumber(gold);
  const np = ng && parseNumber(pred);
  if (ng && np) return numericEqual(ng, np);
  const g = normalizeLatex(gold);
  const p = normalizeLatex(pred);
  if (compactLatex(g) === compactLatex(p)) return true;
  return answersEqual(parseAnswer(g), parseAnswer(p), deadline);
}

function answersEqual(a: Answer, b: Answer, deadline: Deadline): boolean {
  check(deadline);
  if (a.kind === "scalar" && b.kind === "scalar") return scalarEqual(a.text, b.text, deadline);
  if (a.kind === "ordered" && b.kind === "ordered") {
    return (
      a.open === b.open &&
      a.close === b.close &&
      a.items.length === b.items.length &&
      a.items.every((x, k) => answersEqual(x, b.items[k] ?? x, deadline))
    );
  }
  if (a.kind === "unordered" && b.kind === "unordered") return sameMultiset(a.items, b.items, deadline);
  if (a.kind === "matrix" && b.kind === "matrix") {
    return (
      a.rows.length === b.rows.length &&
      a.rows.every((row, r) => {
        const other = b.rows[r] ?? [];
        return row.length === other.length && row.every((x, k) => answersEqual(x, other[k] ?? x, deadline));
      })
    );
  }
  // A one-item list and its item are the same answer.
  if (a.kind === "unordered" && a.items.length === 1 && a.items[0])
    return answersEqual(a.items[0], b, deadline);
  if (b.kind === "unordered" && b.items.length === 1 && b.items[0])
    return answersEqual(a, b.items[0], deadline);
  return false;
}

/** Order-insensitive match: each item of `a` pairs with a distinct equal item of `b`. */
function sameMultiset(a: Answer[], b: Answer[], deadline: Deadline): boolean {
  if (a.length !== b.length) return false;
  const used = new Array<boolean>(b.length).fill(false);
  return a.every((x) => {
    const k = b.findIndex((y, j) => !used[j] && answersEqual(x, y, deadline));
    if (k < 0) return false;
    used[k] = true;
    return true;
  });
}

/**
 * Two scalar answers (normalised LaTeX): same text; same words (case-insensitive); same number;
 * an equation against its right-hand side (`x = 3` vs `3`); else mathjs equivalence.
 */
export function scalarEqual(a: string, b: string, deadline: Deadline): boolean {
  if (compactLatex(a) === compactLatex(b)) return true;
  if (isWords(a) || isWords(b)) return wordsKey(a) === wordsKey(b);
  const na = parseNumber(a);
  const nb = parseNumber(b);
  if (na && nb) return numericEqual(na, nb);
  const ea = splitEquation(a);
  const eb = splitEquation(b);
  if (ea && eb) return equationsEqual(ea, eb, deadline);
  if (ea || eb) {
    const eq: [string, string] = ea ?? eb ?? ["", ""];
    const other = ea ? b : a;
    return isSingleVariable(eq[0]) && scalarEqual(eq[1], other, deadline);
  }
  const ca = compileLatex(a);
  const cb = compileLatex(b);
  if (!ca || !cb) return false;
  return exprEqual(ca, cb, deadline);
}

/** Words, not maths: a run of 3+ letters that is not a LaTeX command (`Evelyn`, `east`). */
function isWords(s: string): boolean {
  return /(?<![\\a-zA-Z])[a-zA-Z]{3,}/.test(s) && !/\d/.test(s);
}

function wordsKey(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

function splitEquation(s: string): [string, string] | null {
  const parts = splitTopLevel(s, "=");
  if (parts.length !== 2) return null;
  return [parts[0]?.trim() ?? "", parts[1]?.trim() ?? ""];
}

function isSingleVariable(s: string): boolean {
  return /^(?:[a-zA-Z]|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?(?:\([a-z]\))?$/.test(s);
}

/** Equations are equal when their sides are, or when `lhs - rhs` agree up to sign. */
function equationsEqual(a: [string, string], b: [string, string], deadline: Deadline): boolean {
  if (scalarEqualQuiet(a[0], b[0], deadline) && scalarEqualQuiet(a[1], b[1], deadline)) return true;
  const da = compileLatex(`${a[0]} - (${a[1]})`);
  const db = compileLatex(`${b[0]} - (${b[1]})`);
  const dbNeg = compileLatex(`${b[1]} - (${b[0]})`);
  if (!da || !db || !dbNeg) return false;
  return exprEqual(da, db, deadline) || exprEqual(da, dbNeg, deadline);
}

function scalarEqualQuiet(a: string, b: string, deadline: Deadline): boolean {
  return a !== "" && b !== "" && scalarEqual(a, b, deadline);
}
