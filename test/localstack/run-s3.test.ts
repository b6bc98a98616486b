/**
 * `r1flow run --store s3://…` against the emulator's real S3 API: the whole recipe on a mini manifest
 * with every table, checkpoint and summary in the bucket — the TypeScript stages through the AWS SDK,
 * the Python worker through boto3 — and `inspect` reading the run back from S3.
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { readShards } from "../../functions/io/arrow-read.ts";
import { readJson } from "../../functions/io/objects.ts";
import { runLocal } from "../../pipeline/runner.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { miniManifest } from "../pipeline/mini-manifest.ts";
import { runLayout } from "../../recipe/layout.ts";
import { endpoint, s3Client, uniqueName } from "./aws.ts";

describe("the local runner over an s3:// store", () => {
  it("runs every stage with its outputs in the bucket", { timeout: 600_000 }, async () => {
    endpoint();
    const bucket = uniqueName("r1flow-run");
    await s3Client().send(new CreateBucketCommand({ Bucket: bucket }));
    const store = `s3://${bucket}`;
    const manifest = Manifest.parse(
      miniManifest("on-s3", {
        stages: { ...miniManifest("x").stages, grpo: { iterations: 1, groupSize: 2 } },
      }),
    );
    const summaries = await runLocal(manifest, { store });
    expect(summaries.every((s) => s.status === "succeeded")).toBe(true);
    const layout = runLayout(store, "on-s3");
    expect(await readJson(layout.status)).toMatchObject({ status: "succeeded" });
    expect(await readShards(layout.stage("grpo-rollout", 0))).toHaveLength(1);
    const sft = (await readJson(`${layout.stage("sft")}/metrics.json`)) as { outputs: { model: string } };
    expect(sft.outputs.model).toBe(`${layout.stage("sft")}/model`);
    const report = (await readJson(`${layout.stage("evaluate")}/eval-report.json`)) as {
      checkpoints: object;
    };
    expect(Object.keys(report.checkpoints).sort()).toEqual(["base", "final"]);
  });
});
