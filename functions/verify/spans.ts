/**
 * Locating answers in model output text: every top-level `\boxed{}` / `\fbox{}`, the last math
 * span (`$…$`, `$$…$$`, `\(…\)`, `\[…\]`), chat-template tokens and the text around them.
 */
import { matchBrace } from "./braces.ts";

/** One box: its content and where it starts and ends in the text. */
export interface Box {
  content: string;
  start: number;
  end: number;
}

/** Chat-template and end-of-text tokens models leave at the end (`<|im_end|>`, `</s>`, …). */
const TEMPLATE_TOKEN = /<\|[^|<>\n]{1,40}\|>|<｜[^｜\n]{1,40}｜>|<\/s>|<\/?eos>|\[\/?INST\]|<end_of_turn>/g;

/** Text with chat-template tokens replaced by a line break (they end what came before). */
export function dropTemplateTokens(s: string): string {
  const maybe =
    s.includes("<|") || s.includes("</") || s.includes("<｜") || s.includes("INST]") || s.includes("<e");
  return maybe ? s.replace(TEMPLATE_TOKEN, "\n") : s;
}

/**
 * Every top-level `\boxed{…}` / `\fbox{…}` (and `\boxed 5`), in order; boxes nested in a box are
 * part of the outer one's content.
 *
 * @example allBoxes("$\\boxed{1}, \\boxed{2}$").map((b) => b.content) // ["1", "2"]
 */
export function allBoxes(s: string): Box[] {
  const out: Box[] = [];
  if (!s.includes("\\boxed") && !s.includes("\\fbox")) return out;
  const re = /\\(?:boxed|fbox)(?![a-zA-Z])/g;
  for (let m = re.exec(s); m !== null; m = re.exec(s)) {
    let i = m.index + m[0].length;
    if (s[i] === " " && s[i + 1] !== "{") {
      // `\boxed 5<|im_end|>`: the answer stops at a template token too.
      const bare = /^ +((?:(?!<\||<\/|<｜)[^\s$])+)/.exec(s.slice(i, i + 200));
      if (bare?.[1]) {
        out.push({ content: bare[1], start: m.index, end: i + bare[0].length });
        re.lastIndex = i + bare[0].length;
      }
      continue;
    }
    while (s[i] === " ") i++;
    if (s[i] !== "{") continue;
    const close = matchBrace(s, i);
    if (close < 0) continue;
    out.push({ content: s.slice(i + 1, close), start: m.index, end: close + 1 });
    re.lastIndex = close + 1;
  }
  return out;
}

/**
 * What may join the boxes of one collection: commas, `and`/`or`, `\quad`, `\text{and}`, `$`, and
 * the label of the next box (`$x = \boxed{1}$ and $x = \boxed{2}$`).
 */
const JOINER =
  /^(?:\s|\$|,|;|&|\\[,;:! ]|\\q?quad|\\text\s*\{\s*(?:and|or|,)?\s*\}|\\(?:text|mbox)\s*\{\s*(?:and|or)\s*\}|and|or|\\\\|[a-zA-Z](?:_\{?\w+\}?)?\s*=)*$/;

/**
 * The last box and the boxes right before it that are joined to it only by separators
 * (`\boxed{1}, \boxed{2}`, `\boxed{(1,2)}\quad\text{and}\quad\boxed{(3,4)}`): one collection.
 * A box followed by prose ("first \boxed{1}, then \boxed{2}") starts a new answer.
 */
export function lastBoxGroup(s: string): Box[] {
  const boxes = allBoxes(s);
  if (boxes.length === 0) return [];
  let k = boxes.length - 1;
  while (k > 0) {
    const prev = boxes[k - 1] as Box;
    const gap = s.slice(prev.end, (boxes[k] as Box).start);
    if (gap.length > 60 || !JOINER.test(gap)) break;
    k--;
  }
  return boxes.slice(k);
}

/** Where a `$` at `i` is a delimiter: not `\$`. */
function isDollar(s: string, i: number): boolean {
  return s[i] === "$" && s[i - 1] !== "\\";
}

/** A math span's content and the index just after its closing delimiter. */
export interface Span {
  content: string;
  start: number;
  end: number;
}

/**
 * The last math span and the spans right before it joined only by separators (`$x<0$ or $x>2$`,
 * `$3$ and $5$`), as one answer: joined by " or " where the text says "or", else by ", ".
 */
export function lastSpanGroup(s: string): Span | null {
  const spans = mathSpans(s);
  let k = spans.length - 1;
  if (k < 0) return null;
  let or = false;
  while (k > 0) {
    const gap = s.slice((spans[k - 1] as Span).end, (spans[k] as Span).start);
    if (gap.length > 30 || !JOINER.test(gap) || gap.trim() === "") break;
    or ||= /\bor\b/.test(gap);
    k--;
  }
  const group = spans.slice(k);
  const last = spans[spans.length - 1] as Span;
  if (group.length === 1) return last;
  const content = group.map((g) => g.content.trim()).join(or ? " or " : ", ");
  return { content, start: (group[0] as Span).start, end: last.end };
}

/**
 * All complete math spans, in order. `\$` (a currency sign) is not a delimiter, and an inline span
 * (`$…$`, `\(…\)`) does not cross a line break.
 */
export function mathSpans(s: string): Span[] {
  const out: Span[] = [];
  let i = 0;
  while (i < s.length) {
    const c = s[i];
    if (c === "\\" && (s[i + 1] === "(" || s[i + 1] === "[")) {
      const inline = s[i + 1] === "(";
      const close = s.indexOf(inline ? "\\)" : "\\]", i + 2);
      if (close < 0) return out;
      const content = s.slice(i + 2, close);
      if (!inline || !content.includes("\n")) out.push({ content, start: i, end: close + 2 });
      i = close + 2;
    } else if (c === "\\") {
      i += 2;
    } else if (isDollar(s, i)) {
      const display = s[i + 1] === "$";
      const from = i + (display ? 2 : 1);
      let j = from;
      while (j < s.length && !(isDollar(s, j) && (!display || s[j + 1] === "$"))) j += s[j] === "\\" ? 2 : 1;
      if (j >= s.length) return out;
      const content = s.slice(from, j);
      const start = i;
      i = j + (display ? 2 : 1);
      if (!display && content.includes("\n")) {
        i = j; // an unmatched `$` before a line break: the closing one may open the next span
        continue;
      }
      out.push({ content, start, end: i });
    } else i++;
  }
  return out;
}

/** Whether math-span content reads as prose (currency `$5 and $` pairs up): a word outside commands. */
export function isProse(s: string): boolean {
  const bare = s.replace(/\\[a-zA-Z]+\s*(?:\{[^{}]*\})?/g, " ");
  return /(?<![a-zA-Z])[a-zA-Z]{3,}(?![a-zA-Z])/.test(bare);
}
