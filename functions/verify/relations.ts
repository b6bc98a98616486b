/**
 * Relations and set notations as intervals: one-variable inequalities (`x \ge 2`, `1 < x \le 3`,
 * `x \neq 2`), their negated forms (`\nless`, `\not\le`), `\mathbb{R}`, `\mathbb{R} \setminus \{a\}`
 * and the empty set, so that each compares with the interval or union it stands for.
 */
import { constantValue } from "./expr-compare.ts";

const NUM = "(.+?)";
const REL = String.raw`(<|>|\\le(?:q)?|\\ge(?:q)?|\\lt|\\gt|\\neq)`;
const ONE_SIDED = new RegExp(String.raw`^[a-zA-Z]\s*${REL}\s*${NUM}$`);
const ONE_SIDED_FLIPPED = new RegExp(String.raw`^${NUM}\s*${REL}\s*[a-zA-Z]$`);
const TWO_SIDED = new RegExp(String.raw`^${NUM}\s*${REL}\s*[a-zA-Z]\s*${REL}\s*${NUM}$`);
const REALS = /^\\mathbb\s*\{?R\}?$|^(?:all|any|every) real(?: numbers?|s)?$|^\\R$/;
const SET_BUILDER = /^\\\{\s*[a-zA-Z]\s*(?:\\in\s*\\mathbb\s*\{?R\}?\s*)?(?:\\mid|\||:)\s*(.+)\\\}$/;
const REALS_MINUS =
  /^(?:\\mathbb\s*\{?R\}?|\\R)\s*(?:\\setminus|\\backslash|-|\\smallsetminus)\s*\\\{(.+)\\\}$/;

/**
 * Negated relations as the relation they mean: `\not<` and `\nless` are `\ge`, `\not\le` and
 * `\nleq` are `>`, `\not=` is `\neq`. Run before `\le`/`\ne` are normalised.
 *
 * @example negatedRelations("x \\nless 2") // "x \\ge 2"
 */
export function negatedRelations(s: string): string {
  if (!/\\n|\\not|[≮≯≰≱]/.test(s)) return s;
  return s
    .replace(/\\not\s*=|\\not\s*\\eq(?![a-zA-Z])/g, "\\neq ")
    .replace(/\\nless(?![a-zA-Z])|\\not\s*<|\\not\s*\\lt(?![a-zA-Z])|≮/g, "\\ge ")
    .replace(/\\ngtr(?![a-zA-Z])|\\not\s*>|\\not\s*\\gt(?![a-zA-Z])|≯/g, "\\le ")
    .replace(/\\nleq(?:slant)?(?![a-zA-Z])|\\not\s*\\le(?:q|qslant)?(?![a-zA-Z])|≰/g, ">")
    .replace(/\\ngeq(?:slant)?(?![a-zA-Z])|\\not\s*\\ge(?:q|qslant)?(?![a-zA-Z])|≱/g, "<");
}

/**
 * Set notations as intervals (normalised relations: `\le`, `\ge`, `\neq`).
 *
 * @example setNotation("x \\ge 2") // "[2,\\infty)"
 * @example setNotation("x \\neq 2") // "(-\\infty,2)\\cup(2,\\infty)"
 * @example setNotation("\\mathbb{R} \\setminus \\{3\\}") // "(-\\infty,3)\\cup(3,\\infty)"
 */
export function setNotation(s: string): string {
  if (s.length > 200) return s; // the lazy patterns below are quadratic
  if (REALS.test(s)) return "(-\\infty,\\infty)";
  if (/^\\(?:emptyset|varnothing)$|^\\\{\s*\\\}$/.test(s)) return "\\{\\}";
  // Set-builder notation: `\{x \mid x > 2\}`, `\{x \in \mathbb{R} : x \ne 0\}`.
  const builder = SET_BUILDER.exec(s);
  if (builder) {
    const inner = setNotation((builder[1] ?? "").trim());
    return inner !== (builder[1] ?? "").trim() ? inner : s;
  }
  const minus = REALS_MINUS.exec(s);
  if (minus) return allBut((minus[1] ?? "").split(",").map((p) => p.trim())) ?? s;
  const alternatives = s.split(/\s+or\s+|\\lor\b|\\vee\b/);
  if (alternatives.length > 1) {
    const parts = alternatives.map((a) => setNotation(a.trim()));
    return parts.every((p, k) => p !== alternatives[k]?.trim()) ? parts.join("\\cup") : s;
  }
  const two = TWO_SIDED.exec(s);
  if (two) return betweenTwo(two[1]?.trim() ?? "", two[2] ?? "", two[3] ?? "", two[4]?.trim() ?? "") ?? s;
  const one = ONE_SIDED.exec(s);
  const flipped = one ? null : ONE_SIDED_FLIPPED.exec(s);
  if (!one && !flipped) return s;
  // `5 \ge x` is `x \le 5`.
  const [rel, v] = one
    ? [one[1] ?? "", (one[2] ?? "").trim()]
    : [FLIP[flipped?.[2] ?? ""] ?? "", (flipped?.[1] ?? "").trim()];
  if (rel === "\\neq") return allBut([v]) ?? s;
  const b = isStrict(rel) ? ["(", ")"] : ["[", "]"];
  return isLess(rel) ? `(-\\infty,${v}${b[1]}` : `${b[0]}${v},\\infty)`;
}

/**
 * `lo < x \le hi` (or `hi > x \ge lo`) as an interval. Bounds whose values are known and out of
 * order give the empty set: `3 < x < 1` holds for no x, and is not the pair (3, 1).
 */
function betweenTwo(first: string, rel1: string, rel2: string, last: string): string | null {
  const less = isLess(rel1) && isLess(rel2);
  if (!less && !(isGreater(rel1) && isGreater(rel2))) return null;
  const [lo, hi, openLo, openHi] = less
    ? [first, last, isStrict(rel1), isStrict(rel2)]
    : [last, first, isStrict(rel2), isStrict(rel1)];
  const a = constantValue(lo);
  const b = constantValue(hi);
  if (a !== null && b !== null && (a > b || (a === b && (openLo || openHi)))) return "\\{\\}";
  if (a !== null && a === b) return `\\{${lo}\\}`;
  return `${openLo ? "(" : "["}${lo},${hi}${openHi ? ")" : "]"}`;
}

/**
 * The reals but the given points, as a union of open intervals; null when the points' values
 * are not all known (their order is needed).
 */
function allBut(points: string[]): string | null {
  const valued = points.map((p) => ({ p, v: constantValue(p) }));
  if (points.length > 1 && valued.some((x) => x.v === null)) return null;
  valued.sort((x, y) => (x.v ?? 0) - (y.v ?? 0));
  const cuts = ["-\\infty", ...valued.map((x) => x.p), "\\infty"];
  return cuts
    .slice(1)
    .map((c, k) => `(${cuts[k]},${c})`)
    .join("\\cup");
}

const FLIP: Readonly<Record<string, string>> = {
  "<": ">",
  ">": "<",
  "\\le": "\\ge",
  "\\leq": "\\geq",
  "\\ge": "\\le",
  "\\geq": "\\leq",
  "\\lt": "\\gt",
  "\\gt": "\\lt",
  "\\neq": "\\neq",
};

function isLess(rel: string): boolean {
  return rel === "<" || rel.startsWith("\\le") || rel === "\\lt";
}

function isGreater(rel: string): boolean {
  return rel === ">" || rel.startsWith("\\ge") || rel === "\\gt";
}

function isStrict(rel: string): boolean {
  return rel === "<" || rel === ">" || rel === "\\lt" || rel === "\\gt";
}
