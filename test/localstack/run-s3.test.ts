/**
 * `r1flow run --store s3://…` against the emulator's real S3 API: the whole recipe on a mini manifest
 * with every table, checkpoint and summary in the bucket — the TypeScript stages through the AWS SDK,
 * the Python worker through boto3. GRPO runs as the block loop (the default for one GPU) in two
 * blocks of one iteration, so block 1 reads block 0's checkpoint and its curriculum block 0's
 * results; R1's second RL round runs one block after SFT round 2. Every S3 call is
 * recorded with the function or job whose role would make it on AWS, and evaluated against that
 * role in the synthesized template (test/iam: LocalStack enforces no IAM).
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { readShards } from "../../functions/io/arrow-read.ts";
import { readJson } from "../../functions/io/objects.ts";
import { runLocal } from "../../pipeline/runner.ts";
import { runLayout } from "../../recipe/layout.ts";
import { plannedVisits } from "../../recipe/recipe.ts";
import { joinUri } from "../../recipe/uri.ts";
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
        stages: {
          ...miniManifest("x").stages,
          grpo: { iterations: 2, iterationsPerJob: 1, groupSize: 2 },
          rl2: { enabled: true, iterations: 1 },
        },
      }),
    );
    const log = new CallLog();
    const principals = runnerPrincipals(log);
    const stop = log.observeApp(principals.principalOf);
    const planned = plannedVisits(manifest).map(
      (v) => `${v.stage.id}${v.iteration === undefined ? "" : `#${v.iteration}`}`,
    );
    expect(planned.filter((v) => /^(grpo|rl2)/.test(v))).toEqual([
      "grpo-block-curriculum#0",
      "grpo-block#0",
      "grpo-block-curriculum#1",
      "grpo-block#1",
      "rl2-block-curriculum#0",
      "rl2-block#0",
    ]);
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
    // Each iteration's tables inside its block's directory; block 1 went on from block 0's checkpoint.
    for (const [block, iter] of [
      [0, "iter-0000"],
      [1, "iter-0001"],
    ] as const) {
      const dir = joinUri(layout.stage("grpo-block", block), iter);
      expect(await readShards(joinUri(dir, "rollouts")), dir).toHaveLength(1);
      expect(await readShards(joinUri(dir, "scored")), dir).toHaveLength(1);
      expect(await readJson(joinUri(dir, "metrics.json"))).toMatchObject({
        iteration: Number(iter.slice(5)),
      });
    }
    const sft = (await readJson(`${layout.stage("sft")}/metrics.json`)) as { outputs: { model: string } };
    expect(sft.outputs.model).toBe(`${layout.stage("sft")}/model`);
    const report = (await readJson(`${layout.stage("evaluate")}/eval-report.json`)) as {
      checkpoints: object;
    };
    // Round 2's model is the final checkpoint, evaluated on its own.
    expect(Object.keys(report.checkpoints)).toEqual(["base", "sft", "grpo", "sft2", "final"]);

    // The IAM check: every call the run made, under the role that would make it on AWS.
    expect(workerCalls, "S3 calls recorded from the worker subprocesses").toBeGreaterThan(20);
    const principalsSeen = new Set(log.calls.map((c) => c.principal));
    for (const p of [
      "function:trigger",
      "function:validate",
      "function:ingest",
      "function:plan",
      "function:curriculum",
      "job:sft",
      "job:grpo-block",
    ])
      expect(principalsSeen, p).toContain(p);
    // The block job's calls: its curriculum's batch and the previous block read, its own block written.
    const blockCalls = log.calls
      .filter((c) => c.principal === "job:grpo-block" && c.service === "s3")
      .map((c) => `${c.operation} ${String(c.input.Key ?? c.input.Prefix ?? "")}`);
    const made = (ops: RegExp, stage: string, block: number | undefined, below: string) => {
      const prefix = `${layout.stage(stage, block).slice(`${store}/`.length)}/${below}`;
      return blockCalls.some((c) => ops.test(c) && c.includes(prefix));
    };
    const READ = /^(GetObject|HeadObject|ListObjectsV2) /;
    const WRITE = /^(PutObject|CreateMultipartUpload) /;
    expect(made(READ, "grpo-block-curriculum", 1, "batch/"), "block 1 reads its curriculum's batch").toBe(
      true,
    );
    expect(made(READ, "grpo-block", 0, ""), "block 1 reads block 0's checkpoint").toBe(true);
    expect(made(WRITE, "grpo-block", 1, "iter-0001/"), "block 1 writes its iteration's tables").toBe(true);
    expect(made(READ, "sft2", undefined, "model/"), "round 2 starts from the SFT round 2 model").toBe(true);
    expect(made(WRITE, "rl2-block", 0, "iter-0000/"), "round 2's block writes its iteration's tables").toBe(
      true,
    );
    expect(denied, "calls the deployed roles would refuse").toEqual([]);
  });
});
