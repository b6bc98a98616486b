/**
 * A per-comparison time budget. mathjs calls cannot be interrupted, so the budget is checked
 * between steps: a comparison stops at the first check past its deadline.
 */

/** Default budget for one comparison, in milliseconds. */
export const DEFAULT_BUDGET_MS = 50;

/** Thrown at a check past the deadline; `verify` reports it as rule/reason "timeout". */
export class TimeoutError extends Error {
  constructor() {
    super("timeout");
    this.name = "TimeoutError";
  }
}

/** An absolute deadline (performance.now() milliseconds). */
export interface Deadline {
  readonly at: number;
}

/**
 * A deadline `budgetMs` from now.
 *
 * @example const d = deadlineIn(50); check(d); // throws TimeoutError once 50 ms have passed
 */
export function deadlineIn(budgetMs: number = DEFAULT_BUDGET_MS): Deadline {
  return { at: performance.now() + Math.max(0, budgetMs) };
}

/** Throws TimeoutError when the deadline has passed. */
export function check(d: Deadline): void {
  if (performance.now() > d.at) throw new TimeoutError();
}

/** Milliseconds left before the deadline (negative when past). */
export function remaining(d: Deadline): number {
  return d.at - performance.now();
}
