/**
 * Runs one GPU-worker stage as a subprocess (`python -m r1worker <stage> --spec <uri>`), the local
 * stand-in for an AWS Batch job: its log goes to a file, its live metrics (`metrics.jsonl`) are
 * polled for the progress display, and a stop request sends SIGTERM so the worker checkpoints.
 * The process is forked from the warm parent (warm-worker.ts) unless R1FLOW_WARM_WORKER=0.
 */
import { spawn } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { startWarmJob, warmParent, warmWorkerEnabled } from "./warm-worker.ts";

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
  /** Fork from the warm parent (the runner says so for CPU runs; R1FLOW_WARM_WORKER=0 overrides). */
  warm?: boolean;
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

function workerEnv(): NodeJS.ProcessEnv {
  // One thread unless told otherwise: for small models on CPU, more threads mostly add contention.
  return { OMP_NUM_THREADS: "1", ...process.env, PYTHONUNBUFFERED: "1" };
}

/** Starts the warm parent's imports now, so they overlap whatever runs before the first job. */
export function prewarmWorker(): void {
  if (warmWorkerEnabled() && existsSync(workerPython())) warmParent(workerPython(), workerEnv());
}

export async function runWorker(run: WorkerRun): Promise<void> {
  const python = workerPython();
  if (!existsSync(python)) {
    throw new Error(
      `the worker's Python is missing: ${python} (run scripts/install.sh, or set R1FLOW_PYTHON)`,
    );
  }
  mkdirSync(dirname(run.logFile), { recursive: true });
  const env = workerEnv();
  const job =
    run.warm !== false && warmWorkerEnabled() ? warmJob(python, env, run) : coldJob(python, env, run);
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
  try {
    const code = await job;
    if (code !== 0) throw new WorkerFailed(code, run.logFile, tail(run.logFile, 15));
  } finally {
    clearInterval(poll);
  }
}

/** A job forked from the warm parent; it appends its own output to the log. */
async function warmJob(python: string, env: NodeJS.ProcessEnv, run: WorkerRun): Promise<number | null> {
  const job = startWarmJob(python, env, run.command, run.logFile);
  const stop = () => {
    job.pid.then(
      (pid) => {
        try {
          process.kill(pid, "SIGTERM");
        } catch {
          // already ended
        }
      },
      () => {},
    );
  };
  if (run.signal?.aborted) stop();
  run.signal?.addEventListener("abort", stop, { once: true });
  try {
    return await job.exit;
  } finally {
    run.signal?.removeEventListener("abort", stop);
  }
}

/** A job in its own interpreter (R1FLOW_WARM_WORKER=0), its output piped to the log. */
async function coldJob(python: string, env: NodeJS.ProcessEnv, run: WorkerRun): Promise<number | null> {
  const log = createWriteStream(run.logFile, { flags: "a" });
  const child = spawn(python, ["-m", "r1worker", ...run.command], { stdio: ["ignore", "pipe", "pipe"], env });
  child.stdout.pipe(log, { end: false });
  child.stderr.pipe(log, { end: false });
  const stop = () => child.kill("SIGTERM");
  run.signal?.addEventListener("abort", stop, { once: true });
  try {
    return await new Promise<number | null>((resolve, reject) => {
      child.on("error", reject);
      child.on("close", (c) => resolve(c));
    });
  } finally {
    run.signal?.removeEventListener("abort", stop);
    await new Promise<void>((resolve) => log.end(resolve));
  }
}
