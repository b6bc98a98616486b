import { describe, expect, it } from "vitest";
import { extractAnswer, verify } from "../../functions/verify/index.ts";

describe("extractAnswer", () => {
  it.each([
    ["so $\\boxed{\\frac{1}{\\sqrt{2}}}$.", undefined, "\\frac{1}{\\sqrt{2}}", "boxed"],
    ["first \\boxed{1}, then \\boxed{2}", undefined, "2", "boxed"],
    ["\\fbox{7}", undefined, "7", "boxed"],
    ["thus $\\boxed 5$.", undefined, "5", "boxed"],
    ["She sold 48+24 = 72 clips.\n#### 1,080", "numeric", "1,080", "hash"],
    ["So the answer is 42.", "numeric", "42", "answer-is"],
    ["Final answer: $\\frac{3}{4}$. I hope it is correct.", "math", "\\frac{3}{4}", "answer-is"],
    ["The final answer is 3.5 cm. Done", "numeric", "3.5 cm", "answer-is"],
    ["**Final Answer:** 12", undefined, "12", "answer-is"],
    ["Answer: B", "choice", "B", "choice-letter"],
    ["The answer is (C).", "choice", "C", "choice-letter"],
    ["Comparing both, I pick (B) here.", "choice", "B", "choice-letter"],
    ["A) is wrong, so\nB) False", "label", "B", "choice-letter"],
    ["So the statement is true.", "label", "true", "label-word"],
    ["**D**", "choice", "D", "choice-letter"],
    ["A fails and B fails, so D.", "choice", "D", "choice-letter"],
    ["17", "choice", "17", "bare"],
    ["She has 3 apples and 5 pears, so 8 in total", "numeric", "8", "last-number"],
    ["costs $1,234.50 in all", undefined, "1,234.50", "last-number"],
    // Issue 11: with no box, the last math span is the answer (was the whole text, "after-think").
    ["<think>maybe 7? \\boxed{7}</think> The result is $x+1$", "math", "x+1", "math-span"],
    ["<think>7?</think> The result is seven", "math", "The result is seven", "after-think"],
    ["<think>\\boxed{7}</think> so \\boxed{8}", "math", "8", "boxed"],
    // A template token ends the hash line and a brace-less box.
    ["48/2 = 24 clips\n#### 72<|im_end|>", "numeric", "72", "hash"],
    ["so \\boxed 5<|im_end|>", "math", "5", "boxed"],
    ["Final answer: 9</s>\nmore", "numeric", "9", "answer-is"],
  ] as const)("%j", (text, type, answer, rule) => {
    expect(extractAnswer(text, type)).toEqual({ answer, rule });
  });

  it("searches only after </think>", () => {
    expect(extractAnswer("<think>the answer is 5</think>", "numeric")).toEqual({
      answer: null,
      rule: "no-answer",
    });
  });

  it("reports no-answer instead of throwing", () => {
    expect(extractAnswer("no digits here", "numeric")).toEqual({ answer: null, rule: "no-answer" });
    expect(extractAnswer("", "math")).toEqual({ answer: null, rule: "no-answer" });
    expect(extractAnswer("\\boxed{unclosed", "math")).toEqual({ answer: null, rule: "no-answer" });
    expect(verify("3", "nothing")).toEqual({ equivalent: false, extracted: null, rule: "no-answer" });
  });
});

describe("verify", () => {
  it("extracts then compares", () => {
    expect(verify("\\frac{1}{2}", "<think>…</think> So $\\boxed{0.5}$")).toEqual({
      equivalent: true,
      extracted: "0.5",
      rule: "boxed",
    });
    expect(
      verify("A", "The answer is True", { choices: ["A) True", "B) False", "C) Unknown"] }).equivalent,
    ).toBe(true);
    expect(verify("18", "She pays $18.", { answerType: "numeric" }).equivalent).toBe(true);
    // An option's text alone picks that option.
    const choices = ["A) 15", "B) 16", "C) 17"];
    expect(verify("C", "17", { choices }).equivalent).toBe(true);
    expect(verify("C", "16", { choices }).equivalent).toBe(false);
  });

  it("compares the raw prediction when extract is false", () => {
    expect(verify("3", "x = 3", { extract: false, answerType: "math" })).toEqual({
      equivalent: true,
      extracted: "x = 3",
      rule: "none",
    });
  });
});
