/**
 * Where an execution ended unsuccessfully, read from its history (newest event first). Stage states
 * carry no Catch, so a redrive re-runs the failed state itself (a Catch into a Fail state would make
 * the Fail the unsuccessful step, and a redrive would only fail again); the status function learns
 * the stage afterwards from the execution's status-change event and this lookup.
 * States are named by their stage: `<id>` or `<id> <part>` (`sft job spot`), `<round> loop …` or
 * `<round> block loop …` for an RL loop's own states; any other state is reported by its name.
 * A loop stage's visit (the GRPO iteration, or the block) is its state's input `$.loop.iteration`.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { RECIPE } from "../../recipe/recipe.ts";
import type { CaughtError } from "./failure-cause.ts";

/**
 * An RL loop's own states (`grpo loop continue`, `grpo block loop next`, `rl2 block loop handed
 * over`) belong to its round, named as its switch: `grpo` or `rl2`.
 */
const LOOP_STATE = /^([a-z0-9]+) (?:block )?loop /;

export interface FailedStage {
  /** The state that was running when the execution ended (none: stopped before the first). */
  readonly state?: string;
  /** Its recipe stage (or the state's name when it belongs to none). */
  readonly stage?: string;
  /** A loop stage's loop index: the GRPO iteration, or for a block-loop stage the block. */
  readonly index?: number;
  readonly error: CaughtError;
}

export function stageOfState(state: string): string {
  const loop = LOOP_STATE.exec(state);
  if (loop) return loop[1]!;
  const stage = RECIPE.find((s) => state === s.id || state.startsWith(`${s.id} `));
  return stage?.id ?? state;
}

/** What a loop state's input says of the loop (the state machine's `$.loop`). */
const LoopInput = z.object({ loop: z.object({ iteration: z.number().int().min(0) }) });

/**
 * The loop index a state of `stage` was entered with; none for a stage outside the loops (after a
 * loop, `$.loop` still holds its last index) or an input too large to be shown whole.
 */
function loopIndex(stage: string, input: string | undefined): number | undefined {
  if (!input || !RECIPE.some((s) => s.id === stage && s.inLoop)) return undefined;
  let raw: unknown;
  try {
    raw = JSON.parse(input);
  } catch {
    return undefined; // truncated
  }
  const parsed = LoopInput.safeParse(raw);
  return parsed.success ? parsed.data.loop.iteration : undefined;
}

/** The execution's own ending: failed, timed out or aborted, with its error and cause. */
function ending(event: HistoryEvent): CaughtError | undefined {
  const details =
    event.executionFailedEventDetails ??
    event.executionTimedOutEventDetails ??
    event.executionAbortedEventDetails;
  if (!details) return undefined;
  const fallback = `States.${event.type?.replace(/^Execution/, "") ?? "Failed"}`;
  return { Error: details.error || fallback, Cause: details.cause || undefined };
}

/**
 * From history events, newest first (`reverseOrder: true`): the execution's error and the last state
 * entered. `undefined` while more events may name the state; with `complete` (the whole history),
 * an ending before any state yields no state.
 */
export function failedStageOf(
  newestFirst: readonly HistoryEvent[],
  complete = false,
): FailedStage | undefined {
  let error: CaughtError | undefined;
  for (const event of newestFirst) {
    error ??= ending(event);
    const state = event.stateEnteredEventDetails?.name;
    if (state) {
      if (!error) throw new Error(`the history's last state "${state}" comes after no execution ending`);
      const stage = stageOfState(state);
      const index = loopIndex(stage, event.stateEnteredEventDetails?.input);
      return { state, stage, ...(index === undefined ? {} : { index }), error };
    }
  }
  if (!complete) return undefined;
  if (!error) throw new Error("the history has no execution ending (FAILED, TIMED_OUT or ABORTED)");
  return { error };
}
