/**
 * The extraction rules and notations of issue 11, one hand-written case each (our own cases).
 */
import { describe, expect, it } from "vitest";
import { extractAnswer, referenceAnswer, verify } from "../../functions/verify/index.ts";

/**
 * These tables test verdicts, not speed (timeout.test.ts does): a roomy budget keeps a scheduler
 * pause on a loaded machine from turning a verdict into "timeout".
 */
const ROOMY = { timeBudgetMs: 1000 };

describe("extraction rules", () => {
  it.each([
    ["So $\\boxed{3}$, then $\\boxed{7}$", "7", "boxed"],
    ["roots: $\\boxed{-3}, \\boxed{4}$.", "-3, 4", "boxed-several"],
    ["$\\boxed{(0,1)}\\quad\\text{and}\\quad\\boxed{(2,5)}$", "(0,1), (2,5)", "boxed-several"],
    ["first \\boxed{1}, then rethinking \\boxed{2}", "2", "boxed"],
    ["so $t = \\boxed{-1}$ or $t = \\boxed{6}$.", "-1, 6", "boxed-several"],
    ["Answer: 14 (seven pairs of two)", "14", "answer-is"],
    ["We get $y=4$ and finally \\[ 2\\sqrt{6} \\]", "2\\sqrt{6}", "math-span"],
    ["which is \\(\\frac{5}{7}\\).", "\\frac{5}{7}", "math-span"],
    ["So $$17$$", "17", "math-span"],
    ["The final answer is $\\frac{9}{4}$. Thanks for asking!", "\\frac{9}{4}", "answer-is"],
    ["Answer: 64<|im_end|>", "64", "answer-is"],
    ["the answer is 0.25\n\nLet me know if you want more.", "0.25", "answer-is"],
    ["Final Answer: The area of $PQR$ is 48. I hope it is correct.", "48", "answer-is"],
    ["\\frac{7}{3}", "\\frac{7}{3}", "bare"],
    ["(y-5)(y+5)", "(y-5)(y+5)", "bare"],
    ["6\\sqrt2", "6\\sqrt2", "bare"],
    ["Evelyn", "Evelyn", "bare"],
    ["we find $m = 3$, so in total there are 14 pairs.", "14", "last-number"],
    ["The cost is \\$5 and \\$6, so $x = 11$.", "x = 11", "math-span"],
  ] as const)("%j", (text, answer, rule) => {
    expect(extractAnswer(text, "math")).toEqual({ answer, rule });
  });

  it("reads a worked solution as the reference", () => {
    expect(referenceAnswer("Adding, $3+4=\\boxed{7}$ apples.")).toBe("7");
    expect(referenceAnswer("48/2 = <<48/2=24>>24\n#### 72")).toBe("72");
    expect(referenceAnswer("\\frac{1}{2}")).toBe("\\frac{1}{2}");
    expect(verify("So the total is $\\boxed{15}$.", "I get $\\boxed{15}$").equivalent).toBe(true);
  });
});

