/**
 * Logging, metrics and tracing, set up once for every handler: JSON log lines from Powertools Logger
 * with the run id, stage and iteration as persistent keys, a duration metric per invocation in the
 * `r1flow` namespace (embedded metric format, the same namespace the GPU worker writes), and an
 * X-Ray subsegment per invocation from Powertools Tracer (the functions run with active tracing),
 * annotated with the run and stage so a run's traces can be searched. Off Lambda the tracer is off.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { Tracer } from "@aws-lambda-powertools/tracer";
import type { Context } from "aws-lambda";
import { runLocationOf } from "../../../recipe/run-location.ts";

export const SERVICE = "r1flow";
export const METRICS_NAMESPACE = "r1flow";

export const logger = new Logger({ serviceName: SERVICE });
export const metrics = new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE });
export const tracer = new Tracer({ serviceName: SERVICE });

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

/** Opens the invocation's subsegment under Lambda's segment; returns what closes it. */
function traceInvocation(handlerName: string, keys: RunKeys): (err?: Error) => void {
  if (!tracer.isTracingEnabled()) return () => {};
  const parent = tracer.getSegment();
  const sub = parent?.addNewSubsegment(`## ${handlerName}`);
  if (sub) tracer.setSegment(sub);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  if (keys.runId) tracer.putAnnotation("runId", keys.runId);
  if (keys.stage) tracer.putAnnotation("stage", keys.stage);
  return (err) => {
    if (err) tracer.addErrorAsMetadata(err);
    sub?.close();
    if (parent) tracer.setSegment(parent);
  };
}

/**
 * Wraps a handler: binds the run keys to every log line, logs start and end, traces the invocation,
 * and publishes `LambdaStageDurationSeconds` (dimension `stage`). Errors are logged with their stack,
 * recorded on the trace and rethrown, so the state machine's Retry/Catch sees them.
 */
export function instrumented<E, R>(handlerName: string, handler: Handler<E, R>): Handler<E, R> {
  return async (event, context) => {
    const keys = runKeysOf(event, handlerName);
    logger.removePersistentKeys(RUN_KEYS);
    logger.appendPersistentKeys({ ...keys, handler: handlerName });
    logger.addContext(context);
    const started = Date.now();
    const endTrace = traceInvocation(handlerName, keys);
    logger.info("started");
    try {
      const result = await handler(event, context);
      logger.info("finished", { durationMs: Date.now() - started });
      endTrace();
      return result;
    } catch (err) {
      logger.error("failed", err as Error);
      endTrace(err as Error);
      throw err;
    } finally {
      metrics.addDimension("stage", keys.stage ?? handlerName);
      metrics.addMetric("LambdaStageDurationSeconds", MetricUnit.Seconds, (Date.now() - started) / 1000);
      metrics.publishStoredMetrics();
    }
  };
}
