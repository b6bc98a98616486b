/**
 * Brace-aware scanning helpers for LaTeX answers: matching `{}`, reading a command argument,
 * finding the last `\boxed{…}`, and splitting on top-level separators.
 */

/**
 * Index of the `}` closing the `{` at `open`, or -1 when unbalanced. Escaped `\{` `\}` are skipped.
 *
 * @example matchBrace("a{b{c}}d", 1) // 6
 */
export function matchBrace(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 92 /* \ */) {
      i++;
      continue;
    }
    if (c === 123 /* { */) depth++;
    else if (c === 125 /* } */) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/**
 * Reads one LaTeX argument at `i` (after spaces): a braced group, a command like `\pi`, or one
 * character — so `\frac12`, `\frac 34` and `\sqrt2` read like their braced forms.
 * Returns the argument text (without braces) and the index after it, or null at the end.
 *
 * @example readArg("\\frac12", 5) // { arg: "1", end: 6 }
 */
export function readArg(s: string, i: number): { arg: string; end: number } | null {
  let j = i;
  while (j < s.length && s[j] === " ") j++;
  if (j >= s.length) return null;
  const c = s[j];
  if (c === "{") {
    const close = matchBrace(s, j);
    if (close < 0) return null;
    return { arg: s.slice(j + 1, close), end: close + 1 };
  }
  if (c === "\\") {
    const m = /^\\(?:[a-zA-Z]+|.)/.exec(s.slice(j, j + 40));
    if (!m) return null;
    return { arg: m[0], end: j + m[0].length };
  }
  if (c === "}") return null;
  return { arg: c ?? "", end: j + 1 };
}

/**
 * Content of the last `\boxed{…}` or `\fbox{…}` (nested braces kept), also the `\boxed 5` form;
 * null when there is none.
 *
 * @example lastBoxed("so $\\boxed{\\frac{1}{\\sqrt{2}}}$.") // "\\frac{1}{\\sqrt{2}}"
 */
export function lastBoxed(s: string): string | null {
  const b = s.lastIndexOf("\\boxed");
  const f = s.lastIndexOf("\\fbox");
  const at = Math.max(b, f);
  if (at < 0) return null;
  let i = at + (at === b ? 6 : 5);
  if (s[i] === " " && s[i + 1] !== "{") {
    // `\boxed 5`: the answer runs to the next `$` or whitespace.
    const m = /^ +([^\s$]+)/.exec(s.slice(i, i + 200));
    return m?.[1] ?? null;
  }
  while (s[i] === " ") i++;
  if (s[i] !== "{") return null;
  const close = matchBrace(s, i);
  if (close < 0) return null;
  return s.slice(i + 1, close);
}

const OPENERS = "([{";
const CLOSERS = ")]}";

/**
 * Splits `s` on `sep` where it is not nested in any bracket (`\{`/`\}` count as brackets too);
 * brackets of different types may pair, as in the interval `[1,2)`.
 *
 * @example splitTopLevel("(1,2),3", ",") // ["(1,2)", "3"]
 */
export function splitTopLevel(s: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? "";
    if (c === "\\" && (s[i + 1] === "{" || s[i + 1] === "}")) {
      depth += s[i + 1] === "{" ? 1 : -1;
      i++;
      continue;
    }
    if (OPENERS.includes(c)) depth++;
    else if (CLOSERS.includes(c)) depth--;
    else if (depth === 0 && s.startsWith(sep, i)) {
      parts.push(s.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/**
 * Whether the bracket at 0 closes exactly at the end of `s` (any bracket types), so that
 * `(1,2)` is one group but `(a+5)(b+2)` is not.
 *
 * @example wrapsWhole("[1,2)") // true
 */
export function wrapsWhole(s: string): boolean {
  if (s.length < 2 || !OPENERS.includes(s[0] ?? "") || !CLOSERS.includes(s[s.length - 1] ?? "")) return false;
  let depth = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i] ?? "";
    if (OPENERS.includes(c)) depth++;
    else if (CLOSERS.includes(c)) {
      depth--;
      if (depth === 0 && i < s.length - 1) return false;
    }
  }
  return depth === 0;
}