describe("notations", () => {
  it.each([
    // thousands separators and decimal commas
    ["23456", "$23{,}456$", true],
    ["23456", "$23,\\!456$", true],
    ["23456", "$\\boxed{23\\,456}$", true],
    ["23456", "$\\boxed{23 456}$", true],
    ["2.5", "$\\boxed{2{,}5}$", true],
    ["2.5", "$\\boxed{2,5}$", true],
    ["0.125", "$\\boxed{0,125}$", true],
    ["2500", "$\\boxed{2{,}500}$", true],
    // fractions and roots
    ["\\frac{2}{5}", "$\\cfrac{2}{5}$", true],
    ["\\frac{2}{5}", "$\\frac25$", true],
    ["\\frac{4}{x}", "$\\frac4x$", true],
    ["2", "$\\frac6{3}$", true],
    ["\\sqrt{7}", "$\\sqrt7$", true],
    ["\\left(2, \\frac{1}{4}\\right)", "$(2, 0.25)$", true],
    // percent
    ["35\\%", "35 percent", true],
    ["35\\%", "$\\boxed{35}$", true],
    ["0.35", "35", false],
    // relations and intervals
    ["[4, \\infty)", "$x \\geq 4$", true],
    ["[4, \\infty)", "$x >= 4$", true],
    ["(-\\infty, 4)", "$x \\lt 4$", true],
    ["x \\le 6", "$6 \\ge x$", true],
    ["(-1, 3]", "$-1 < x \\le 3$", true],
    ["(-\\infty, 0) \\cup (2, \\infty)", "$x < 0$ or $x > 2$", true],
    ["(-\\infty, 0) \\cup (2, \\infty)", "$(2,\\infty) \\cup (-\\infty,0)$", true],
    ["[4, \\infty)", "$x > 4$", false],
    // collections: sets and solution lists are unordered, tuples ordered
    ["-3, 4", "$\\boxed{4}, \\boxed{-3}$", true],
    ["\\{2, 9\\}", "$\\{9, 2\\}$", true],
    ["(2, 9)", "$(9, 2)$", false],
    ["1, 2, 3", "$\\boxed{1, 2}$", false],
    ["5, 8", "$5; 8$", true],
    ["AB = 4, CD = 9", "$4, 9$", true],
    ["4, 9", "$AB = 4, CD = 9$", true],
    // ratios, complex numbers, equations
    ["2:5", "$\\frac{2}{5}$", true],
    ["\\frac{2}{5}", "$4:10$", true],
    ["5 - 2i", "$-2i + 5$", true],
    ["5 - 2i", "$5 + 2i$", false],
    ["\\frac{1}{4}", "$k = \\frac14$", true],
    ["9", "$3 \\cdot 3 = 9$", true],
    ["x = 9", "$x = 4 + 5 = 9$", true],
    ["6 = 2a + b", "$2a + b$", false],
    ["3x - 6y + 3 = 0", "$x - 2y + 1 = 0$", true],
    ["3x - 6y + 3 = 0", "$x - 2y - 1 = 0$", false],
    // units
    ["12", "$\\boxed{12\\textnormal{ cm}}$", true],
    ["12", "$\\boxed{12\\mathrm{ kg}}$", true],
    ["12", "$\\boxed{12\\text{ m}^2}$", true],
    ["4.5", "$\\boxed{4.5 \\text{ km/h}}$", true],
    ["9.8", "$\\boxed{9.8\\ \\text{m/s}^2}$", true],
    ["27\\pi", "$\\boxed{27\\pi\\text{ cubic units}}$", true],
    ["27\\pi", "$\\boxed{27\\text{ cubic units}}$", false],
  ] as const)("%s vs %s", (gold, pred, expected) => {
    expect(verify(gold, pred, ROOMY).equivalent).toBe(expected);
  });
});

