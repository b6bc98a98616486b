/**
 * Rewrites of one reference answer: equivalent notations (each keeps the value) and non-equivalent
 * perturbations (each changes it). Every function returns null where it does not apply, so the
 * generator only emits rewrites that mean what their name says.
 */
import { splitTopLevel, wrapsWhole } from "../../../functions/verify/braces.ts";
import { constantValue } from "../../../functions/verify/expr-compare.ts";

export type Rewrite = (a: string, pick: () => number) => string | null;

const INT = /^-?\d+$/;
const FRAC = /^(-?)\\[dt]?frac\{(\d+)\}\{(\d+)\}$/;

/** Top-level comma items of a bare list (`1, 2`), or null when `a` is not one. */
function listItems(a: string): string[] | null {
  if (/\\!|\{,\}/.test(a) || /^\d{1,3}(,\d{3})+$/.test(a)) return null; // a number with separators
  const items = splitTopLevel(a, ",").map((s) => s.trim());
  return items.length > 1 && items.every((s) => s !== "") ? items : null;
}

/** Items of a parenthesised tuple `(a, b)`, or null. */
function tupleItems(a: string): string[] | null {
  const t = a.replace(/\\left|\\right/g, "").trim();
  if (!t.startsWith("(") || !t.endsWith(")") || !wrapsWhole(t)) return null;
  const items = splitTopLevel(t.slice(1, -1), ",").map((s) => s.trim());
  return items.length > 1 ? items : null;
}

function group(n: number): string[] {
  const d = String(n);
  const out: string[] = [];
  for (let end = d.length; end > 0; end -= 3) out.unshift(d.slice(Math.max(0, end - 3), end));
  return out;
}

