/**
 * Equations in answers: `x = 3` and `(h, k) = (2, 3)` name their value, a chain `x = 4 + 5 = 9`
 * ends in it, labels (`a = 4`) must agree where both sides have one, and two equations are equal
 * when their sides are or when one is a multiple of the other.
 */
import { splitTopLevel } from "./braces.ts";
import type { Deadline } from "./deadline.ts";
import { compileLatex, exprEqual, exprProportional } from "./expr-compare.ts";
import { compactLatex } from "./normalize.ts";

export interface Equation {
  /** The first side, the side right before the last `=`, and the last side. */
  first: string;
  beforeLast: string;
  last: string;
}

/** A label naming a value: `x = …`, `AB = …`, `x_1 = …`, `\\theta = …` (not `f(x) = …`). */
export const LABEL = /^((?:[a-zA-Z]{1,3}|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?)\s*=(?!=)/;
const NAME = String.raw`(?:[a-zA-Z]{1,3}|\\(?:vec|overline|bar|hat|mathbf)\s*\{[a-zA-Z]{1,3}\}|\\[a-zA-Z]+)(?:_\{?[a-zA-Z0-9]+\}?)?`;
/** `x`, `AB`, `x_1`, `\theta`, `\vec{v}`, `f(x)`, `f^{-1}(x)`, `g'(t)`, or a tuple of names `(h, k)`. */
const NAMES = new RegExp(
  String.raw`^(?:${NAME}(?:\^\{?-1\}?|'+)?(?:\([a-z]\))?|\(\s*${NAME}(?:\s*,\s*${NAME})+\s*\))$`,
);

/** `a = 4` is not `b = 4`: where both sides name their value, the names must agree. */
export function sameLabel(a: string, b: string): boolean {
  const la = LABEL.exec(a)?.[1];
  const lb = LABEL.exec(b)?.[1];
  return !la || !lb || compactLatex(la) === compactLatex(lb);
}

/** `lhs = rhs`, or a chain `x = 5+5+1 = 11` (its first and last sides are the equation). */
export function splitEquation(s: string): Equation | null {
  const parts = splitTopLevel(s, "=").map((p) => p.trim());
  if (parts.length < 2) return null;
  return {
    first: parts[0] ?? "",
    beforeLast: parts[parts.length - 2] ?? "",
    last: parts[parts.length - 1] ?? "",
  };
}

/**
 * Whether the side before an equation's last `=` only names the value after it: a variable,
 * label or tuple of them (`x`, `AB`, `x_1`, `f(x)`, `\\theta`, `(h, k)`), or, where `arithmetic`,
 * a computation with no unknown (`48+24 = 72`).
 */
export function namesValue(side: string, arithmetic: boolean): boolean {
  if (NAMES.test(side)) return true;
  return arithmetic && side !== "" && !/[a-zA-Z]/.test(side.replace(/\\[a-zA-Z]+/g, ""));
}

/**
 * The value a prediction's equation ends in, where what comes before only names it, computes it,
 * or is identically equal to it (`(x+1)^2 = x^2+2x+1`); null otherwise.
 */
export function predictedValue(eq: Equation, deadline: Deadline): string | null {
  if (namesValue(eq.beforeLast, true)) return eq.last;
  const a = compileLatex(eq.first);
  const b = compileLatex(eq.last);
  return a && b && exprEqual(a, b, deadline) ? eq.last : null;
}

/**
 * `(h, k) = (2, 3)` → `(2, 3)`: a whole answer whose left side only names it (a reference's
 * arithmetic does not count: `7 = 11a+c` is an equation). Other text is returned as is.
 */
export function namedValue(s: string, arithmetic: boolean): string {
  if (!s.includes("=")) return s;
  const eq = splitEquation(s);
  return eq && eq.last !== "" && namesValue(eq.beforeLast, arithmetic) ? eq.last : s;
}

/**
 * Equations are equal when their sides are (by `sidesEqual`), or when `lhs - rhs` of one is a
 * non-zero multiple of the other's (`2x+4y-3=0` and `y = -\\frac12 x + \\frac34`).
 */
export function equationsEqual(
  a: Equation,
  b: Equation,
  deadline: Deadline,
  sidesEqual: (x: string, y: string, d: Deadline) => boolean,
): boolean {
  const quiet = (x: string, y: string) => x !== "" && y !== "" && sidesEqual(x, y, deadline);
  if (quiet(a.first, b.first) && quiet(a.last, b.last)) return true;
  const da = compileLatex(`${a.first} - (${a.last})`);
  const db = compileLatex(`${b.first} - (${b.last})`);
  if (!da || !db) return false;
  return exprProportional(da, db, deadline);
}
