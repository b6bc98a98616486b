/**
 * Runs one GPU-worker stage as a subprocess (`python -m r1worker <stage> --spec <uri>`), the local
 * stand-in for an AWS Batch job: its log goes to a file, its live metrics (`metrics.jsonl`) are
 * polled for the progress display, and a stop request sends SIGTERM so the worker checkpoints.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

/** The worker's Python: `R1FLOW_PYTHON`, else the project's `.venv`. */
export function workerPython(): string {
  return process.env.R1FLOW_PYTHON ?? join(REPO_ROOT, ".venv/bin/python");
}

export interface WorkerRun {
  command: string[];
  /** Where the worker's stdout and stderr go. */
  logFile: string;
  /** Local `metrics.jsonl` to poll for live figures, when the stage writes to a local directory. */
  metricsFile?: string;
  onMetrics?: (line: Record<string, unknown>) => void;
  signal?: AbortSignal;
}

export class WorkerFailed extends Error {
  constructor(
    readonly code: number | null,
    readonly logFile: string,
    readonly lastLines: string,
  ) {
    super(`worker exited with ${code === null ? "a signal" : `code ${code}`}; log: ${logFile}\n${lastLines}`);
    this.name = "WorkerFailed";
  }
}

function tail(file: string, lines: number): string {
  if (!existsSync(file)) return "";
  return readFileSync(file, "utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

export async function runWorker(run: WorkerRun): Promise<void> {
  const python = workerPython();
  if (!existsSync(python)) {
    throw new Error(
      `the worker's Python is missing: ${python} (run scripts/install.sh, or set R1FLOW_PYTHON)`,
    );
  }
  mkdirSync(dirname(run.logFile), { recursive: true });
  const log = createWriteStream(run.logFile, { flags: "a" });
  const child = spawn(python, ["-m", "r1worker", ...run.command], {
    stdio: ["ignore", "pipe", "pipe"],
    // One thread unless told otherwise: for small models on CPU, more threads mostly add contention.
    env: { OMP_NUM_THREADS: "1", ...process.env, PYTHONUNBUFFERED: "1" },
  });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const stop = () => child.kill("SIGTERM");
  run.signal?.addEventListener("abort", stop, { once: true });
  let seen = 0;
  const poll = setInterval(() => {
    if (!run.metricsFile || !run.onMetrics || !existsSync(run.metricsFile)) return;
    const lines = readFileSync(run.metricsFile, "utf8").split("\n").filter(Boolean);
    for (const line of lines.slice(seen)) {
      try {
        run.onMetrics(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // a line still being written: read it on the next poll
        break;
      }
      seen++;
    }
  }, 500);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (c) => resolve(c));
  });
  clearInterval(poll);
  run.signal?.removeEventListener("abort", stop);
  await new Promise<void>((resolve) => log.end(resolve));
  if (code !== 0) throw new WorkerFailed(code, run.logFile, tail(run.logFile, 15));
}
