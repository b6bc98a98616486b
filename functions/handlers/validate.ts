/**
 * The `validate` stage as a Lambda function. Besides the stage summary it returns the run's plan —
 * which stages are on, the GRPO iteration count and the GPU placement — for the state machine's
 * Choice states (`$.plan`).
 */
import { runStage } from "../stages/context.ts";
import { runPlan, validateStage } from "../stages/validate.ts";
import { instrumented } from "./shared/powertools.ts";
import { contextOf } from "./shared/stage-event.ts";

export const handler = instrumented("validate", async (raw: unknown) => {
  const { event, ctx } = await contextOf(raw, "validate");
  const summary = await runStage(event.stageId, ctx, validateStage);
  return { ...summary, ...runPlan(ctx.manifest) };
});
