/** Majority voting over sampled answers (maj@k, self-consistency: Wang et al. 2023). */

/**
 * A canonical form of an extracted answer, so that votes for the same answer written differently
 * are counted together: `\boxed{}`, `$`, `\text{}`, `\left`/`\right` and spaces removed, `\dfrac`
 * and `\tfrac` as `\frac`, lower case, a trailing period dropped, and a plain number (thousands
 * separators and a leading + allowed) written as JavaScript prints it.
 *
 * @example normalizeAnswer(" $\\boxed{1,000.0}$. ") // "1000"
 * @example normalizeAnswer("\\dfrac{1}{2}") // "\\frac{1}{2}"
 */
export function normalizeAnswer(answer: string): string {
  let s = answer.replace(/\$/g, "").trim().replace(/\.$/, "").trim();
  const boxed = /^\\boxed\s*\{(.*)\}$/s.exec(s);
  if (boxed) s = boxed[1] ?? s;
  s = s
    .replace(/\\text\s*\{([^{}]*)\}/g, "$1")
    .replace(/\\[dt]frac/g, "\\frac")
    .replace(/\\left|\\right|\\!|\\,/g, "")
    .replace(/\s+/g, "")
    .toLowerCase()
    .replace(/\.$/, "");
  const plain = s.replace(/^\+/, "");
  if (/^-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?$|^-?\.\d+$/.test(plain)) {
    const value = Number(plain.replace(/,/g, ""));
    if (Number.isFinite(value)) return String(value);
  }
  return s;
}

export interface Vote {
  extracted_answer: string | null;
  correct: boolean;
  sample_index: number;
}

export interface MajorityResult {
  /** The normalised winning answer; null when no sample had an answer. */
  answer: string | null;
  votes: number;
  correct: boolean;
}

/** Votes per normalised answer: count, lowest sample index, and that sample's verdict. */
export type VoteTally = Map<string, { votes: number; first: number; correct: boolean }>;

/** Adds one sample's vote to `tally` (a sample without an answer does not vote). */
export function addVote(tally: VoteTally, s: Vote): void {
  if (s.extracted_answer === null) return;
  const key = normalizeAnswer(s.extracted_answer);
  const t = tally.get(key);
  if (!t) tally.set(key, { votes: 1, first: s.sample_index, correct: s.correct });
  else {
    t.votes++;
    if (s.sample_index < t.first) {
      t.first = s.sample_index;
      t.correct = s.correct;
    }
  }
}

/**
 * The most frequent normalised answer of a tally. A tie goes to the answer whose first sample has
 * the lowest `sample_index`; the winner is correct when that first sample was verified correct.
 */
export function majorityOf(tally: VoteTally): MajorityResult {
  let best: MajorityResult = { answer: null, votes: 0, correct: false };
  let bestFirst = Number.POSITIVE_INFINITY;
  for (const [answer, t] of tally) {
    if (t.votes > best.votes || (t.votes === best.votes && t.first < bestFirst)) {
      best = { answer, votes: t.votes, correct: t.correct };
      bestFirst = t.first;
    }
  }
  return best;
}

/**
 * maj@k of one problem's samples: `majorityOf` their tally.
 *
 * @example majorityVote([{ extracted_answer: "2", correct: false, sample_index: 0 },
 *   { extracted_answer: "3", correct: true, sample_index: 1 }]) // { answer: "2", votes: 1, correct: false }
 */
export function majorityVote(samples: Iterable<Vote>): MajorityResult {
  const tally: VoteTally = new Map();
  for (const s of samples) addVote(tally, s);
  return majorityOf(tally);
}
