/**
 * The one input every stage function gets from the state machine (URIs and ids, never data), and
 * the step from it to a stage context: the manifest is read from the run and parsed once, here.
 */
import { z } from "zod";
import { parseManifest } from "../../../recipe/manifest-io.ts";
import { stageById } from "../../../recipe/recipe.ts";
import { layoutFromRunUri } from "../../../recipe/run-location.ts";
import { parseOrThrow } from "../../../schemas/errors.ts";
import { readText } from "../../io/objects.ts";
import { type StageContext, stageContext } from "../../stages/context.ts";

export const StageEvent = z.object({
  runId: z.string().optional(),
  runUri: z.string().min(1),
  manifestUri: z.string().optional(),
  stageId: z.string().min(1),
  iteration: z.number().int().min(0).optional(),
  /** A Distributed Map item: this one shard only. */
  shardUri: z.string().optional(),
});
export type StageEvent = z.infer<typeof StageEvent>;

export async function contextOf(
  raw: unknown,
  handler: string,
): Promise<{ event: StageEvent; ctx: StageContext }> {
  const event = parseOrThrow(StageEvent, raw, `${handler} input`);
  stageById(event.stageId);
  const layout = layoutFromRunUri(event.runUri);
  const manifestUri = event.manifestUri ?? layout.manifest;
  const manifest = parseManifest(await readText(manifestUri), manifestUri);
  return { event, ctx: stageContext(manifest, layout, event.stageId, event.iteration) };
}
