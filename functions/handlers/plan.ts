/**
 * Prepares a Batch stage: writes the worker's spec and says whether `_SUCCESS` already matches it
 * (then the state machine skips the job). Returns only the spec URI, the skip flag and the command.
 */
import { planBatchStage } from "../stages/plan.ts";
import { instrumented } from "./shared/powertools.ts";
import { contextOf } from "./shared/stage-event.ts";

export const handler = instrumented("plan", async (raw: unknown) => {
  const { event, ctx } = await contextOf(raw, "plan");
  const { specUri, skip, command } = await planBatchStage(ctx, event.stageId);
  return { specUri, skip, command };
});