/** Equivalent notations, by name. */
export const NOTATIONS: Record<string, Rewrite> = {
  "as-is": (a) => a,
  dfrac: (a) => (a.includes("\\frac") ? a.replace(/\\frac/g, "\\dfrac") : null),
  tfrac: (a) => (a.includes("\\frac") ? a.replace(/\\frac/g, "\\tfrac") : null),
  cfrac: (a) => (FRAC.test(a) ? a.replace(/\\frac/, "\\cfrac") : null),
  "braceless-frac": (a) => {
    // Only a digit may follow `\frac` or `\sqrt` without braces (`\fracab` is a command name).
    const b = a
      .replace(/\\[dt]?frac\{(\d)\}\{(\w)\}/g, "\\frac$1$2")
      .replace(/\\frac\{(\d)\}\{/g, "\\frac$1{");
    return b === a ? null : b;
  },
  "braceless-sqrt": (a) => {
    const b = a.replace(/\\sqrt\{(\d)\}/g, "\\sqrt$1");
    return b === a ? null : b;
  },
  "left-right": (a) =>
    /^[([]/.test(a) && wrapsWhole(a) && !a.includes("\\left")
      ? `\\left${a[0]}${a.slice(1, -1)}\\right${a[a.length - 1]}`
      : null,
  decimal: (a) => {
    const m = FRAC.exec(a);
    if (!m) return null;
    const den = Number(m[3]);
    if (den % 2 && den % 5) return null;
    const v = Number(m[2]) / den;
    const s = String(v);
    return s.length > 10 ? null : `${m[1]}${s}`;
  },
  slash: (a) => {
    const m = FRAC.exec(a);
    return m ? `${m[1]}${m[2]}/${m[3]}` : null;
  },
  "thousands-comma": (a) => (INT.test(a) && Math.abs(Number(a)) >= 1000 ? group(Number(a)).join(",") : null),
  "thousands-brace": (a) => (INT.test(a) && Number(a) >= 1000 ? group(Number(a)).join("{,}") : null),
  "thousands-bang": (a) => (INT.test(a) && Number(a) >= 1000 ? group(Number(a)).join(",\\!") : null),
  "thousands-space": (a, pick) =>
    INT.test(a) && Number(a) >= 1000 ? group(Number(a)).join(pick() < 0.5 ? " " : "\\,") : null,
  "decimal-comma": (a) => (/^-?\d+\.\d{1,2}$/.test(a) ? a.replace(".", "{,}") : null),
  ratio: (a) => {
    const m = /^\\[dt]?frac\{(\d+)\}\{(\d+)\}$/.exec(a);
    return m ? `${m[1]}:${m[2]}` : null;
  },
  equation: (a) => (/[=<>\\]le|[=<>]|\\ge|,|\\begin|\\text/.test(a) ? null : `x = ${a}`),
  "unit-text": (a, pick) =>
    INT.test(a) || FRAC.test(a)
      ? `${a}\\${["text", "textnormal", "mathrm"][Math.floor(pick() * 3)]}{ ${["cm", "units", "meters"][Math.floor(pick() * 3)]}}`
      : null,
  dollar: (a) => (INT.test(a) && !a.startsWith("-") ? `\\$${a}` : null),
  percent: (a) => (INT.test(a) ? `${a}\\%` : null),
  inequality: (a) => {
    const t = a.replace(/\\left|\\right/g, "").replace(/\s+/g, "");
    if (t.includes("\\cup")) return null;
    const m = /^([([])(.+),(.+)([)\]])$/.exec(t);
    if (!m || splitTopLevel(m[2] ?? "", ",").length > 1) return null;
    const [lo, hi] = [m[2] ?? "", m[3] ?? ""];
    const l = m[1] === "(" ? "<" : "\\le";
    const r = m[4] === ")" ? "<" : "\\leq";
    if (lo === "-\\infty" && hi === "\\infty") return null;
    // Only a real interval: `(9, 3)` is a point, and `9 < x < 3` holds for no x.
    const from = lo === "-\\infty" ? -Infinity : constantValue(lo);
    const to = hi === "\\infty" ? Infinity : constantValue(hi);
    if (from === null || to === null || from >= to) return null;
    if (lo === "-\\infty") return `x ${m[4] === ")" ? "<" : "\\le"} ${hi}`;
    if (hi === "\\infty") return `x ${m[1] === "(" ? ">" : "\\geq"} ${lo}`;
    return `${lo} ${l} x ${r} ${hi}`;
  },
  permuted: (a) => {
    const items = listItems(a);
    if (items && !/^[([]/.test(a)) return [...items].reverse().join(", ");
    const set = /^\\\{(.*)\\\}$/.exec(a.trim());
    const inner = set && listItems(set[1] ?? "");
    return inner ? `\\{${[...inner].reverse().join(", ")}\\}` : null;
  },
  semicolon: (a) => (listItems(a) && !/^[([]/.test(a) ? (listItems(a) ?? []).join("; ") : null),
  "complex-swapped": (a) => {
    const m = /^(-?\d+)\s*([+-])\s*(\d*)i$/.exec(a.trim());
    return m ? `${m[2] === "-" ? "-" : ""}${m[3]}i + ${m[1]}` : null;
  },
  labelled: (a) => {
    const items = listItems(a);
    return items && items.length <= 4 && !/[=a-zA-Z]/.test(a)
      ? items.map((s, k) => `${["AB", "CD", "EF", "GH"][k]} = ${s}`).join(", ")
      : null;
  },
};

/** Non-equivalent perturbations, by name. */
export const PERTURBATIONS: Record<string, Rewrite> = {
  "changed-digit": (a, pick) => {
    const at = [...a.matchAll(/\d/g)].map((m) => m.index ?? 0);
    if (at.length === 0) return null;
    const k = at[Math.floor(pick() * at.length)] ?? 0;
    const d = (Number(a[k]) + 1 + Math.floor(pick() * 8)) % 10;
    const b = `${a.slice(0, k)}${d}${a.slice(k + 1)}`;
    // A leading zero or a changed exponent of 1 may keep the value: skip those.
    return /(^|\D)0\d/.test(b) || /\^\{?1\}?/.test(a) ? null : b;
  },
  "sign-flipped": (a) => {
    if (/^0$|^0\.0*$/.test(a) || listItems(a) || /^[([\\]/.test(a) || a.includes("=")) return null;
    return a.startsWith("-") ? a.slice(1) : `-${a}`;
  },
  "tuple-swapped": (a) => {
    const items = tupleItems(a);
    const [first, second, ...rest] = items ?? [];
    if (first === undefined || second === undefined || rest.length > 0 || first === second) return null;
    return `(${second}, ${first})`;
  },
  "missing-element": (a) => {
    const items = listItems(a) ?? tupleItems(a);
    if (!items || new Set(items).size !== items.length) return null;
    const kept = items.slice(0, -1).join(", ");
    return listItems(a) ? kept : `(${kept})`;
  },
};
