/**
 * Verifier throughput: GSM8K numeric pairs (reference solutions, repeated to ≥ 100,000
 * comparisons) and MATH-500 expression pairs, against HF math-verify in a Python subprocess when
 * one is importable. Run: `npx tsx bench/functions/verify.ts`.
 * Targets: numeric ≥ 200,000 comparisons/s on one core; expressions faster than the Python peer.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { verify } from "../../functions/verify/index.ts";

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

const PY_SCRIPT = `
import json, sys, time
from math_verify import parse, verify
cases = json.load(sys.stdin)
out = {}
for name, pairs in cases.items():
    t = time.perf_counter(); ok = 0
    for g, p in pairs:
        try:
            # gold in \\boxed{} so math-verify's default LaTeX extraction sees all of it
            ok += bool(verify(parse("\\\\boxed{" + g + "}"), parse(p)))
        except Exception:
            pass
    out[name] = {"perSec": len(pairs) / (time.perf_counter() - t), "correct": ok / len(pairs)}
print(json.dumps(out))
`;

/** The first Python that can import math_verify, or null. */
function findPython(): string | null {
  for (const py of [".venv/bin/python", "python3"]) {
    if (py.includes("/") && !existsSync(py)) continue;
    const r = spawnSync(py, ["-c", "import math_verify"], { stdio: "ignore" });
    if (r.status === 0) return py;
  }
  return null;
}

function runPython(
  py: string,
  cases: Record<string, Pair[]>,
): Record<string, { perSec: number; correct: number }> {
  const r = spawnSync(py, ["-c", PY_SCRIPT], {
    input: JSON.stringify(cases),
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  if (r.status !== 0) throw new Error(`math-verify run failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
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

  const py = findPython();
  if (!py) {
    console.log("math-verify: skipped (not importable). Install: .venv/bin/pip install math-verify");
    return figures;
  }
  const peer = runPython(py, {
    numeric: gsm,
    math500_boxed: math.boxed,
    math500_solution: math.solution,
    symbolic: symbolic.slice(0, 400),
  });
  for (const [name, r] of Object.entries(peer)) {
    const ours = figures[`${name}_per_s`] ?? 0;
    figures[`peer_${name}_per_s`] = Math.round(r.perSec);
    figures[`peer_${name}_correct`] = r.correct;
    figures[`ratio_${name}`] = Number((ours / r.perSec).toFixed(1));
    console.log(
      `math-verify (${py}) ${name}: ${Math.round(r.perSec)}/s, ${r.correct} verified (share); ours is ${(ours / r.perSec).toFixed(1)}x`,
    );
  }
  return figures;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchVerify().then((f) => console.log(JSON.stringify(f)));
}
