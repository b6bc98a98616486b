/**
 * Multiple-choice and label answers: a letter (`B`, `(B)`, `B)`, `b`, `\text{(B)}`) or the
 * option's text, and True/False/Unknown or yes/no labels with their common synonyms.
 */

/** ProofWriter's fixed option order, used when the gold is a letter and no choices are given. */
const DEFAULT_LABELS = ["true", "false", "unknown"];

const SYNONYMS: Readonly<Record<string, string>> = {
  true: "true",
  yes: "true",
  correct: "true",
  right: "true",
  false: "false",
  no: "false",
  incorrect: "false",
  wrong: "false",
  unknown: "unknown",
  uncertain: "unknown",
  undetermined: "unknown",
  "cannot be determined": "unknown",
  "not enough information": "unknown",
};

/**
 * Strips LaTeX and punctuation wrappers: `$\boxed{\text{(B)}}$` → `(B)`.
 *
 * @example cleanChoice("$\\text{(B)}$") // "(B)"
 */
export function cleanChoice(s: string): string {
  let t = s.trim();
  for (let prev = ""; prev !== t; ) {
    prev = t;
    t = t
      .replace(/^\$+|\$+$/g, "")
      .replace(
        /^\\(?:boxed|text|textbf|textsf|textit|emph|mathrm|mathbf|mathsf|mbox|fbox)\s*\{([^{}]*)\}$/,
        "$1",
      )
      .replace(/^\*+|\*+$/g, "")
      .trim();
  }
  return t;
}

/**
 * The option letter `s` names, or null: `B`, `(B)`, `B)`, `B.`, `b`, "Option B", "B) False".
 *
 * @example choiceLetter("(b)") // "B"
 * @example choiceLetter("B) False") // "B"
 */
export function choiceLetter(s: string): string | null {
  const t = cleanChoice(s);
  const m = /^(?:option\s+|choice\s+)?\(?([A-Ja-j])(?:\)|\.|:|\s*$)/i.exec(t);
  if (!m?.[1]) return null;
  // "A dog" is a sentence, not option A: a letter must stand alone or be marked as one.
  const rest = t.slice(m[0].length).trim();
  if (rest !== "" && !/[).:]/.test(m[0])) return null;
  return m[1].toUpperCase();
}

/** Lower-case text with punctuation removed, and label synonyms mapped to true/false/unknown. */
function textKey(s: string): string {
  const t = cleanChoice(s)
    .toLowerCase()
    .replace(/[^a-z0-9 ]/g, " ")
    .replace(/\s+/g, " ")
    .trim();
  return SYNONYMS[t] ?? t;
}

/** Splits `["A) True", …]` or `["True", …]` into letters and texts. */
function options(choices: string[]): { letter: string; text: string }[] {
  return choices.map((c, k) => {
    const m = /^\s*\(?([A-Ja-j])[).:]\s*(.*)$/.exec(c);
    return m
      ? { letter: (m[1] ?? "").toUpperCase(), text: m[2] ?? "" }
      : { letter: String.fromCharCode(65 + k), text: c };
  });
}

/** The letter of an answer: its own letter, or the letter of the option whose text it matches. */
function resolve(s: string, opts: { letter: string; text: string }[]): string | null {
  const key = textKey(s);
  const byText = opts.find((o) => textKey(o.text) === key);
  if (byText && key !== "") return byText.letter;
  const letter = choiceLetter(s);
  if (letter) return letter;
  return null;
}

/**
 * Whether `pred` picks the same option or label as `gold`.
 *
 * @example choiceEqual("\\text{(B)}", "B") // true
 * @example choiceEqual("A", "True", ["A) True", "B) False", "C) Unknown"]) // true
 * @example choiceEqual("yes", "Yes.") // true
 */
export function choiceEqual(gold: string, pred: string, choices?: string[]): boolean {
  // `-A` is an expression, not option A.
  if (/^[+-]/.test(cleanChoice(pred)) !== /^[+-]/.test(cleanChoice(gold))) return false;
  const opts = options(choices && choices.length > 0 ? choices : DEFAULT_LABELS);
  const fromChoices = choices !== undefined && choices.length > 0;
  const g = fromChoices ? resolve(gold, opts) : choiceLetter(gold);
  const p = fromChoices ? resolve(pred, opts) : choiceLetter(pred);
  if (g && p) return g === p;
  const gk = textKey(gold);
  const pk = textKey(pred);
  if (gk !== "" && gk === pk) return true;
  // A letter gold against a label word, with no choices given: ProofWriter's A/B/C order.
  if (!fromChoices && (g || p)) {
    const letter = g ?? p ?? "";
    const word = g ? pk : gk;
    const text = opts.find((o) => o.letter === letter)?.text;
    return text !== undefined && textKey(text) === word;
  }
  return false;
}
