/**
 * Generated verifier pairs for the oracle test and the benchmark: the reference answers of
 * MATH-500, MATH train and GSM8K, rewritten in one notation (or perturbed), wrapped in a typical
 * model output. Seeded, so every run sees the same pairs. Our own cases, built from the data sets.
 */
import { splitTopLevel } from "../../../functions/verify/braces.ts";
import { type Gsm8kRow, gsm8kGold, type Math500Row, readShared } from "../data.ts";
import { NOTATIONS, PERTURBATIONS, type Rewrite } from "./notations.ts";

/** One pair; `cls` is `source/rewrite/wrapper`, `expected` the verdict by construction. */
export interface Pair {
  gold: string;
  pred: string;
  cls: string;
  expected: boolean;
}

type Wrap = (p: string, pick: () => number) => string | null;

const CHATTER = [
  "\n\nI hope this helps!",
  " Let me know if you have any other questions.",
  "<|im_end|>",
  "</s>",
  "<|eot_id|>",
  "\n\nIs there anything else?",
];

function choose<T>(xs: readonly T[], pick: () => number): T {
  return xs[Math.floor(pick() * xs.length)] as T;
}

/** Typical model outputs around an answer `p` (LaTeX without delimiters). */
const WRAPPERS: Record<string, Wrap> = {
  boxed: (p, pick) => `${choose(["So", "Therefore", "Thus"], pick)} the final answer is $\\boxed{${p}}$.`,
  "think-boxed": (p) =>
    `<think>\nTry 17 first: that fails. The result must be ${p}.\n</think>\n\n$\\boxed{${p}}$`,
  fbox: (p) => `The result is $\\fbox{${p}}$.`,
  "several-boxes": (p) => {
    const items = /\\[!,]|\{,\}/.test(p) ? [] : splitTopLevel(p, ",").map((s) => s.trim());
    if (items.length < 2 || items.some((s) => s === "" || /[;=]/.test(s))) return null;
    const joint = /^\(.*\)$/.test(items[0] ?? "") ? "\\quad\\text{and}\\quad" : ", ";
    return `The solutions are $${items.map((s) => `\\boxed{${s}}`).join(joint)}$.`;
  },
  "math-span-end": (p, pick) =>
    choose(
      [`Putting it together we get $${p}$.`, `Hence\n\\[${p}\\]`, `So\n$$${p}$$`, `which gives \\(${p}\\).`],
      pick,
    ),
  "final-answer-chatter": (p, pick) =>
    `${choose(["Final answer: ", "Answer: ", "The answer is ", "**Final Answer** The final answer is "], pick)}$${p}$${choose(CHATTER, pick)}`,
  bare: (p) => p,
};

/**
 * How often each wrapper is drawn: mostly boxed answers (what prompts ask for), then answer
 * phrases and math spans; bare strings and several boxes less often.
 */
const WRAPPER_MIX = [
  ...Array<string>(3).fill("boxed"),
  ...Array<string>(2).fill("think-boxed"),
  "fbox",
  "several-boxes",
  ...Array<string>(2).fill("math-span-end"),
  ...Array<string>(2).fill("final-answer-chatter"),
  "bare",
];

interface Source {
  name: string;
  gold: string;
  /** A worked solution whose last box is the gold, when the source has one. */
  solution?: string;
}

function sources(): Source[] {
  const math = (name: string, rel: string) =>
    readShared<Math500Row>(rel).map((r): Source => ({ name, gold: r.answer.trim(), solution: r.solution }));
  const gsm = (rel: string) =>
    readShared<Gsm8kRow>(rel).map((r): Source => ({ name: "gsm8k", gold: gsm8kGold(r.answer) }));
  return [
    ...math("math500", "math500/test.jsonl"),
    ...math("math-train", "math_train/train.jsonl"),
    ...gsm("gsm8k/test.jsonl"),
    ...gsm("gsm8k/train.jsonl").slice(0, 1500),
  ];
}

/** mulberry32: a small seeded PRNG. */
function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

/** Share of pairs that are perturbed (expected not equivalent). */
const PERTURBED_SHARE = 0.3;
/** Share of MATH pairs whose gold is the worked solution rather than the bare answer. */
const SOLUTION_GOLD_SHARE = 0.1;

/**
 * `n` pairs drawn over every source row in turn (seeded): for each, a rewrite that applies (a
 * notation, or a perturbation for ~30 %) and a wrapper that applies.
 *
 * @example generatePairs(3)[0] // { gold: "2", pred: "So the final answer is $\\boxed{2}$.", cls: "math500/as-is/boxed", expected: true }
 */
export function generatePairs(n: number, seed = 11): Pair[] {
  const pick = rng(seed);
  const rows = sources();
  const out: Pair[] = [];
  for (let k = 0; out.length < n && k < n * 20; k++) {
    const row = rows[Math.floor(pick() * rows.length)] as Source;
    const perturb = pick() < PERTURBED_SHARE;
    const table = perturb ? PERTURBATIONS : NOTATIONS;
    const [name, rewrite] = choose(Object.entries(table) as [string, Rewrite][], pick);
    const answer = rewrite(row.gold, pick);
    if (answer === null || (!perturb && name !== "as-is" && answer === row.gold)) continue;
    const wname = choose(WRAPPER_MIX, pick);
    const wrap = WRAPPERS[wname] as Wrap;
    const pred = wrap(answer, pick);
    if (pred === null) continue;
    const useSolution = row.solution !== undefined && pick() < SOLUTION_GOLD_SHARE;
    out.push({
      gold: useSolution ? (row.solution as string) : row.gold,
      pred,
      cls: `${row.name}${useSolution ? "-solution" : ""}/${name}/${wname}`,
      expected: !perturb,
    });
  }
  return out;
}
