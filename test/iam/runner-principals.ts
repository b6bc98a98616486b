/**
 * Whose role makes each call of a local run over an `s3://` store, had it run on AWS: the runner
 * plays the trigger, the state machine's functions and the Batch jobs in one process, so its
 * events say which is at work. Before the first stage: the user's upload of the manifest (not the
 * product's call) and the trigger's `status.json`; in a Lambda stage: that stage's function; in a
 * Batch stage: `plan` (spec, `_SUCCESS` check), the job (the worker subprocess, from its own call
 * log) and `status` reading `metrics.json` back; after the last stage: `status` again.
 */
import type { AwsCall } from "../../functions/io/call-observers.ts";
import type { RunEvent } from "../../pipeline/runner.ts";
import type { CallLog } from "./recorder.ts";
import { recordWorkers } from "./recorder.ts";

export function runnerPrincipals(log: CallLog) {
  const workers = recordWorkers();
  const workerLogs: { principal: string; file: string }[] = [];
  let phase: "before" | "lambda" | "batch" | "after" = "before";
  let handler = "";

  const principalOf = (call: AwsCall): string | null => {
    const key = String(call.input.Key ?? "");
    if (phase === "before" || phase === "after") {
      if (key.endsWith("/status.json")) return phase === "before" ? "function:trigger" : "function:status";
      if (phase === "before" && call.operation === "PutObject" && key.endsWith("/manifest.json")) return null;
      return `unattributed:${phase}`;
    }
    if (phase === "lambda") return `function:${handler}`;
    return call.operation === "GetObject" && key.endsWith("/metrics.json")
      ? "function:status"
      : "function:plan";
  };

  const onEvent = (e: RunEvent) => {
    if (e.type === "start") {
      const { stage } = e.visit;
      if (stage.kind === "lambda") {
        phase = "lambda";
        handler = stage.handler;
      } else {
        phase = "batch";
        const name = `${String(e.index).padStart(3, "0")}-${stage.id}`;
        workerLogs.push({ principal: `job:${stage.worker}`, file: workers.fileFor(name) });
      }
    } else if (e.type === "done" || e.type === "failed") {
      phase = "after";
    }
  };

  /** Adds the workers' calls to the log; returns how many there were. */
  const collectWorkers = () => workerLogs.reduce((n, w) => n + log.addWorkerCalls(w.principal, w.file), 0);
  return { principalOf, onEvent, collectWorkers };
}
