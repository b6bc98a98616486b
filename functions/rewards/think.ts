/** Where the chain of thought sits in an R1-style completion: `<think>…</think>` + final answer. */

export const THINK_OPEN = "<think>";
export const THINK_CLOSE = "</think>";

/** The chain of thought and the character offset in the completion where it starts. */
export interface Thought {
  text: string;
  start: number;
}

/**
 * The chain of thought of `completion`: the text between the first `<think>` and the first
 * `</think>` after it; everything after `<think>` when the output was cut before `</think>`;
 * everything before `</think>` when the opening tag is missing; the whole completion when it has
 * no tags at all.
 *
 * @example chainOfThought("<think>2+2=4</think> 4") // { text: "2+2=4", start: 7 }
 */
export function chainOfThought(completion: string): Thought {
  const open = completion.indexOf(THINK_OPEN);
  const start = open >= 0 ? open + THINK_OPEN.length : 0;
  const close = completion.indexOf(THINK_CLOSE, start);
  const end = close >= 0 ? close : completion.length;
  return { text: completion.slice(start, end), start };
}
