/**
 * runWorker through the warm parent (pipeline/warm-worker.ts ↔ gpu-worker/r1worker/warm.py), real
 * processes both sides: a job's exit code, log and stop request are what a job in its own
 * interpreter gives, one parent serves job after job, and R1FLOW_WARM_WORKER=0 still starts cold.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { warmParent, warmSuits } from "../../pipeline/warm-worker.ts";
import { runWorker, WorkerFailed, workerPython } from "../../pipeline/worker-process.ts";

const TIMEOUT = 240_000; // the parent's imports: ~5 s on a free core, far more on a loaded runner
const dir = mkdtempSync(join(tmpdir(), "r1flow-warm-"));
const sample = (name: string) => [
  "write-sample",
  "--table",
  "problems",
  "--out",
  join(dir, `${name}.arrow`),
  "--rows",
  "2",
];
const jobEnv = () => ({ OMP_NUM_THREADS: "1", ...process.env, PYTHONUNBUFFERED: "1" });

afterEach(() => {
  delete process.env.R1FLOW_WARM_WORKER;
});

describe("worker jobs forked from the warm parent", () => {
  it("run job after job in one parent, each with its own log and exit code", {
    timeout: TIMEOUT,
  }, async () => {
    await runWorker({ command: sample("a"), logFile: join(dir, "a.log") });
    const parent = warmParent(workerPython(), jobEnv()).pid;
    await runWorker({ command: sample("b"), logFile: join(dir, "b.log") });
    expect(warmParent(workerPython(), jobEnv()).pid).toBe(parent);
    expect(
      JSON.parse(readFileSync(join(dir, "b.log"), "utf8").trim().split("\n").at(-1) ?? ""),
    ).toMatchObject({ rows: 2 });

    const failing = runWorker({
      command: ["check-table", join(dir, "nope.arrow"), "--table", "problems"],
      logFile: join(dir, "c.log"),
    });
    await expect(failing).rejects.toBeInstanceOf(WorkerFailed);
    await expect(failing).rejects.toMatchObject({
      code: 3,
      lastLines: expect.stringContaining("missing input"),
    });
  });

  it("stops a job on abort with SIGTERM, as a job in its own interpreter", { timeout: TIMEOUT }, async () => {
    const fifo = join(dir, "spec.json");
    execFileSync("mkfifo", [fifo]); // reading the spec waits for a writer: a job that runs until stopped
    const stop = new AbortController();
    const job = runWorker({
      command: ["grpo", "--spec", fifo],
      logFile: join(dir, "stopped.log"),
      signal: stop.signal,
    });
    setTimeout(() => stop.abort(), 1500);
    await expect(job).rejects.toMatchObject({ code: null, message: expect.stringContaining("a signal") });
  });

  it("starts a new parent when the environment changes", { timeout: TIMEOUT }, () => {
    const first = warmParent(workerPython(), jobEnv());
    const other = warmParent(workerPython(), { ...jobEnv(), R1FLOW_TEST_MARK: "other" });
    expect(other).not.toBe(first);
    expect(other.pid).not.toBe(first.pid);
  });

  it("starts each job in its own interpreter with R1FLOW_WARM_WORKER=0", { timeout: TIMEOUT }, async () => {
    process.env.R1FLOW_WARM_WORKER = "0";
    await runWorker({ command: sample("cold"), logFile: join(dir, "cold.log") });
    expect(readFileSync(join(dir, "cold.log"), "utf8")).toContain('"rows": 2');
  });

  it("is used for CPU runs only", () => {
    expect(warmSuits("cpu", true)).toBe(true);
    expect(warmSuits("auto", false)).toBe(true);
    expect(warmSuits("auto", true)).toBe(false); // auto on a machine with an NVIDIA driver: CUDA
    expect(warmSuits("cuda", false)).toBe(false);
  });
});
