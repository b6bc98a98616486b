/**
 * An S3 API for tests: the endpoint in AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL (LocalStack, as the
 * test script starts it), else a throwaway moto server on a free port, stopped afterwards.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitFor(url: string, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      await fetch(url);
      return;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`S3 emulator did not answer at ${url}: ${err}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
}

export interface S3Emulator {
  endpoint: string;
  kind: "external" | "moto";
  bucket: string;
  stop(): Promise<void>;
}

export async function startS3Emulator(): Promise<S3Emulator> {
  process.env.AWS_ACCESS_KEY_ID ||= "test";
  process.env.AWS_SECRET_ACCESS_KEY ||= "test";
  process.env.AWS_REGION ||= "us-east-1";
  const bucket = `r1flow-io-${randomBytes(4).toString("hex")}`;
  const external = process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL;
  if (external) return { endpoint: external, kind: "external", bucket, stop: async () => {} };

  const port = await freePort();
  const child: ChildProcess = spawn("python3", ["-m", "moto.server", "-p", String(port)], {
    stdio: "ignore",
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(endpoint, 30_000);
  process.env.AWS_ENDPOINT_URL = endpoint;
  return {
    endpoint,
    kind: "moto",
    bucket,
    stop: async () => {
      delete process.env.AWS_ENDPOINT_URL;
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        child.kill("SIGTERM");
        await exited;
      }
    },
  };
}
