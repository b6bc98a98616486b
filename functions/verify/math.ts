/**
 * Equivalence of MATH-style LaTeX answers: normalise, parse the shape (tuple, interval, set,
 * list, matrix), then compare scalars by exact text, as numbers, or symbolically with mathjs.
 */
import { splitTopLevel } from "./braces.ts";
import { check, type Deadline } from "./deadline.ts";
import { compileLatex, exprEqual, exprProportional } from "./expr-compare.ts";
import { compactLatex, normalizeLatex } from "./normalize.ts";
import { decimalComma, numericEqual, parseNumber } from "./numeric.ts";
import { type Answer, parseAnswer } from "./structure.ts";

/**
 * Whether two LaTeX answers are mathematically the same.
 *
 * @example mathEqual("\\dfrac{\\sqrt{3}}{2}", "\\frac{\\sqrt3}{2}", deadlineIn(50)) // true
 * @example mathEqual("[1,2)", "[1,2]", deadlineIn(50)) // false
 */
export function mathEqual(gold: string, pred: string, deadline: Deadline): boolean {
  // Plain numbers first, before `%` is stripped, so `\frac{3}{4}` equals `75\%`.
  // A decimal comma (`1,22`) reads as a number only against a plain number on the other side.
  const ng0 = parseNumber(gold);
  const np0 = parseNumber(pred);
  const ng = ng0 ?? (np0 ? decimalComma(gold) : null);
  const np = ng && (np0 ?? decimalComma(pred));
  if (ng && np) return sameLabel(gold, pred) && numericEqual(ng, np);
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
  // A point and its coordinates named in order: `(4, 5)` and `x = 4, y = 5`.
  if (a.kind === "ordered" && b.kind === "unordered" && namesPoint(b, a))
    return b.items.every((y, k) => answersEqual(a.items[k] ?? y, y, deadline));
  if (b.kind === "ordered" && a.kind === "unordered" && namesPoint(a, b))
    return a.items.every((x, k) => answersEqual(x, b.items[k] ?? x, deadline));
  // A one-item list and its item are the same answer.
  if (a.kind === "unordered" && a.items.length === 1 && a.items[0])
    return answersEqual(a.items[0], b, deadline);
  if (b.kind === "unordered" && b.items.length === 1 && b.items[0])
    return answersEqual(a, b.items[0], deadline);
  return false;
}

/** Whether `list` names the coordinates of the point `tuple`, one `x = …` each. */
function namesPoint(list: Answer & { kind: "unordered" }, tuple: Answer & { kind: "ordered" }): boolean {
  return (
    tuple.open === "(" &&
    tuple.close === ")" &&
    list.items.length === tuple.items.length &&
    list.items.every((x) => x.kind === "scalar" && LABEL.test(x.text))
  );
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
  if (na && nb) return sameLabel(a, b) && numericEqual(na, nb);
  const ea = splitEquation(a);
  const eb = splitEquation(b);
  if (ea && eb) return equationsEqual(ea, eb, deadline);
  // An equation against a value: `x = 3` vs `3`, `48+24 = 72` vs `72`, either side.
  const eq = ea ?? eb;
  // The prediction's arithmetic counts (`48+24 = 72`); the reference's does not (`7 = 11a+c`).
  if (eq) return namesValue(eq.beforeLast, !ea) && scalarEqual(eq.last, ea ? b : a, deadline);
  const ca = compileLatex(a);
  const cb = compileLatex(b);
  if (!ca || !cb) return false;
  return exprEqual(ca, cb, deadline);
}

/** A label naming a value: `x = …`, `AB = …`, `x_1 = …`, `\\theta = …` (not `f(x) = …`). */
const LABEL = /^((?:[a-zA-Z]{1,3}|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?)\s*=(?!=)/;

/** `a = 4` is not `b = 4`: where both sides name their value, the names must agree. */
function sameLabel(a: string, b: string): boolean {
  const la = LABEL.exec(a)?.[1];
  const lb = LABEL.exec(b)?.[1];
  return !la || !lb || compactLatex(la) === compactLatex(lb);
}

/** Words, not maths: a run of 3+ letters that is not a LaTeX command (`Evelyn`, `east`). */
function isWords(s: string): boolean {
  return /(?<![\\a-zA-Z])[a-zA-Z]{3,}/.test(s) && !/\d/.test(s);
}

function wordsKey(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}

interface Equation {
  /** The first side, the side right before the last `=`, and the last side. */
  first: string;
  beforeLast: string;
  last: string;
}

/** `lhs = rhs`, or a chain `x = 5+5+1 = 11` (its first and last sides are the equation). */
function splitEquation(s: string): Equation | null {
  const parts = splitTopLevel(s, "=").map((p) => p.trim());
  if (parts.length < 2) return null;
  return {
    first: parts[0] ?? "",
    beforeLast: parts[parts.length - 2] ?? "",
    last: parts[parts.length - 1] ?? "",
  };
}

/**
 * Whether the side before an equation's last `=` only names the value after it: a variable or
 * label (`x`, `k`, `AB`, `x_1`, `f(x)`, `\\theta`), or, where `arithmetic`, a computation with no
 * unknown (`48+24 = 72`).
 */
function namesValue(side: string, arithmetic: boolean): boolean {
  if (/^(?:[a-zA-Z]{1,3}|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?(?:\([a-z]\))?$/.test(side)) return true;
  return arithmetic && side !== "" && !/[a-zA-Z]/.test(side.replace(/\\[a-zA-Z]+/g, ""));
}

/**
 * Equations are equal when their sides are, or when `lhs - rhs` of one is a non-zero multiple of
 * the other's (`2x+4y-3=0` and `y = -\\frac12 x + \\frac34`).
 */
function equationsEqual(a: Equation, b: Equation, deadline: Deadline): boolean {
  if (scalarEqualQuiet(a.first, b.first, deadline) && scalarEqualQuiet(a.last, b.last, deadline)) return true;
  const da = compileLatex(`${a.first} - (${a.last})`);
  const db = compileLatex(`${b.first} - (${b.last})`);
  if (!da || !db) return false;
  return exprProportional(da, db, deadline);
}

function scalarEqualQuiet(a: string, b: string, deadline: Deadline): boolean {
  return a !== "" && b !== "" && scalarEqual(a, b, deadline);
}
