/**
 * Tables of the LaTeX commands the LaTeX → mathjs converter understands.
 */

/** Function commands and the mathjs function each becomes (`\log` without a base is log10). */
export const FUNCTIONS: Readonly<Record<string, string>> = {
  sin: "sin",
  cos: "cos",
  tan: "tan",
  cot: "cot",
  sec: "sec",
  csc: "csc",
  arcsin: "asin",
  arccos: "acos",
  arctan: "atan",
  sinh: "sinh",
  cosh: "cosh",
  tanh: "tanh",
  ln: "log",
  log: "log10",
  exp: "exp",
};

/** Inverse forms for `\sin^{-1}` and friends. */
export const INVERSE: Readonly<Record<string, string>> = { sin: "asin", cos: "acos", tan: "atan" };

/** Greek letters: free symbols, renamed `g_<name>` so none collides with a mathjs function (`gamma`). */
export const GREEK = new Set([
  "alpha",
  "beta",
  "gamma",
  "delta",
  "epsilon",
  "varepsilon",
  "zeta",
  "eta",
  "theta",
  "vartheta",
  "iota",
  "kappa",
  "lambda",
  "mu",
  "nu",
  "xi",
  "rho",
  "sigma",
  "tau",
  "upsilon",
  "phi",
  "varphi",
  "chi",
  "psi",
  "omega",
  "Gamma",
  "Delta",
  "Theta",
  "Lambda",
  "Sigma",
  "Phi",
  "Psi",
  "Omega",
]);

/** Commands that carry no value: sizing, spacing, style switches. */
export const IGNORED = new Set([
  "left",
  "right",
  "big",
  "Big",
  "bigg",
  "Bigg",
  "bigl",
  "bigr",
  "Bigl",
  "Bigr",
  "displaystyle",
  "textstyle",
  "limits",
  "circ",
  "degree",
  "quad",
  "qquad",
  ",",
  "!",
  ";",
  ":",
  " ",
  "%",
  "$",
]);

/** Commands whose single argument is kept and the wrapper dropped (styling, accents, text). */
export const WRAPPERS = new Set([
  "text",
  "textbf",
  "textit",
  "textrm",
  "mbox",
  "mathrm",
  "mathbf",
  "mathit",
  "mathsf",
  "mathcal",
  "mathbb",
  "boldsymbol",
  "operatorname",
  "overline",
  "bar",
  "vec",
  "hat",
  "widehat",
  "tilde",
  "boxed",
]);

/** Binary operators written as commands. */
export const OPERATORS: Readonly<Record<string, string>> = { cdot: "*", times: "*", ast: "*", div: "/" };

/** Paired delimiters written as commands, to mathjs function calls. */
export const DELIMITERS: Readonly<Record<string, string>> = {
  lfloor: "floor(",
  rfloor: ")",
  lceil: "ceil(",
  rceil: ")",
};

/** Unicode maths symbols that models write in plain text, as LaTeX. */
export const UNICODE: Readonly<Record<string, string>> = {
  "∞": "\\infty ",
  π: "\\pi ",
  "∪": "\\cup ",
  "∩": "\\cap ",
  "×": "\\times ",
  "·": "\\cdot ",
  "⋅": "\\cdot ",
  "÷": "\\div ",
  "∅": "\\emptyset ",
  ℝ: "\\mathbb{R}",
  "∈": "\\in ",
  "½": "\\frac{1}{2}",
  "⅓": "\\frac{1}{3}",
  "⅔": "\\frac{2}{3}",
  "¼": "\\frac{1}{4}",
  "¾": "\\frac{3}{4}",
  "²": "^{2}",
  "³": "^{3}",
  α: "\\alpha ",
  β: "\\beta ",
  γ: "\\gamma ",
  δ: "\\delta ",
  θ: "\\theta ",
  λ: "\\lambda ",
  μ: "\\mu ",
  σ: "\\sigma ",
  φ: "\\phi ",
  ω: "\\omega ",
};
