/**
 * Ctrl-C in the middle of a GPU stage: the real `r1flow run` stops the worker (SIGTERM → it writes a
 * checkpoint), exits 130 and marks the run interrupted with nothing half-done marked complete; the
 * same command again resumes the stage from its checkpoint and finishes the run, and the stages that
 * had finished are skipped, not redone.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runLayout } from "../../recipe/layout.ts";
import { REPO, r1flow } from "../cli/run-cli.ts";
import { miniManifest } from "./mini-manifest.ts";

const dir = mkdtempSync(join(tmpdir(), "r1flow-interrupt-"));
const manifestFile = join(dir, "manifest.json");
const base = miniManifest("interrupted");
const manifest = {
  ...base,
  stages: { ...base.stages, sft: { learningRate: 0.003, epochs: 60, tokenBudget: 512 } },
  compute: { device: "cpu" as const, checkpointEvery: 5 },
};
writeFileSync(manifestFile, JSON.stringify(manifest));
const store = join(dir, "store");
const layout = runLayout(store, "interrupted");
const sftDir = layout.stage("sft");

function linesOf(file: string): number {
  return existsSync(file) ? readFileSync(file, "utf8").split("\n").filter(Boolean).length : 0;
}

describe("interrupting r1flow run", () => {
  it("stops cleanly mid-stage, then resumes from the checkpoint", { timeout: 600_000 }, async () => {
    const child = spawn(
      process.execPath,
      [join(REPO, "bin/r1flow.js"), "run", manifestFile, "--store", store],
      {
        cwd: REPO,
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stderr = "";
    child.stderr.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    const deadline = Date.now() + 300_000;
    while (linesOf(join(sftDir, "metrics.jsonl")) < 12 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(linesOf(join(sftDir, "metrics.jsonl"))).toBeGreaterThanOrEqual(12);
    child.kill("SIGINT");
    const code = await exited;

    expect(code).toBe(130);
    expect(stderr).toContain("stopping");
    expect(JSON.parse(readFileSync(layout.status, "utf8"))).toMatchObject({
      status: "interrupted",
      stage: "sft",
    });
    expect(existsSync(join(sftDir, "_SUCCESS"))).toBe(false);
    expect(readdirSync(join(sftDir, "checkpoints")).some((d) => d.startsWith("step-"))).toBe(true);
    const ingestShard = join(layout.stage("ingest"), "train/train/part-00000.arrow");
    const ingestedAt = statSync(ingestShard).mtimeMs;

    const again = r1flow(["run", manifestFile, "--store", store], {}, 540_000);
    expect(again.stderr).toBe("");
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/↷ Ingest data sets\s+skipped/);
    expect(statSync(ingestShard).mtimeMs).toBe(ingestedAt);
    expect(readFileSync(join(sftDir, "worker.log"), "utf8")).toMatch(/"resume_step": [1-9]/);
    expect(existsSync(join(sftDir, "_SUCCESS"))).toBe(true);
    expect(JSON.parse(readFileSync(layout.status, "utf8")).status).toBe("succeeded");
  });
});
