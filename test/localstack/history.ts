/** Executions on the emulator: waiting for the end, reading the history, and the recipe stages it visited. */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  GetExecutionHistoryCommand,
  type HistoryEvent,
  type SFNClient,
} from "@aws-sdk/client-sfn";
import { RECIPE, type StageVisit } from "../../recipe/recipe.ts";

export async function waitForEnd(
  sfn: SFNClient,
  executionArn: string,
  timeoutMs = 90_000,
): Promise<DescribeExecutionCommandOutput> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (out.status !== "RUNNING") return out;
    if (Date.now() > deadline) throw new Error(`${executionArn} still RUNNING after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export async function history(sfn: SFNClient, executionArn: string): Promise<HistoryEvent[]> {
  const events: HistoryEvent[] = [];
  let nextToken: string | undefined;
  do {
    const page = await sfn.send(
      new GetExecutionHistoryCommand({ executionArn, nextToken, maxResults: 1000 }),
    );
    events.push(...(page.events ?? []));
    nextToken = page.nextToken;
  } while (nextToken);
  return events;
}

/** The states entered, in order (names only). */
export function statesEntered(events: HistoryEvent[]): string[] {
  return events.flatMap((e) => (e.type?.endsWith("StateEntered") ? [e.stateEnteredEventDetails!.name!] : []));
}

/**
 * The recipe stages an execution visited, in order: a stage's first state carries the stage's id,
 * and a loop stage's iteration is the `loop.iteration` of the state's input.
 */
export function stageVisits(events: HistoryEvent[]): string[] {
  const ids = new Map(RECIPE.map((s) => [s.id, s]));
  return events.flatMap((e) => {
    if (!e.type?.endsWith("StateEntered")) return [];
    const stage = ids.get(e.stateEnteredEventDetails!.name!);
    if (!stage) return [];
    if (!stage.inLoop) return [stage.id];
    const input = JSON.parse(e.stateEnteredEventDetails!.input ?? "{}") as { loop?: { iteration?: number } };
    return [`${stage.id}#${input.loop?.iteration}`];
  });
}

/** The same notation for planned visits: `grpo-rollout#0`, `sft`. */
export function visitNames(visits: readonly StageVisit[]): string[] {
  return visits.map((v) => (v.iteration === undefined ? v.stage.id : `${v.stage.id}#${v.iteration}`));
}

/** Each Lambda call: the state it was made from and the payload the function received. */
export function lambdaCalls(events: HistoryEvent[]): { state: string; resource: string; input: unknown }[] {
  const calls: { state: string; resource: string; input: unknown }[] = [];
  let state = "";
  for (const e of events) {
    if (e.type?.endsWith("StateEntered")) state = e.stateEnteredEventDetails!.name!;
    if (e.type === "LambdaFunctionScheduled") {
      const d = e.lambdaFunctionScheduledEventDetails!;
      calls.push({ state, resource: d.resource!, input: JSON.parse(d.input ?? "null") });
    }
  }
  return calls;
}
