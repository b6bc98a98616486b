/**
 * The shape of a normalised MATH answer: one expression, an ordered group (tuple, point,
 * interval — bracket types kept), an unordered group (set, answer list, `\pm` pair, union of
 * intervals) or a matrix.
 */
import { splitTopLevel, wrapsWhole } from "./braces.ts";

export type Answer =
  | { kind: "scalar"; text: string }
  | { kind: "ordered"; open: string; close: string; items: Answer[] }
  | { kind: "unordered"; items: Answer[] }
  | { kind: "matrix"; rows: Answer[][] };

const MATRIX = /^\\begin\{([pbB]?matrix|smallmatrix|array)\}(?:\{[^{}]*\})?(.*)\\end\{\1\}$/s;
/** `vmatrix` is a determinant: a number, not a matrix. */
const DETERMINANT = /^\\begin\{(vmatrix|Vmatrix)\}(.*)\\end\{\1\}$/s;
/** Nesting guard: answers deeper than this are compared as text. */
const MAX_DEPTH = 8;

/**
 * Parses a normalised answer into its shape.
 *
 * @example parseAnswer("[1,2)") // { kind: "ordered", open: "[", close: ")", items: [1, 2] }
 * @example parseAnswer("\\{2,1\\}") // { kind: "unordered", items: [2, 1] }
 * @example parseAnswer("1 \\pm \\sqrt{19}") // unordered: 1+\sqrt{19}, 1-\sqrt{19}
 */
export function parseAnswer(s: string, depth = 0): Answer {
  const t = s.trim();
  if (depth > MAX_DEPTH) return { kind: "scalar", text: t };
  const matrix = MATRIX.exec(t);
  if (matrix) {
    const rows = cells(matrix[2] ?? "").map((r) => r.map((cell) => parseAnswer(cell, depth + 1)));
    return { kind: "matrix", rows };
  }
  const det = DETERMINANT.exec(t);
  if (det) return { kind: "scalar", text: determinant(cells(det[2] ?? "")) ?? t };
  const union = splitTopLevel(t, "\\cup");
  if (union.length > 1) {
    const parts = union.map((u) => u.trim());
    // A union of finite sets is one set: `\{1,3\} \cup \{2,4\}` is `\{1,2,3,4\}`.
    if (parts.every((u) => u.startsWith("\\{") && u.endsWith("\\}")))
      return parseAnswer(`\\{${parts.map((u) => u.slice(2, -2)).join(",")}\\}`, depth + 1);
    return { kind: "unordered", items: parts.map((u) => parseAnswer(u, depth + 1)) };
  }
  if (t.startsWith("\\{") && t.endsWith("\\}")) {
    const items = listItems(t.slice(2, -2), depth);
    // A set has each element once: `\{1,2\} \cup \{2,3\}` has three.
    const seen = new Set<string>();
    const unique = items.filter((x) => {
      const key = x.kind === "scalar" ? x.text.replace(/\s+/g, "") : JSON.stringify(x);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
    return { kind: "unordered", items: unique };
  }
  if (wrapsWhole(t)) {
    const inner = t.slice(1, -1);
    const parts = splitTopLevel(inner, ",");
    if (parts.length > 1) {
      const items = parts.map((p) => parseAnswer(p, depth + 1));
      return { kind: "ordered", open: t[0] ?? "", close: t[t.length - 1] ?? "", items };
    }
  }
  const parts = splitTopLevel(t, ",").filter((p) => p.trim() !== "");
  if (parts.length > 1) return { kind: "unordered", items: listItems(t, depth) };
  const pm = expandPm(t);
  if (pm.length > 1) return { kind: "unordered", items: pm.map((x) => ({ kind: "scalar", text: x })) };
  return { kind: "scalar", text: t };
}

/** The cells of a matrix body (`1 & 2 \\\\ 3 & 4`), row by row; an empty last row is dropped. */
function cells(body: string): string[][] {
  return body
    .split(/\\\\/)
    .map((r) => r.trim())
    .filter((r) => r !== "")
    .map((r) => r.split("&").map((c) => c.trim()));
}

/**
 * A 1×1, 2×2 or 3×3 determinant as a LaTeX expression (cofactor expansion); null otherwise.
 *
 * @example determinant([["1", "2"], ["3", "4"]]) // "(1)\\cdot(4)-(2)\\cdot(3)"
 */
export function determinant(m: string[][]): string | null {
  const n = m.length;
  if (n < 1 || n > 3 || m.some((r) => r.length !== n)) return null;
  const at = (r: number, c: number) => `(${m[r]?.[c] ?? ""})`;
  if (n === 1) return at(0, 0);
  if (n === 2) return `${at(0, 0)}\\cdot${at(1, 1)}-${at(0, 1)}\\cdot${at(1, 0)}`;
  const minor = (c: number) => {
    const [x, y] = [0, 1, 2].filter((k) => k !== c) as [number, number];
    return `(${at(1, x)}\\cdot${at(2, y)}-${at(1, y)}\\cdot${at(2, x)})`;
  };
  return `${at(0, 0)}\\cdot${minor(0)}-${at(0, 1)}\\cdot${minor(1)}+${at(0, 2)}\\cdot${minor(2)}`;
}

/** Items of a comma list, each `\pm` expanded into its two values. */
function listItems(s: string, depth: number): Answer[] {
  return splitTopLevel(s, ",")
    .filter((p) => p.trim() !== "")
    .flatMap((p) => {
      const pm = expandPm(p.trim());
      return pm.length > 1
        ? pm.map((x): Answer => ({ kind: "scalar", text: x }))
        : [parseAnswer(p, depth + 1)];
    });
}

/**
 * `a \pm b` → [`a + b`, `a - b`] (each top-level `\pm`/`\mp` doubles the list).
 *
 * @example expandPm("3 \\pm 2 \\sqrt{2}") // ["3 + 2 \\sqrt{2}", "3 - 2 \\sqrt{2}"]
 */
export function expandPm(s: string): string[] {
  const m = /\\(pm|mp)(?![a-zA-Z])/.exec(s);
  if (!m) return [s];
  const head = s.slice(0, m.index);
  const tail = s.slice(m.index + m[0].length);
  const [first, second] = m[1] === "pm" ? ["+", "-"] : ["-", "+"];
  // No parentheses: the sign binds to the next term, which also keeps `\frac{1 \pm \sqrt5}{2}` whole.
  const wrap = (sign: string) =>
    head.trim() === "" ? `${sign === "-" ? "-" : ""}${tail}` : `${head} ${sign} ${tail}`;
  return [...expandPm(wrap(first)), ...expandPm(wrap(second))];
}
