/**
 * An injectable AWS SDK v3 middleware that tells observers about every call a client makes: the
 * operation, its input and the HTTP status it got. Production code registers none (the middleware
 * then only checks an empty set); the IAM test registers a recorder to map each call to the IAM
 * action and resource that the caller's role must allow (test/iam).
 */
import type { Client, InitializeMiddleware, MetadataBearer } from "@smithy/types";

export interface AwsCall {
  /** The SDK's service id, lower-case: `s3`, `sfn`. */
  readonly service: string;
  /** The operation without `Command`: `GetObject`. */
  readonly operation: string;
  readonly input: Readonly<Record<string, unknown>>;
  /** The HTTP status of the response (or of the error); undefined when no response came. */
  readonly status?: number;
}

export type CallObserver = (call: AwsCall) => void;

const observers = new Set<CallObserver>();

/** Observes the calls of every client built with `observed`; returns the function that stops it. */
export function addCallObserver(observer: CallObserver): () => void {
  observers.add(observer);
  return () => observers.delete(observer);
}

/** The middleware, telling `notify` (by default the registered observers) about each call. */
export function callObserverMiddleware(
  service: string,
  notify: CallObserver = (call) => {
    for (const o of observers) o(call);
  },
): InitializeMiddleware<object, MetadataBearer> {
  return (next, context) => async (args) => {
    const operation = String(context.commandName ?? "").replace(/Command$/, "");
    const input = args.input as Record<string, unknown>;
    try {
      const out = await next(args);
      notify({ service, operation, input, status: out.output.$metadata?.httpStatusCode });
      return out;
    } catch (err) {
      const status = (err as MetadataBearer).$metadata?.httpStatusCode;
      notify({ service, operation, input, status });
      throw err;
    }
  };
}

/** Adds the observer middleware to a client (once); returns the client. */
// biome-ignore lint/suspicious/noExplicitAny: every SDK client's middleware stack has its own types
export function observed<C extends Client<any, any, any>>(
  client: C,
  service: string,
  notify?: CallObserver,
): C {
  const name = notify ? "r1flowCallRecorder" : "r1flowCallObservers";
  client.middlewareStack.add(callObserverMiddleware(service, notify) as never, {
    step: "initialize",
    name,
    override: true,
  });
  return client;
}
