/** A Lambda stage handler: parse the event, run the pure stage through the resumable wrapper, return its summary. */
import type { LambdaHandler } from "../../../recipe/recipe.ts";
import { LAMBDA_STAGES, runStage } from "../../stages/index.ts";
import { instrumented } from "./powertools.ts";
import { contextOf } from "./stage-event.ts";

export function stageHandler(name: LambdaHandler) {
  return instrumented(name, async (raw: unknown) => {
    const { event, ctx } = await contextOf(raw, name);
    return runStage(event.stageId, ctx, LAMBDA_STAGES[name]);
  });
}
