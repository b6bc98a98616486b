/**
 * `r1flow run --store s3://…` against the emulator's real S3 API: the whole recipe on a mini manifest
 * with every table, checkpoint and summary in the bucket — the TypeScript stages through the AWS SDK,
 * the Python worker through boto3 — and `inspect` reading the run back from S3. Every S3 call is
 * recorded with the function or job whose role would make it on AWS, and evaluated against that
 * role in the synthesized template (test/iam: LocalStack enforces no IAM).
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { readShards } from "../../functions/io/arrow-read.ts";
import { readJson } from "../../functions/io/objects.ts";
import { runLocal } from "../../pipeline/runner.ts";
import { runLayout } from "../../recipe/layout.ts";
import { Manifest } from "../../schemas/manifest.ts";
import { CallLog } from "../iam/recorder.ts";
import { runnerPrincipals } from "../iam/runner-principals.ts";
import { denials, simulateCalls } from "../iam/simulate.ts";
import { iamModel } from "../iam/template-iam.ts";
import { synthesized } from "../infra/fixture.ts";
import { miniManifest } from "../pipeline/mini-manifest.ts";
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
    const log = new CallLog();
    const principals = runnerPrincipals(log);
    const stop = log.observeApp(principals.principalOf);
    const outcome = await runLocal(manifest, { store, onEvent: principals.onEvent }).then(
      (summaries) => ({ summaries }),
      (error: Error) => ({ error }),
    );
    stop();
    const workerCalls = principals.collectWorkers();
    const verdicts = await simulateCalls(iamModel(synthesized().template.toJSON(), { bucket }), log.calls);
    console.info(`IAM: ${log.calls.length} calls recorded, ${verdicts.length} distinct requests simulated`);
    const denied = denials(verdicts);
    if ("error" in outcome) {
      if (denied.length) console.error(`denied before the run failed:\n${denied.join("\n")}`);
      throw outcome.error;
    }
    expect(outcome.summaries.every((s) => s.status === "succeeded")).toBe(true);
    const layout = runLayout(store, "on-s3");
    expect(await readJson(layout.status)).toMatchObject({ status: "succeeded" });
    expect(await readShards(layout.stage("grpo-rollout", 0))).toHaveLength(1);
    const sft = (await readJson(`${layout.stage("sft")}/metrics.json`)) as { outputs: { model: string } };
    expect(sft.outputs.model).toBe(`${layout.stage("sft")}/model`);
    const report = (await readJson(`${layout.stage("evaluate")}/eval-report.json`)) as {
      checkpoints: object;
    };
    expect(Object.keys(report.checkpoints)).toEqual(["base", "sft", "grpo", "sft2"]);

    // The IAM check: every call the run made, under the role that would make it on AWS.
    expect(workerCalls, "S3 calls recorded from the worker subprocesses").toBeGreaterThan(20);
    const principalsSeen = new Set(log.calls.map((c) => c.principal));
    for (const p of ["function:trigger", "function:validate", "function:ingest", "function:plan", "job:sft"])
      expect(principalsSeen, p).toContain(p);
    expect(denied, "calls the deployed roles would refuse").toEqual([]);
  });
});
