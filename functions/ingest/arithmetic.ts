/**
 * The built-in synthetic arithmetic curriculum: short integer expressions whose difficulty grows
 * with the number of digits and operands, each with a worked `<think>` path of one line per
 * operation. Exactly verifiable, so rewards need no model; deterministic for a seed.
 */
import { problems } from "../../schemas/tables/problems.ts";
import { mulberry32, randInt } from "../sampling/prng.ts";
import { evaluateWithSteps, parseExpr } from "./arithmetic-expr.ts";
import { type ProblemRow, reasoningText } from "./row.ts";

/**
 * Templates per level; `a` is a 1-digit number (1–9), `d` a divisor (2–9), `b` 2-digit (10–99),
 * `c` 2- or 3-digit (10–999), each drawn independently. Every intermediate result must be a non-negative integer.
 */
export const ARITHMETIC_TEMPLATES: Readonly<Record<1 | 2 | 3 | 4 | 5, readonly string[]>> = {
  1: ["a + a"], // L1: one addition of single digits
  2: ["b + b", "b - b"], // L2: two-digit addition or subtraction
  3: ["b + a * a", "a * a + b", "b - a * a", "a * a - a"], // L3: three operands with ×
  4: ["(c + c) * a", "(c - b) * a", "a * (c + b)", "c - (b - a)"], // L4: 2–3 digits, parentheses
  5: ["b * a / d + b", "(b + b) / d - a", "c / d + b * a", "(c - b) / d * a", "b + c / d - a"], // L5: ÷ exact
};

const MAX_TRIES = 10_000;

/** An integer in [lo, hi], inclusive. */
function randBetween(rand: () => number, lo: number, hi: number): number {
  return lo + randInt(rand, hi - lo + 1);
}

const RANGES: Record<string, [number, number]> = { a: [1, 9], d: [2, 9], b: [10, 99], c: [10, 999] };

/** One problem of `level`: the expression, its integer value and the worked steps. */
export function arithmeticProblem(
  level: 1 | 2 | 3 | 4 | 5,
  rand: () => number,
): { expression: string; value: number; steps: string[] } {
  const templates = ARITHMETIC_TEMPLATES[level];
  for (let t = 0; t < MAX_TRIES; t++) {
    const template = templates[randInt(rand, templates.length)]!;
    const expression = template.replace(/[abcd]/g, (k) => String(randBetween(rand, ...RANGES[k]!)));
    const { value, steps, values } = evaluateWithSteps(parseExpr(expression)!);
    // Redraw rather than round, so every answer and every written step is exact.
    if (values.every((v) => Number.isInteger(v) && v >= 0)) return { expression, value, steps };
  }
  throw new Error(`arithmetic level ${level}: no exact problem found in ${MAX_TRIES} draws`);
}

/**
 * `count` rows, levels cycling 1–5 (balanced), ids `arithmetic/<split>/<n>`.
 *
 * @example [...generateArithmetic({ count: 1, seed: 7 })][0].question // e.g. "Compute 3 + 5."
 */
export function* generateArithmetic(opts: {
  count: number;
  seed: number;
  split?: string;
}): Generator<ProblemRow> {
  const rand = mulberry32(opts.seed);
  const split = opts.split ?? "train";
  for (let n = 0; n < opts.count; n++) {
    const level = ((n % 5) + 1) as 1 | 2 | 3 | 4 | 5;
    const { expression, value, steps } = arithmeticProblem(level, rand);
    const answer = String(value);
    yield problems.row.parse({
      id: `arithmetic/${split}/${n}`,
      source: "arithmetic",
      split,
      question: `Compute ${expression}.`,
      answer,
      answer_type: "numeric",
      choices: [],
      level,
      reasoning: reasoningText(steps.join("\n"), answer),
      subject: null,
    });
  }
}
