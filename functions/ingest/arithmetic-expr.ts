/**
 * Integer/decimal arithmetic expressions (`+ - * / × ÷`, parentheses, unary minus): a parser, an
 * evaluator that writes one line per operation, and the rule check of a written step.
 */

export type Expr = { kind: "num"; value: number } | { kind: "bin"; op: Op; left: Expr; right: Expr };
export type Op = "+" | "-" | "*" | "/";

const TOKEN = /\s*(?:(\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:\.\d+)?|\.\d+)|([-+*/×÷()]))/y;
const OP_ALIASES: Record<string, string> = { "×": "*", "÷": "/" };

/** The tokens of `text`, or null when something in it is not arithmetic. */
function tokenize(text: string): string[] | null {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let at = 0;
  while (at < text.length) {
    if (text.slice(at).trim() === "") break;
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(text);
    if (!m) return null;
    out.push(m[1] !== undefined ? m[1].replaceAll(",", "") : (OP_ALIASES[m[2]!] ?? m[2]!));
    at = TOKEN.lastIndex;
  }
  return out;
}

/** The expression tree of `text`, or null when it is not a whole arithmetic expression. */
export function parseExpr(text: string): Expr | null {
  const tokens = tokenize(text);
  if (!tokens || tokens.length === 0) return null;
  let i = 0;
  const peek = () => tokens[i];
  // expr := term (("+"|"-") term)* ; term := factor (("*"|"/") factor)* ; factor := ("+"|"-") factor | num | "(" expr ")"
  const expr = (): Expr | null => {
    let left = term();
    while (left && (peek() === "+" || peek() === "-")) {
      const op = tokens[i++] as Op;
      const right = term();
      left = right ? { kind: "bin", op, left, right } : null;
    }
    return left;
  };
  const term = (): Expr | null => {
    let left = factor();
    while (left && (peek() === "*" || peek() === "/")) {
      const op = tokens[i++] as Op;
      const right = factor();
      left = right ? { kind: "bin", op, left, right } : null;
    }
    return left;
  };
  const factor = (): Expr | null => {
    const t = tokens[i++];
    if (t === undefined) return null;
    if (t === "+") return factor(); // unary plus, as in GSM8K's `<<+3+3=6>>`
    if (t === "-") {
      const inner = factor();
      if (!inner) return null;
      // A negative literal stays a number, so `-5 = -5` is not mistaken for an operation.
      return inner.kind === "num"
        ? { kind: "num", value: -inner.value }
        : { kind: "bin", op: "-", left: { kind: "num", value: 0 }, right: inner };
    }
    if (t === "(") {
      const inner = expr();
      return inner && tokens[i++] === ")" ? inner : null;
    }
    const value = Number(t);
    return Number.isFinite(value) ? { kind: "num", value } : null;
  };
  const tree = expr();
  return tree && i === tokens.length ? tree : null;
}

export function applyOp(op: Op, a: number, b: number): number {
  switch (op) {
    case "+":
      return a + b;
    case "-":
      return a - b;
    case "*":
      return a * b;
    case "/":
      return a / b;
  }
}

/** The value of a tree. */
export function evaluate(e: Expr): number {
  return e.kind === "num" ? e.value : applyOp(e.op, evaluate(e.left), evaluate(e.right));
}

/**
 * The value and the worked steps, one `a op b = c` line per operation in evaluation order.
 *
 * @example evaluateWithSteps(parseExpr("23 + 45 * 2")!) // { value: 113, steps: ["45 * 2 = 90", "23 + 90 = 113"] }
 */
export function evaluateWithSteps(e: Expr): { value: number; steps: string[]; values: number[] } {
  const steps: string[] = [];
  const values: number[] = [];
  const walk = (n: Expr): number => {
    if (n.kind === "num") return n.value;
    const a = walk(n.left);
    const b = walk(n.right);
    const v = applyOp(n.op, a, b);
    steps.push(`${a} ${n.op} ${b} = ${v}`);
    values.push(v);
    return v;
  };
  const value = walk(e);
  return { value, steps, values };
}

function close(a: number, b: number): boolean {
  return (
    Number.isFinite(a) &&
    Number.isFinite(b) &&
    Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b))
  );
}

/**
 * Rule check of one reasoning line: true/false when the whole line is an arithmetic equation
 * (`a op b = c`, or a chain `2 + 3 * 4 = 2 + 12 = 14`, optionally a GSM8K `<<48/2=24>>`) with at
 * least one operation; null when the line is not such a step (prose, a bare `x = 5`).
 *
 * @example checkArithmeticStep("23 + 45 = 68") // true
 * @example checkArithmeticStep("23 + 45 = 69") // false
 * @example checkArithmeticStep("So she has 68 apples.") // null
 */
export function checkArithmeticStep(line: string): boolean | null {
  let text = line.trim();
  const annotation = /^<<(.*)>>$/.exec(text);
  if (annotation) text = annotation[1]!;
  text = text.replace(/\.$/, "");
  const sides = text.split("=");
  if (sides.length < 2) return null;
  const trees = sides.map(parseExpr);
  if (!trees.every((t) => t !== null)) return null;
  if (!trees.some((t) => t!.kind === "bin")) return null;
  const [first, ...rest] = trees.map((t) => evaluate(t!));
  return rest.every((v) => close(first!, v));
}
