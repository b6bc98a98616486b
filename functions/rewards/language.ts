/** R1's language-consistency reward (DeepSeek-AI 2025, §2.3.2). */
import { chainOfThought } from "./think.ts";

export type TargetLanguage = "en" | "zh";

/** One CJK character, or a run of letters of any other script (LaTeX commands removed first). */
const CJK = "\\p{Script=Han}\\p{Script=Hiragana}\\p{Script=Katakana}";
const WORD = new RegExp(`[${CJK}]|(?:(?![${CJK}])\\p{L})+`, "gu");
const LATEX_COMMAND = /\\[A-Za-z]+/g;
const LATIN = /^\p{Script=Latin}+$/u;
const HAN = /^\p{Script=Han}$/u;

/**
 * Share of the words of the chain of thought written in the target language's script: the
 * proportion of target-language words in the CoT, as R1 defines it.
 *
 * Words are runs of letters; each Chinese or Japanese character counts as one word (they are
 * written without spaces). "en" counts Latin-script words, "zh" Han characters. LaTeX commands
 * (`\frac`) and one-letter Latin words (variables such as `x`) are left out of both counts, so
 * maths does not read as English. A thought with no words at all (only numbers and symbols) is not
 * mixed, and gets 1.
 *
 * @example languageReward("<think>so the answer is 4</think> 4", "en") // 1
 * @example languageReward("<think>所以 answer</think> 4", "en") // 1/3 (one Latin word, two Han characters)
 */
export function languageReward(completion: string, target: TargetLanguage): number {
  const thought = chainOfThought(completion).text.replace(LATEX_COMMAND, " ");
  let total = 0;
  let inTarget = 0;
  for (const match of thought.matchAll(WORD)) {
    const word = match[0];
    const latin = LATIN.test(word);
    if (latin && word.length === 1) continue;
    total++;
    if (target === "en" ? latin : HAN.test(word)) inTarget++;
  }
  return total === 0 ? 1 : inTarget / total;
}
