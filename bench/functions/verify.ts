/**
 * Verifier throughput: GSM8K numeric pairs (reference solutions, repeated to ≥ 100,000
 * comparisons), MATH-500 pairs, and generated MATH-style pairs (the oracle test's generator) on
 * which r1flow and HF math-verify (one Python process, when importable from .venv) run the same
 * pairs in the same run: comparisons/s of each, the ratio and their agreement.
 * Run: `npx tsx bench/functions/verify.ts`.
 * Targets: numeric ≥ 200,000 comparisons/s on one core; MATH-style ≥ 20× math-verify at ≥ 97 %
 * agreement.
 */
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { verify } from "../../functions/verify/index.ts";
import { disagreements } from "../../test/verify/oracle/classes.ts";
import { generatePairs } from "../../test/verify/oracle/generate.ts";
import { peerAvailable, peerVerdicts } from "../../test/verify/oracle/peer.ts";

type Pair = [gold: string, pred: string];

const DATA = new URL("../../../shared/data/", import.meta.url);
const MIN_NUMERIC = 100_000;

function readJsonl<T>(rel: string): T[] {
  return readFileSync(new URL(rel, DATA), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "")
    .map((l) => JSON.parse(l) as T);
}

function gsm8kPairs(): Pair[] {
  return readJsonl<{ answer: string }>("gsm8k/test.jsonl").map((r) => [
    (r.answer.split("####").pop() ?? "").trim().replace(/,/g, ""),
    r.answer,
  ]);
}

/**
 * Equivalent but differently written expressions, all distinct (so the parse cache never hits):
 * these go through the LaTeX → mathjs conversion and numeric evaluation, not the string fast path.
 */
function symbolicPairs(n: number): Pair[] {
  const pairs: Pair[] = [];
  for (let k = 0; k < n; k++) {
    const a = (k % 97) + 1;
    const b = (k % 13) + 2;
    const c = k + 3;
    const forms: Pair[] = [
      [`\\frac{${a}}{${b}}x^2+${c}x`, `${c}x+\\dfrac{${a}x^{2}}{${b}}`],
      [`(x+${c})^2`, `x^2+${2 * c}x+${c * c}`],
      [`${c}\\sqrt{${a * a * 2}}`, `${c * a}\\sqrt2`],
      [`\\left(${c}, \\frac{\\pi}{${b}}\\right)`, `(${c},\\pi/${b})`],
    ];
    const [gold, pred] = forms[k % forms.length] as Pair;
    pairs.push([gold, `The answer is $\\boxed{${pred}}$.`]);
  }
  return pairs;
}

function math500Pairs(): { boxed: Pair[]; solution: Pair[] } {
  const rows = readJsonl<{ answer: string; solution: string }>("math500/test.jsonl");
  return {
    boxed: rows.map((r) => [r.answer, `So the final answer is $\\boxed{${r.answer}}$.`]),
    solution: rows.map((r) => [r.answer, r.solution]),
  };
}

/** Comparisons per second over `pairs`, repeated until at least `min` comparisons ran. */
function rate(pairs: Pair[], min: number): { perSec: number; correct: number } {
  for (const [g, p] of pairs.slice(0, 200)) verify(g, p); // warm-up: JIT and parse cache
  let n = 0;
  let correct = 0;
  const t = performance.now();
  while (n < min) {
    for (const [g, p] of pairs) if (verify(g, p).equivalent) correct++;
    n += pairs.length;
  }
  return { perSec: n / ((performance.now() - t) / 1000), correct: correct / n };
}

/** Generated MATH-style pairs (MATH-500 and MATH train answers in many notations and wrappers). */
const MATH_STYLE_PAIRS = 3_000;

/** Ours once over distinct pairs (no repeat, so the parse cache helps no more than in a real run). */
function onePass(pairs: readonly { gold: string; pred: string }[]): { perSec: number; verdicts: boolean[] } {
  const t = performance.now();
  const verdicts = pairs.map((p) => verify(p.gold, p.pred).equivalent);
  return { perSec: pairs.length / ((performance.now() - t) / 1000), verdicts };
}

/**
 * Runs the benchmark and returns its figures (comparisons/s, ratios to math-verify when present).
 */
export async function benchVerify(): Promise<Record<string, number>> {
  const gsm = gsm8kPairs();
  const math = math500Pairs();
  const numeric = rate(gsm, MIN_NUMERIC);
  const boxed = rate(math.boxed, 20_000);
  const solution = rate(math.solution, 20_000);
  const symbolic = symbolicPairs(20_000);
  const sym = rate(symbolic, symbolic.length);
  const figures: Record<string, number> = {
    numeric_per_s: Math.round(numeric.perSec),
    numeric_correct: numeric.correct,
    math500_boxed_per_s: Math.round(boxed.perSec),
    math500_boxed_correct: boxed.correct,
    math500_solution_per_s: Math.round(solution.perSec),
    math500_solution_correct: solution.correct,
    symbolic_per_s: Math.round(sym.perSec),
    symbolic_correct: sym.correct,
  };
  console.log(`numeric (GSM8K, ${MIN_NUMERIC}+ comparisons): ${figures.numeric_per_s} comparisons/s`);
  console.log(`  target >= 200,000/s: ${numeric.perSec >= 200_000 ? "met" : "NOT met"}`);
  console.log(
    `MATH-500 boxed pairs: ${figures.math500_boxed_per_s}/s, full solutions: ${figures.math500_solution_per_s}/s`,
  );
  console.log(`distinct symbolic pairs (mathjs path, no cache hits): ${figures.symbolic_per_s}/s`);

  const mathStyle = generatePairs(MATH_STYLE_PAIRS * 3)
    .filter((p) => !p.cls.startsWith("gsm8k"))
    .slice(0, MATH_STYLE_PAIRS);
  const ours = onePass(mathStyle);
  figures.math_style_per_s = Math.round(ours.perSec);
  console.log(`generated MATH-style pairs (${mathStyle.length}, distinct): ${figures.math_style_per_s}/s`);
  if (!peerAvailable()) {
    console.log("math-verify: skipped (not importable from .venv; see locks/worker-cpu.txt)");
    return figures;
  }
  const peer = peerVerdicts(mathStyle, 1);
  const peerPerSec = mathStyle.length / peer.seconds;
  const { agreement: agree, lines } = disagreements(mathStyle, ours.verdicts, peer.verdicts);
  figures.peer_math_style_per_s = Math.round(peerPerSec);
  figures.ratio_math_style = Number((ours.perSec / peerPerSec).toFixed(1));
  figures.agreement_math_style = Number(agree.toFixed(4));
  console.log(
    `math-verify (one process) on the same pairs: ${figures.peer_math_style_per_s}/s; ours is ${figures.ratio_math_style}x, ` +
      `agreement ${(agree * 100).toFixed(2)} %`,
  );
  console.log(
    `  target >= 20x at >= 97 % agreement: ${figures.ratio_math_style >= 20 && agree >= 0.97 ? "met" : "NOT met"}`,
  );
  console.log(`  disagreements by class (rewrite/wrapper):\n${lines.join("\n")}`);
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchVerify().then((f) => console.log(JSON.stringify(f)));
}
