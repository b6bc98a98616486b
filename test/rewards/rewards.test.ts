import { describe, expect, it } from "vitest";
import {
  accuracyReward,
  chainOfThought,
  formatReward,
  languageReward,
  lengthPenalty,
  meanStepReward,
  repeatedNgramShare,
  repetitionPenalty,
  stepRewards,
  totalReward,
} from "../../functions/rewards/index.ts";
import { RewardWeights } from "../../schemas/index.ts";

const numeric = { answer: "42", answer_type: "numeric" as const, choices: [] };

describe("accuracyReward", () => {
  it("is 1 for a verified answer and reports what was extracted", () => {
    expect(accuracyReward("<think>6 · 7</think> \\boxed{42}", numeric)).toEqual({
      reward: 1,
      extracted: "42",
      correct: true,
    });
  });
  it("is 0 for a wrong or missing answer", () => {
    expect(accuracyReward("<think>6 · 7</think> \\boxed{41}", numeric)).toMatchObject({
      reward: 0,
      correct: false,
    });
    expect(accuracyReward("", numeric)).toMatchObject({ reward: 0, extracted: null });
  });
  it("passes choices to the verifier", () => {
    const problem = { answer: "B", answer_type: "choice" as const, choices: ["A) 3", "B) 4"] };
    expect(accuracyReward("<think>2+2</think> The answer is (B).", problem).reward).toBe(1);
  });
});

describe("formatReward", () => {
  it.each([
    ["<think>2 + 2 = 4</think> \\boxed{4}", 1],
    ["  <think>\n2 + 2 = 4\n</think>\nThe answer is 4.", 1],
    ["<think></think>4", 1],
    ["<think>a</think><think>b</think> 4", 0],
    ["<think>a</think> 4 </think>", 0],
    ["<think>a <think> b</think> 4", 0],
    ["</think> 4 <think>", 0],
    ["<think>2 + 2 = 4</think>   \n", 0],
    ["2 + 2 = 4, so 4", 0],
    ["<think>2 + 2 = 4 and then it stops", 0],
    ["Sure! <think>a</think> 4", 0],
  ])("%j → %i", (completion, reward) => {
    expect(formatReward(completion)).toBe(reward);
  });
});

describe("chainOfThought", () => {
  it("takes the think block, a cut-off block, or the whole text", () => {
    expect(chainOfThought("<think>2+2=4</think> 4")).toEqual({ text: "2+2=4", start: 7 });
    expect(chainOfThought("<think>2+2=")).toEqual({ text: "2+2=", start: 7 });
    expect(chainOfThought("no tags")).toEqual({ text: "no tags", start: 0 });
  });
});

describe("languageReward", () => {
  it("counts Latin words against Han characters in the chain of thought only", () => {
    // words: "so", "the", "answer", "is" (x and \frac left out) → 4/4
    expect(languageReward("<think>so the answer is x = \\frac{1}{2}</think> 所以", "en")).toBe(1);
    // "所", "以" (2 Han) + "answer" (1 Latin): en 1/3, zh 2/3
    expect(languageReward("<think>所以 answer</think> 4", "en")).toBeCloseTo(1 / 3, 12);
    expect(languageReward("<think>所以 answer</think> 4", "zh")).toBeCloseTo(2 / 3, 12);
  });
  it("gives 1 to a thought without words, and counts other scripts as off-target", () => {
    expect(languageReward("<think>2 + 2 = 4</think> 4", "en")).toBe(1);
    // "это" (Cyrillic) and "word": 1/2
    expect(languageReward("<think>это word</think> 4", "en")).toBe(0.5);
  });
});

describe("lengthPenalty", () => {
  it("is 0 up to the target, then linear to −1 at twice the target", () => {
    expect(lengthPenalty(4096, 4096)).toBe(0);
    expect(lengthPenalty(6144, 4096)).toBe(-0.5); // (6144 − 4096) / 4096
    expect(lengthPenalty(8192, 4096)).toBe(-1);
    expect(lengthPenalty(100_000, 4096)).toBe(-1);
    expect(lengthPenalty(150, 100, 200)).toBe(-0.25); // (150 − 100) / 200
  });
});

describe("repetitionPenalty", () => {
  it("is minus the share of repeated n-grams", () => {
    // bigrams: ab ba ab ba ab → 5, unique 2 → share 1 − 2/5 = 0.6
    expect(repeatedNgramShare("a b a b a b", 2)).toBeCloseTo(0.6, 12);
    expect(repetitionPenalty("A b  a\nB a b", 2)).toBeCloseTo(-0.6, 12);
    expect(repetitionPenalty("the cat sat on the mat", 2)).toBe(0);
    // fewer words than n
    expect(repetitionPenalty("one two", 3)).toBe(0);
    // trigrams of "x x x x x": 3, unique 1 → −2/3
    expect(repetitionPenalty("x x x x x", 3)).toBeCloseTo(-2 / 3, 12);
  });
});

describe("stepRewards", () => {
  const check = (line: string) => {
    const m = /^(\d+) ([+*]) (\d+) = (\d+)$/.exec(line);
    if (!m) return null;
    const [a, b, c] = [Number(m[1]), Number(m[3]), Number(m[4])];
    return (m[2] === "+" ? a + b : a * b) === c;
  };
  it("rewards each line of the thought: +1 right, −1 wrong, 0 unchecked, with end offsets", () => {
    const completion = "<think>2 + 2 = 4\n\nso then\n4 * 3 = 13  \n</think> 13";
    // offsets: "<think>" 0–6; "2 + 2 = 4" 7–15 → end 16; blank line; "so then" 18–24 → end 25;
    // "4 * 3 = 13" 26–35 → end 36 (trailing spaces not counted)
    expect(stepRewards(completion, check)).toEqual({ rewards: [1, 0, -1], ends: [16, 25, 36] });
    expect(completion.slice(26, 36)).toBe("4 * 3 = 13");
    expect(stepRewards(completion)).toEqual({ rewards: [0, 0, 0], ends: [16, 25, 36] });
  });
  it("has no steps in an empty thought", () => {
    expect(stepRewards("<think></think> 4", check)).toEqual({ rewards: [], ends: [] });
    expect(meanStepReward([])).toBe(0);
    expect(meanStepReward([1, -1, 1, 1])).toBe(0.5);
  });
});

describe("totalReward", () => {
  it("is the weighted sum", () => {
    const weights = RewardWeights.parse({ language: 0.1, repetition: 1, steps: 0.5 });
    const c = {
      accuracy: 1,
      format: 1,
      language: 0.5,
      length: -1,
      repetition: -0.2,
      rewardModel: 3,
      steps: 0.5,
    };
    // 1·1 + 1·1 + 0.1·0.5 + 0·(−1) + 1·(−0.2) + 0·3 + 0.5·0.5 = 2.1
    expect(totalReward(c, weights)).toBeCloseTo(2.1, 12);
    expect(totalReward(c, RewardWeights.parse({}))).toBe(2);
  });
});
