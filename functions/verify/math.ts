/**
 * Equivalence of MATH-style LaTeX answers: normalise, parse the shape (tuple, interval, set,
 * list, matrix), then compare scalars by exact text, as numbers, or symbolically with mathjs.
 */
import { check, type Deadline } from "./deadline.ts";
import {
  equationsEqual,
  LABEL,
  namedValue,
  namesValue,
  predictedValue,
  sameLabel,
  splitEquation,
} from "./equations.ts";
import { compileLatex, exprEqual } from "./expr-compare.ts";
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
  let g = normalizeLatex(gold);
  let p = normalizeLatex(pred);
  if (compactLatex(g) === compactLatex(p)) return true;
  // `(h, k) = (2, 3)` against `(2, 3)`: a side that only names the answer goes, unless both
  // sides are equations (then they compare as equations).
  const gEq = g.includes("=");
  const pEq = p.includes("=");
  if (gEq !== pEq) [g, p] = gEq ? [namedValue(g, false), p] : [g, namedValue(p, true)];
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
  // The same answer given twice (`\boxed{\frac52}` or `\boxed{2.5}`) is that answer.
  if (a.kind === "scalar" && b.kind === "unordered" && b.items.length > 1)
    return b.items.every((y) => answersEqual(a, y, deadline));
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
  if (ea && eb) return equationsEqual(ea, eb, deadline, scalarEqual);
  // An equation against a value: `x = 3` vs `3`, `48+24 = 72` vs `72`, either side.
  // The prediction's arithmetic and identities count (`48+24 = 72`); the reference's do not
  // (`7 = 11a+c` is an equation to solve).
  if (ea) return namesValue(ea.beforeLast, false) && scalarEqual(ea.last, b, deadline);
  if (eb) {
    const value = predictedValue(eb, deadline);
    return value !== null && scalarEqual(a, value, deadline);
  }
  const ca = compileLatex(a);
  const cb = compileLatex(b);
  if (!ca || !cb) return false;
  return exprEqual(ca, cb, deadline);
}

/** Words, not maths: a run of 3+ letters that is not a LaTeX command (`Evelyn`, `east`). */
function isWords(s: string): boolean {
  if (/^no$/i.test(s)) return true; // the one two-letter word answer
  return /(?<![\\a-zA-Z])[a-zA-Z]{3,}/.test(s) && !/\d/.test(s);
}

function wordsKey(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, "");
}
