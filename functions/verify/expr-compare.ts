/**
 * Equivalence of two scalar LaTeX expressions with mathjs: numeric evaluation at seeded random
 * points for the free variables (complex values allowed), then `simplify(a - b)` when evaluation
 * cannot decide. Parsed expressions are cached by their LaTeX text.
 */
import { type EvalFunction, type MathNode, parse, simplify } from "mathjs";
import { mulberry32 } from "../sampling/prng.ts";
import { check, type Deadline, remaining } from "./deadline.ts";
import { latexToMathjs } from "./latex-to-mathjs.ts";
import { ABS_TOL } from "./numeric.ts";

/** A parsed, compiled expression. */
export interface Compiled {
  node: MathNode;
  code: EvalFunction;
  symbols: string[];
  /** Holds a factorial or power of a 3+-digit number: its value may over- or underflow. */
  huge: boolean;
}

/** `2004!`, `2^{2004}`: doubles overflow, and `1/2004!` and `1/2074!` would both be 0. */
const HUGE = /\d{3,}\s*\)*\s*!|\^\s*\(*\s*\d{3,}/;
/** Below this a value may be an underflow, not a number (`\frac{1}{2^{2004}}`). */
const TINY = 1e-250;

const CACHE_MAX = 20_000;
const cache = new Map<string, Compiled | null>();
/** Evaluation points per comparison; a wrong identity survives all of them with negligible chance. */
const POINTS = 6;
const SEED = 0x5eed;
/** `simplify` is slow and can blow up: only short expressions with time to spare get it. */
const SIMPLIFY_MAX_CHARS = 120;
const SIMPLIFY_MIN_MS = 20;
/** mathjs parsing cannot be interrupted: longer answers (never real ones) compare as text only. */
const MAX_LATEX_CHARS = 1500;
/**
 * Relative tolerance between evaluated expressions: identities agree to ~1e-14, and a tighter bound
 * than the numeric 1e-6 keeps a rounded decimal (3.14159) from passing for an exact value (\pi).
 */
const EXPR_REL_TOL = 1e-8;

/**
 * LaTeX → compiled mathjs expression (cached), or null when it cannot be converted or parsed.
 *
 * @example compileLatex("x^2+2x+1")?.symbols // ["x"]
 */
export function compileLatex(latex: string): Compiled | null {
  if (latex.length > MAX_LATEX_CHARS) return null;
  const hit = cache.get(latex);
  if (hit !== undefined) return hit;
  let compiled: Compiled | null = null;
  const conv = latexToMathjs(latex);
  if (conv) {
    try {
      const node = parse(conv.expr);
      compiled = { node, code: node.compile(), symbols: conv.symbols, huge: HUGE.test(conv.expr) };
    } catch {
      compiled = null;
    }
  }
  if (cache.size >= CACHE_MAX) cache.clear();
  cache.set(latex, compiled);
  return compiled;
}

// Warm mathjs's parser and evaluator at load: the first call's JIT cost would otherwise eat the
// first comparison's time budget.
compileLatex("\\frac{x+1}{2}")?.code.evaluate(new Map([["x", 1]]));
cache.clear();

interface Complex {
  re: number;
  im: number;
}

/**
 * The real value of a LaTeX expression without free symbols, or null (symbols, complex,
 * undefined or infinite, not convertible).
 *
 * @example constantValue("\\frac{1}{\\sqrt{2}}") // 0.7071…
 */
export function constantValue(latex: string): number | null {
  const c = compileLatex(latex);
  if (!c || c.symbols.length > 0) return null;
  const v = value(c, new Map());
  return v && v.im === 0 ? v.re : null;
}

/**
 * Whether `a` and `b` agree everywhere: equal values at every seeded random point (points where
 * either side is undefined are skipped); when no point is usable, whether `simplify(a - b)` is 0.
 *
 * @example exprEqual(compileLatex("x^2+2x+1")!, compileLatex("(x+1)^2")!, deadlineIn(50)) // true
 */
export function exprEqual(a: Compiled, b: Compiled, deadline: Deadline): boolean {
  let usable = 0;
  for (const [va, vb] of samples(a, b, deadline)) {
    if (!complexClose(va, vb)) return false;
    usable++;
  }
  if (usable > 0) return true;
  // Constants were evaluated exactly once: undefined or infinite values are not for simplify.
  return a.symbols.length + b.symbols.length > 0 && simplifiesToZero(a, b, deadline);
}

/**
 * Whether `a = k·b` for one non-zero constant k at every seeded point: two equations `a = 0`,
 * `b = 0` with the same solutions (`2x+4y-6` and `x+2y-3`).
 *
 * @example exprProportional(compileLatex("2x+4y-6")!, compileLatex("x+2y-3")!, deadlineIn(50)) // true
 */
export function exprProportional(a: Compiled, b: Compiled, deadline: Deadline): boolean {
  if (a.symbols.length + b.symbols.length === 0) return false;
  let ratio: Complex | null = null;
  for (const [va, vb] of samples(a, b, deadline)) {
    const den = vb.re * vb.re + vb.im * vb.im;
    if (den < 1e-18) {
      if (Math.hypot(va.re, va.im) > ABS_TOL) return false;
      continue;
    }
    const r = { re: (va.re * vb.re + va.im * vb.im) / den, im: (va.im * vb.re - va.re * vb.im) / den };
    if (ratio === null) {
      if (Math.hypot(r.re, r.im) < 1e-12) return false;
      ratio = r;
    } else if (!complexClose(r, ratio)) return false;
  }
  return ratio !== null;
}

/**
 * Both expressions' values at the seeded random points (one point when there are no free
 * symbols), skipping points where either is undefined; checks the deadline before each.
 */
function* samples(a: Compiled, b: Compiled, deadline: Deadline): Generator<[Complex, Complex]> {
  const names = [...new Set([...a.symbols, ...b.symbols])];
  const rand = mulberry32(SEED);
  const points = names.length === 0 ? 1 : POINTS;
  for (let p = 0; p < points; p++) {
    check(deadline);
    const scope = new Map<string, number>();
    // Mixed signs, away from 0: |x| and sqrt(x^2) must not pass for x.
    for (const n of names) scope.set(n, (rand() < 0.5 ? -1 : 1) * (0.3 + 2.4 * rand()));
    const va = value(a, scope);
    const vb = value(b, scope);
    if (va && vb) yield [va, vb];
  }
}

function value(c: Compiled, scope: Map<string, number>): Complex | null {
  let v: unknown;
  try {
    v = c.code.evaluate(scope);
  } catch {
    return null;
  }
  let out: Complex | null = null;
  if (typeof v === "number") out = { re: v, im: 0 };
  else if (v && typeof v === "object" && "re" in v && "im" in v)
    out = { re: (v as Complex).re, im: (v as Complex).im };
  if (!out || !Number.isFinite(out.re) || !Number.isFinite(out.im)) return null;
  // A huge expression near 0 may have underflowed: its value says nothing.
  if (c.huge && Math.abs(out.re) < TINY && Math.abs(out.im) < TINY) return null;
  return out;
}

function complexClose(x: Complex, y: Complex): boolean {
  const scale = Math.max(Math.hypot(x.re, x.im), Math.hypot(y.re, y.im));
  return Math.hypot(x.re - y.re, x.im - y.im) <= ABS_TOL + EXPR_REL_TOL * scale;
}

function simplifiesToZero(a: Compiled, b: Compiled, deadline: Deadline): boolean {
  const diff = `(${a.node.toString()}) - (${b.node.toString()})`;
  if (diff.length > SIMPLIFY_MAX_CHARS || remaining(deadline) < SIMPLIFY_MIN_MS) return false;
  // simplify turns every literal into an exact fraction: an overflowed or 16+-digit one can take
  // it hundreds of milliseconds, past any budget.
  if (a.huge || b.huge || /Infinity|e[+-]?\d{3}|\d{16}/.test(diff)) return false;
  try {
    const s = simplify(diff);
    return s.type === "ConstantNode" && Number((s as unknown as { value: unknown }).value) === 0;
  } catch {
    return false;
  }
}
