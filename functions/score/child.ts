/**
 * The long-lived scoring child of the GPU worker's GRPO loop (started as `node bin/r1flow-scorer.js`):
 * reads request lines on stdin, writes one response line per request on stdout (`protocol.ts`),
 * until stdin closes (exit 0). A bad request is an error response and the child keeps serving; a
 * crash of the child itself exits non-zero with the reason on stderr, which the worker reports.
 */
import { once } from "node:events";
import { createInterface } from "node:readline";
import { PROTOCOL_VERSION } from "./protocol.ts";
import { createScoreServer } from "./serve.ts";

// stdout carries the protocol and nothing else: anything a library logs goes to stderr.
console.log = console.error;
console.info = console.error;
console.debug = console.error;

async function send(message: unknown): Promise<void> {
  if (!process.stdout.write(`${JSON.stringify(message)}\n`)) await once(process.stdout, "drain");
}

async function main(): Promise<void> {
  const server = createScoreServer();
  await send({ ready: true, protocol: PROTOCOL_VERSION });
  const lines = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim() === "") continue;
    await send(server.handle(line));
  }
  const left = server.openBatches();
  if (left.length > 0) {
    process.stderr.write(`r1flow-scorer: stdin closed with batches still open: ${left.join(", ")}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`r1flow-scorer: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
