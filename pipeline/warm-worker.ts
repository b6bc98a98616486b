/**
 * The local runner's warm start for worker jobs: one `python -m r1worker.warm` parent that has
 * imported torch, transformers and the stage modules forks a child per job (gpu-worker/r1worker/warm.py),
 * so a job starts in milliseconds instead of paying the imports (about 5 s on two cores) each time.
 * A child is still its own process: its own pid to signal, its own exit code, its output appended
 * to the job's log file. One parent serves every run of this process while the worker's Python and
 * environment stay the same; a change of either starts a new parent. CPU runs only (`warmSuits`);
 * `R1FLOW_WARM_WORKER=0` turns it off (every job then starts its own interpreter).
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createInterface } from "node:readline";

export function warmWorkerEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.R1FLOW_WARM_WORKER !== "0";
}

/**
 * Whether a run's jobs fork from the warm parent: CPU runs only. On a GPU the imports are small
 * against the work, and a forked child that starts CUDA and vLLM's engine processes is a path no
 * test here can run, so GPU jobs keep their own interpreter.
 */
export function warmSuits(
  device: "auto" | "cpu" | "cuda",
  hasNvidia = existsSync("/proc/driver/nvidia"),
): boolean {
  return device === "cpu" || (device === "auto" && !hasNvidia);
}

export interface WarmJob {
  /** Resolves with the child's pid once it is forked. */
  pid: Promise<number>;
  /** Resolves with the exit code, or null when a signal ended the child. */
  exit: Promise<number | null>;
}

interface Pending {
  onPid: (pid: number) => void;
  onExit: (code: number | null) => void;
  onError: (err: Error) => void;
}

const STDERR_KEPT = 4000;

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (err: Error) => void } {
  let resolve!: (value: T) => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

class WarmParent {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stderrTail = "";
  private ended: Error | undefined;
  readonly ready: Promise<void>;

  constructor(
    python: string,
    readonly key: string,
    env: NodeJS.ProcessEnv,
  ) {
    this.child = spawn(python, ["-m", "r1worker.warm"], { stdio: ["pipe", "pipe", "pipe"], env });
    this.child.stderr.on("data", (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString("utf8")).slice(-STDERR_KEPT);
    });
    const ready = deferred<void>();
    this.ready = ready.promise;
    this.ready.catch(() => {}); // a parent that fails before its first job fails that job instead
    createInterface({ input: this.child.stdout }).on("line", (line) => {
      const message = JSON.parse(line) as {
        ready?: boolean;
        id?: number;
        pid?: number;
        exit?: number;
        error?: string;
      };
      if (message.ready) return ready.resolve();
      const job = message.id === undefined ? undefined : this.pending.get(message.id);
      if (message.error !== undefined) {
        // Our own requests are well formed, so this is a bug on one side or the other.
        const err = new Error(`the warm worker refused a job: ${message.error}`);
        if (job) {
          this.pending.delete(message.id as number);
          job.onError(err);
        } else this.fail(err);
      } else if (job && message.pid !== undefined) job.onPid(message.pid);
      else if (job && message.exit !== undefined) {
        this.pending.delete(message.id as number);
        job.onExit(message.exit < 0 ? null : message.exit);
        this.idleRef();
      }
    });
    const died = (why: string) => {
      const err = new Error(
        `the warm worker (python -m r1worker.warm) ${why}${this.stderrTail ? `:\n${this.stderrTail.trimEnd()}` : ""}\n` +
          "(R1FLOW_WARM_WORKER=0 starts every job in its own interpreter instead)",
      );
      ready.reject(err);
      this.fail(err);
    };
    this.child.on("error", (err) => died(`could not start: ${err.message}`));
    this.child.on("exit", (code, signal) => died(`exited with ${signal ?? `code ${code}`}`));
    this.idleRef();
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.ended === undefined;
  }

  private fail(err: Error): void {
    this.ended ??= err;
    for (const job of this.pending.values()) job.onError(err);
    this.pending.clear();
    this.idleRef();
  }

  /** Keeps Node alive while a job runs; an idle parent must not hold the process open. */
  private idleRef(): void {
    const busy = this.pending.size > 0;
    // The pipes are net.Sockets at run time, though typed as plain streams.
    const pipes = [this.child.stdout, this.child.stderr, this.child.stdin] as unknown as {
      ref(): void;
      unref(): void;
    }[];
    for (const handle of [this.child, ...pipes]) {
      if (busy) handle.ref();
      else handle.unref();
    }
  }

  start(argv: string[], logFile: string): WarmJob {
    const id = this.nextId++;
    const pid = deferred<number>();
    const exit = deferred<number | null>();
    pid.promise.catch(() => {}); // the caller awaits exit, which fails the same way
    const job: Pending = {
      onPid: pid.resolve,
      onExit: exit.resolve,
      onError: (err) => {
        pid.reject(err);
        exit.reject(err);
      },
    };
    if (this.ended) job.onError(this.ended);
    else {
      this.pending.set(id, job);
      this.idleRef();
      this.ready.then(
        () => this.child.stdin.write(`${JSON.stringify({ id, argv, log: logFile, cwd: process.cwd() })}\n`),
        () => {}, // fail() has already failed every pending job
      );
    }
    return { pid: pid.promise, exit: exit.promise };
  }

  close(): void {
    this.child.stdin.end(); // the parent ends once its running children have
  }
}

let current: WarmParent | undefined;

function keyOf(python: string, env: NodeJS.ProcessEnv): string {
  return JSON.stringify([python, Object.entries(env).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))]);
}

/** The warm parent for this Python and environment, started (and preloading) if need be. */
export function warmParent(python: string, env: NodeJS.ProcessEnv): WarmParent {
  const key = keyOf(python, env);
  if (current?.alive && current.key === key) return current;
  current?.close();
  current = new WarmParent(python, key, env);
  return current;
}

/** Starts one job `python -m r1worker <argv>` as a child of the warm parent. */
export function startWarmJob(
  python: string,
  env: NodeJS.ProcessEnv,
  argv: string[],
  logFile: string,
): WarmJob {
  return warmParent(python, env).start(argv, logFile);
}