describe("matrices, negated relations, labels, repeating decimals", () => {
  const pm = (body: string, env = "pmatrix") => `\\begin{${env}} ${body} \\end{${env}}`;
  it.each([
    // matrices: cell by cell, whatever the brackets; the shape must match
    [pm("2 & -1 \\\\ 0 & 5"), `$\\boxed{${pm("2 & -1 \\\\ 0 & 5", "bmatrix")}}$`, true],
    [pm("2 & -1 \\\\ 0 & 5"), `$\\boxed{\\left[${pm("2 & -1 \\\\ 0 & 5", "array")}\\right]}$`, true],
    [pm("\\frac{1}{4} \\\\ -2"), `$\\boxed{${pm("0.25 \\\\ -2")}}$`, true],
    [pm("2 & -1 \\\\ 0 & 5"), `$\\boxed{${pm("2 & -1 \\\\ 5 & 0")}}$`, false],
    [pm("2 & -1 \\\\ 0 & 5"), `$\\boxed{${pm("2 & -1 & 0 & 5")}}$`, false],
    [pm("7 \\\\ 8"), `$\\boxed{${pm("7 & 8")}}$`, false],
    // vmatrix is a determinant, a number
    ["-10", `$\\boxed{${pm("2 & -1 \\\\ 0 & -5", "vmatrix")}}$`, true],
    [pm("2 & -1 \\\\ 0 & -5"), `$\\boxed{${pm("2 & -1 \\\\ 0 & -5", "vmatrix")}}$`, false],
    ["-3", `$\\boxed{${pm("1 & 0 & 2 \\\\ 0 & 3 & 0 \\\\ 1 & 0 & 1", "vmatrix")}}$`, true],
    // negated relations as intervals
    ["(-\\infty,4)\\cup(4,\\infty)", "$\\boxed{x \\neq 4}$", true],
    ["(-\\infty,4)\\cup(4,\\infty)", "$\\boxed{t \\not= 4}$", true],
    ["(-\\infty,4)\\cup(4,\\infty)", "$\\boxed{x \\ne -4}$", false],
    ["y \\neq -1", "$\\boxed{(-\\infty,-1)\\cup(-1,\\infty)}$", true],
    ["[-1,\\infty)", "$\\boxed{x \\nless -1}$", true],
    ["(-\\infty,-1]", "$\\boxed{x \\ngtr -1}$", true],
    ["(-1,\\infty)", "$\\boxed{x \\nleq -1}$", true],
    ["(-\\infty,-1)", "$\\boxed{x \\ngeq -1}$", true],
    ["(-\\infty,-1)", "$\\boxed{x \\not\\geq -1}$", true],
    ["(-\\infty,-1)", "$\\boxed{x \\nleq -1}$", false],
    ["(-\\infty,-5)\\cup(-5,5)\\cup(5,\\infty)", "$\\boxed{\\mathbb{R} \\setminus \\{5, -5\\}}$", true],
    ["(-\\infty,\\infty)", "$\\boxed{\\text{all real numbers}}$", true],
    // a two-sided inequality out of order holds for no x: not the pair it is written with
    ["(7, 2)", "$\\boxed{7 < x < 2}$", false],
    ["\\emptyset", "$\\boxed{7 < x < 2}$", true],
    ["(2, 7)", "$\\boxed{7 > x > 2}$", true],
    ["(-\\infty,0)\\cup(3,\\infty)", "$\\boxed{t<0 \\text{ or } t>3}$", true],
    // labels: where both sides name their values, the names must agree
    ["p = 2, q = 9", "$\\boxed{q = 9, p = 2}$", true],
    ["p = 2, q = 9", "$\\boxed{p = 9, q = 2}$", false],
    ["p = 2", "$\\boxed{q = 2}$", false],
    ["(2, 9)", "$\\boxed{x = 2, y = 9}$", true],
    ["(2, 9)", "$\\boxed{x = 9, y = 2}$", false],
    // repeating decimals and the upright imaginary unit
    ["\\frac{2}{3}", "$\\boxed{0.\\overline{6}}$", true],
    ["\\frac{1}{6}", "$\\boxed{0.1\\overline{6}}$", true],
    ["\\frac{1}{6}", "$\\boxed{0.\\overline{16}}$", false],
    ["2 - 7i", "$\\boxed{2 - 7\\mathrm{i}}$", true],
    // huge values: doubles under- or overflow, so their values decide nothing
    ["\\frac{1}{3003!}", "$\\boxed{\\frac{1}{3013!}}$", false],
    ["\\frac{1}{5^{1000}}", "$\\boxed{\\frac{1}{5^{1001}}}$", false],
    ["\\frac{1}{3003!}", "$\\boxed{\\frac{1}{3003!}}$", true],
    ["\\frac{1}{2^{40}}", "$\\boxed{2^{-40}}$", true],
  ] as const)("%s vs %s", (gold, pred, expected) => {
    expect(verify(gold, pred, ROOMY).equivalent).toBe(expected);
  });
});

