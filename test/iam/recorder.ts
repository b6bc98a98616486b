/**
 * Recording the AWS calls a test makes on the product's behalf, each tagged with the principal
 * (function or job role) that would make it on AWS. TypeScript: the observer middleware every
 * client of the app carries (functions/io/call-observers.ts), or `recordClient` on a client a test
 * builds for the product's adapters. Python: the worker's client hook, installed by
 * `test/iam/python/sitecustomize.py` in worker subprocesses, appending JSON lines to a file.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type AwsCall, addCallObserver, observed } from "../../functions/io/call-observers.ts";
import type { RecordedCall } from "./simulate.ts";

export class CallLog {
  readonly calls: RecordedCall[] = [];

  add(principal: string, call: AwsCall): void {
    this.calls.push({ principal, ...call });
  }

  /** Records the app's own clients' calls; `principalOf` says whose they are (null: not the product's). */
  observeApp(principalOf: (call: AwsCall) => string | null): () => void {
    return addCallObserver((call) => {
      const principal = principalOf(call);
      if (principal) this.add(principal, call);
    });
  }

  /** A client a test hands to the product's adapters, its calls recorded as `principal`'s. */
  recordClient<C extends Parameters<typeof observed>[0]>(client: C, service: string, principal: string): C {
    return observed(client, service, (call) => this.add(principal, call));
  }

  /** The calls of one worker run, read from the file it appended to. */
  addWorkerCalls(principal: string, file: string): number {
    let text = "";
    try {
      text = readFileSync(file, "utf8");
    } catch {
      return 0; // the worker made no AWS call (e.g. its stage was skipped)
    }
    const lines = text.split("\n").filter(Boolean);
    for (const line of lines) this.add(principal, JSON.parse(line) as AwsCall);
    return lines.length;
  }
}

const SITE_DIR = fileURLToPath(new URL("./python", import.meta.url));

/**
 * Makes worker subprocesses started from now on record their S3 calls: puts the recording
 * `sitecustomize` on PYTHONPATH; `fileFor(name)` points the next worker at its own log file.
 */
export function recordWorkers(): { fileFor: (name: string) => string } {
  const dir = mkdtempSync(join(tmpdir(), "r1flow-aws-calls-"));
  const path = process.env.PYTHONPATH;
  if (!path?.split(delimiter).includes(SITE_DIR)) {
    process.env.PYTHONPATH = path ? `${SITE_DIR}${delimiter}${path}` : SITE_DIR;
  }
  return {
    fileFor(name) {
      const file = join(dir, `${name}.jsonl`);
      process.env.R1FLOW_AWS_CALL_LOG = file;
      return file;
    },
  };
}

/**
 * The calls with a test's state machine name replaced by the synthesized one in its state machine
 * and execution ARNs (the policies name the machine: `…:execution:<name>:*`).
 */
export function withMachineName(calls: readonly RecordedCall[], from: string, to: string): RecordedCall[] {
  const pattern = new RegExp(`:(stateMachine|execution):${from}(?=[:#"]|$)`, "g");
  return calls.map((c) => JSON.parse(JSON.stringify(c).replace(pattern, `:$1:${to}`)) as RecordedCall);
}
