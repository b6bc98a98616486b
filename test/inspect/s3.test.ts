/** `r1flow inspect` on an `s3://` run: LocalStack via AWS_ENDPOINT_URL, else a throwaway moto server. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { removePrefix } from "../../functions/io/objects.ts";
import type { S3Store } from "../../functions/io/s3-store.ts";
import { storeFor } from "../../functions/io/store.ts";
import { gatherRun } from "../../pipeline/inspect/gather.ts";
import { renderTable } from "../../pipeline/inspect/table.ts";
import { r1flow } from "../cli/run-cli.ts";
import { type S3Emulator, startS3Emulator } from "../io/s3-emulator.ts";
import { writeSyntheticRun } from "./fixture.ts";

let emu: S3Emulator;
let bucket: string;
let dir: string;

beforeAll(async () => {
  emu = await startS3Emulator();
  bucket = `s3://${emu.bucket}`;
  await (storeFor(bucket) as S3Store).client.send(new CreateBucketCommand({ Bucket: emu.bucket }));
  dir = mkdtempSync(join(tmpdir(), "r1flow-inspect-s3-"));
});
afterAll(async () => {
  await removePrefix(`${bucket}/`).catch(() => {});
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("r1flow inspect on an s3:// run", () => {
  it("gathers the same figures, tables and samples as from a directory", async () => {
    const root = await writeSyntheticRun(bucket);
    expect(root).toBe(`${bucket}/runs/synthetic`);
    const model = await gatherRun(root);
    expect(model.visits).toHaveLength(27);
    // final is sft2's model: its eval rollout is switched off, everything else ran.
    expect(model.visits.filter((v) => v.status !== "succeeded").map((v) => v.stage)).toEqual([
      ...["rl2-block-curriculum", "rl2-block", "eval-rollout-final"],
    ]);
    expect(model.visits[0]?.dir).toBe(`${root}/stages/01-validate`);
    expect(model.sftLoss.sft).toHaveLength(5);
    expect(model.eval.rows.find((r) => r.measure === "pass@4")?.deltas).toEqual({
      sft: 0.125,
      grpo: 0.25,
      sft2: 0.0625,
    });
    expect(model.samples).toHaveLength(7);
    expect(renderTable(model)).toContain("loss=0.0625  kl=0.025  entropy=0.8125  clip_fraction=0.0625");
  });

  it("the real command reads the bucket and writes the report", () => {
    const html = join(dir, "report.html");
    const res = r1flow(["inspect", `${bucket}/runs/synthetic/`, "--html", html], {
      AWS_ENDPOINT_URL: emu.endpoint,
    });
    expect(res.stderr).toContain(`report: ${html}`);
    expect(res.code).toBe(0);
    expect(res.stdout).toContain(`${bucket}/runs/synthetic`);
    expect(res.stdout).toContain("run synthetic: succeeded");
    const page = readFileSync(html, "utf8");
    expect(page).toContain('data-chart="sft-loss"');
    expect(page).not.toMatch(/https?:\/\//);
  });
});
