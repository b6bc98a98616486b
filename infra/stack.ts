/**
 * The r1flow stack: the artifact bucket, GPU compute and worker jobs, the Lambda stages, the state
 * machine built from the recipe, the S3 trigger, and the dashboard. Permissions are granted here,
 * per function, to the prefixes and actions each one uses.
 */
import { Stack, type StackProps } from "aws-cdk-lib";
import type * as logs from "aws-cdk-lib/aws-logs";
import type { Construct } from "constructs";
import type { InfraConfig } from "./config.ts";
import { ArtifactStore } from "./constructs/artifact-store.ts";
import { GpuCompute } from "./constructs/gpu-compute.ts";
import { Observability } from "./constructs/observability.ts";
import { Pipeline } from "./constructs/pipeline.ts";
import { RunTrigger } from "./constructs/run-trigger.ts";
import { PIPELINE_HANDLERS, StageFunctions } from "./constructs/stage-functions.ts";
import { WorkerJobs } from "./constructs/worker-jobs.ts";
import { addOutputs } from "./outputs.ts";

export interface R1flowStackProps extends StackProps {
  readonly config: InfraConfig;
  /** Directory of `<handler>.ts` files; default `functions/handlers`. */
  readonly handlersDir?: string;
  /** The worker image's build context; default the repository root. */
  readonly imageContext?: string;
}

export class R1flowStack extends Stack {
  readonly store: ArtifactStore;
  readonly compute: GpuCompute;
  readonly jobs: WorkerJobs;
  readonly functions: StageFunctions;
  readonly pipeline: Pipeline;
  readonly trigger: RunTrigger;
  readonly observability: Observability;

  constructor(scope: Construct, id: string, props: R1flowStackProps) {
    super(scope, id, props);
    const { config } = props;
    this.store = new ArtifactStore(this, "Store");
    const bucket = this.store.bucket;
    this.compute = new GpuCompute(this, "Compute", config);
    this.jobs = new WorkerJobs(this, "Worker", {
      config,
      bucketArn: bucket.bucketArn,
      imageContext: props.imageContext,
    });
    this.functions = new StageFunctions(this, "Functions", {
      handlersDir: props.handlersDir,
      logRetention: config.logRetentionDays as logs.RetentionDays,
    });
    this.pipeline = new Pipeline(this, "Pipeline", {
      config,
      bucket,
      functions: this.functions,
      jobs: this.jobs,
      spotQueue: this.compute.spotQueue,
      onDemandQueue: this.compute.onDemandQueue,
    });
    this.grantPipelineFunctions();
    this.trigger = new RunTrigger(this, "Trigger", {
      bucket,
      stateMachine: this.pipeline.stateMachine,
      stateMachineName: this.pipeline.stateMachineName,
      functions: this.functions,
    });
    this.observability = new Observability(this, "Observability", {
      stateMachine: this.pipeline.stateMachine,
      alarmEmail: config.alarmEmail,
    });
    addOutputs(this, {
      bucket,
      stateMachine: this.pipeline.stateMachine,
      dashboard: this.observability.dashboard,
      triggerFailures: this.trigger.failedInvocations,
    });
  }

  private grantPipelineFunctions(): void {
    const bucketArn = this.store.bucket.bucketArn;
    for (const name of PIPELINE_HANDLERS) {
      const fn = this.functions.fn(name);
      if (name === "status") {
        // status.json of the run; a stage's metrics.json read back, its shards.json written; the
        // manifest read when a block fails (status.json names the block's iterations). Listing the
        // keys it reads makes a missing one a 404 (the function then names it), not a 403.
        StageFunctions.allowObjects(fn, bucketArn, "runs/*/status.json", ["s3:GetObject", "s3:PutObject"]);
        StageFunctions.allowObjects(fn, bucketArn, "runs/*/metrics.json", ["s3:GetObject"]);
        StageFunctions.allowObjects(fn, bucketArn, "runs/*/manifest.json", ["s3:GetObject"]);
        StageFunctions.allowObjects(fn, bucketArn, "runs/*/shards.json", ["s3:PutObject"]);
        const reads = ["runs/*/status.json", "runs/*/metrics.json", "runs/*/manifest.json"];
        StageFunctions.allowList(fn, bucketArn, reads);
        continue;
      }
      StageFunctions.allowRuns(bucketArn, fn);
      // ingest reads the data sets; validate checks that they (and the models) exist.
      if (name === "ingest" || name === "validate") StageFunctions.allowInputs(bucketArn, fn);
    }
  }
}
