/**
 * Logging and metrics, set up once for every handler: JSON log lines from Powertools Logger with the
 * run id, stage and iteration as persistent keys, and a duration metric per invocation in the
 * `r1flow` namespace (embedded metric format, the same namespace the GPU worker writes).
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import type { Context } from "aws-lambda";

export const SERVICE = "r1flow";
export const METRICS_NAMESPACE = "r1flow";
import { runLocationOf } from "../../../recipe/run-location.ts";

export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });

const RUN_KEYS = ["runId", "stage", "iteration"];

export interface RunKeys {
  runId?: string;
  stage?: string;
  iteration?: number;
}

/** Run id, stage and iteration of a state's input, wherever it names them. */
export function runKeysOf(event: unknown, handlerName: string): RunKeys {
  const e = (event ?? {}) as Record<string, unknown>;
  const runUri = typeof e.runUri === "string" ? e.runUri : undefined;
  const fromUri = runUri ? runLocationOf(runUri)?.runId : undefined;
  const runId = typeof e.runId === "string" ? e.runId : fromUri;
  const stage = typeof e.stageId === "string" ? e.stageId : handlerName;
  const iteration = typeof e.iteration === "number" ? e.iteration : undefined;
  return { runId, stage, ...(iteration === undefined ? {} : { iteration }) };
}

type Handler<E, R> = (event: E, context: Context) => Promise<R>;

/**
 * Wraps a handler: binds the run keys to every log line, logs start and end, and publishes
 * `LambdaStageDurationSeconds` (dimension `stage`). Errors are logged with their stack and rethrown,
 * so the state machine's Retry/Catch sees them.
 */
export function instrumented<E, R>(handlerName: string, handler: Handler<E, R>): Handler<E, R> {
  return async (event, context) => {
    const keys = runKeysOf(event, handlerName);
    logger.removePersistentKeys(RUN_KEYS);
    logger.appendPersistentKeys({ ...keys, handler: handlerName });
    logger.addContext(context);
    const started = Date.now();
    logger.info("started");
    try {
      const result = await handler(event, context);
      logger.info("finished", { durationMs: Date.now() - started });
      return result;
    } catch (err) {
      logger.error("failed", err as Error);
      throw err;
    } finally {
      metrics.addDimension("stage", keys.stage ?? handlerName);
      metrics.addMetric("LambdaStageDurationSeconds", MetricUnit.Seconds, (Date.now() - started) / 1000);
      metrics.publishStoredMetrics();
    }
  };
}