describe("what models write", () => {
  it.each([
    ["\\frac{\\sqrt{3}}{3}", "So the answer is sqrt(3)/3.", true],
    ["\\frac{\\pi}{3}", "The angle is $\\boxed{pi/3}$", true],
    ["(4, -1)", "$\\boxed{\\langle 4, -1 \\rangle}$", true],
    ["20", "$\\boxed{{6 \\choose 3}}$", true],
    ["[1, \\infty)", "$\\boxed{[1, +\\infty)}$", true],
    ["\\text{(D)}", "$\\boxed{\\mathbf{(D)}}$", true],
    ["(D)", "Comparing all four, the correct option is D.", true],
    ["(D)", "Comparing all four, the correct option is C.", false],
    ["8", "$\\boxed{\\text{The answer is } 8}$", true],
    ["\\text{no}", "$\\boxed{\\text{No}}$", true],
    ["\\text{no}", "$\\boxed{\\text{Yes}}$", false],
    ["g^{-1}(x) = 3x - 1", "$\\boxed{3x-1}$", true],
    ["7", "<think>\n3 + 4 = 7\n</think>\n\n**7**", true],
    ["(1, 4)", "Therefore $(a, b) = (1, 4)$.", true],
    ["(1, 4)", "Therefore $(a, b) = (4, 1)$.", false],
    ["x^2 - 4x + 4", "Expanding, $(x-2)^2 = x^2 - 4x + 4$.", true],
    ["9", "$\\boxed{x^2 = 9}$", false],
    ["\\frac{3}{4}", "$\\boxed{\\frac34}$ or equivalently $\\boxed{0.75}$", true],
    ["3", "$\\boxed{3}$ or $\\boxed{-3}$", false],
    ["-12", "The temperature fell to \u221212 degrees.", true],
    ["-12", "$\\boxed{\u221212}$", true],
    ["12", "$\\boxed{\u221212}$", false],
    ["7", "= 7", true],
    // plain-text Unicode maths
    ["(-\\infty, -4]", "So the answer is (-∞, -4].", true],
    ["4\\pi", "So the answer is 4π.", true],
    ["2\\sqrt{7}", "So the answer is 2√7.", true],
    ["2\\sqrt{7}", "So the answer is 7√2.", false],
    ["\\frac{3}{4}", "So the answer is ¾.", true],
    ["y^3", "So the answer is y³.", true],
    ["(-\\infty, 5)", "So the answer is (-inf, 5).", true],
    ["\\binom{m}{2}", "$\\boxed{\\frac{m(m-1)}{2}}$", true],
    ["\\binom{m}{2}", "$\\boxed{\\frac{m(m+1)}{2}}$", false],
    ["\\binom{9}{3}", "$\\boxed{84}$", true],
    ["\\vec{u} = (3, -5)", "$\\boxed{(3,-5)}$", true],
    ["[0, \\infty)", "So the answer is [0, infinity).", true],
    // beyond 2^53 whole doubles are rounded: compare them with the tolerance
    ["3.1 \\times 10^{22}", "$\\boxed{31 \\times 10^{21}}$", true],
    ["3.1 \\times 10^{22}", "$\\boxed{32 \\times 10^{21}}$", false],
    ["\\{2, 4, 6, 8\\}", "$\\boxed{\\{2, 6\\} \\cup \\{4, 8\\}}$", true],
    ["\\{2, 4, 6\\}", "$\\boxed{\\{2, 4\\} \\cup \\{4, 6\\}}$", true],
    ["\\{2, 4, 6, 8\\}", "$\\boxed{\\{2, 6\\} \\cup \\{4\\}}$", false],
    ["(-3, \\infty)", "$\\boxed{\\{t \\mid t > -3\\}}$", true],
    ["t \\neq 1", "$\\boxed{\\{t \\in \\mathbb{R} : t \\ne 1\\}}$", true],
  ] as const)("%s vs %j", (gold, pred, expected) => {
    expect(verify(gold, pred, ROOMY).equivalent).toBe(expected);
  });
});

describe("bad input", () => {
  it.each([
    ["\\boxed{", "\\boxed{\\boxed{\\boxed{"],
    ["x", `$${"\\frac{".repeat(2000)}$`],
    ["1", `${"$".repeat(5000)}x`],
    ["(1,2)", `\\boxed{${"(".repeat(4000)}}`],
  ])("%s against a pathological output: not equivalent, within the budget", (gold, pred) => {
    const t = performance.now();
    const r = verify(gold, pred, { timeBudgetMs: 50 });
    expect(performance.now() - t).toBeLessThan(500);
    expect(r.equivalent).toBe(false);
  });
});
