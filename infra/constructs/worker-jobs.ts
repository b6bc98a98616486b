/**
 * The GPU worker on AWS Batch: its image (built from `gpu-worker/Dockerfile` at deploy time), one
 * ECS job definition per worker stage the recipe uses, and one multi-node parallel definition for
 * training across nodes. Every job has its own role, a log group, the Hugging Face token as a
 * secret when `hfTokenSecretName` is set, and retries only on host loss (spot reclaim), never on
 * the application's own errors.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Annotations, Duration, IgnoreMode, RemovalPolicy, Size } from "aws-cdk-lib";
import * as batch from "aws-cdk-lib/aws-batch";
import { DockerImageAsset, Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secrets from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { launchRanks, TRAINING_WORKERS, workerCommand } from "../../functions/stages/worker-command.ts";
import { RECIPE } from "../../recipe/recipe.ts";
import type { WorkerStage } from "../../schemas/stage-spec.ts";
import type { InfraConfig } from "../config.ts";
import { StageFunctions } from "./stage-functions.ts";

/** The image's build context is the repository root (it needs `schemas/generated` too). */
export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const DOCKERFILE = "gpu-worker/Dockerfile";

/** The worker stages the recipe runs on Batch, in recipe order. */
export const RECIPE_WORKERS: WorkerStage[] = [
  ...new Set(RECIPE.flatMap((s) => (s.kind === "batch" ? [s.worker] : []))),
];
export { TRAINING_WORKERS };

export interface WorkerJobsProps {
  readonly config: InfraConfig;
  readonly bucketArn: string;
  /** The worker image's build context (holding `gpu-worker/Dockerfile`); default the repository root. */
  readonly imageContext?: string;
}

export class WorkerJobs extends Construct {
  readonly definitions = new Map<WorkerStage, batch.EcsJobDefinition>();
  readonly multiNode: batch.MultiNodeJobDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WorkerJobsProps) {
    super(scope, id);
    const { config } = props;
    const image = this.image(props.imageContext ?? REPO_ROOT);
    // Only when a model needs it: ECS fails a task at start when a referenced secret does not exist.
    const hfToken = config.hfTokenSecretName
      ? secrets.Secret.fromSecretNameV2(this, "HfToken", config.hfTokenSecretName)
      : undefined;
    this.logGroup = new logs.LogGroup(this, "Logs", {
      retention: config.logRetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const container = (name: string, command: string[]) => {
      const jobRole = new iam.Role(this, `${name}-role`, {
        assumedBy: new iam.ServicePrincipal("ecs-tasks.amazonaws.com"),
        description: `r1flow GPU worker: ${name}`,
      });
      StageFunctions.allowRuns(props.bucketArn, jobRole);
      StageFunctions.allowInputs(props.bucketArn, jobRole);
      return new batch.EcsEc2ContainerDefinition(this, `${name}-container`, {
        image,
        command,
        gpu: config.gpusPerJob,
        cpu: config.jobVcpus,
        memory: Size.gibibytes(config.jobMemoryGiB),
        jobRole,
        linuxParameters: new batch.LinuxParameters(this, `${name}-linux`, {
          sharedMemorySize: Size.gibibytes(config.sharedMemoryGiB),
          initProcessEnabled: true,
        }),
        logging: ecs.LogDriver.awsLogs({ logGroup: this.logGroup, streamPrefix: name }),
        ...(hfToken ? { secrets: { HF_TOKEN: batch.Secret.fromSecretsManager(hfToken) } } : {}),
        environment: { R1FLOW_METRICS_NAMESPACE: "r1flow", PYTHONUNBUFFERED: "1" },
      });
    };
    const common = {
      timeout: Duration.hours(config.jobTimeoutHours),
      retryAttempts: config.spotRetries + 1,
      retryStrategies: RETRY_ON_HOST_LOSS_ONLY,
      propagateTags: true,
    };
    for (const worker of RECIPE_WORKERS) {
      this.definitions.set(
        worker,
        new batch.EcsJobDefinition(this, worker, {
          ...common,
          // Several GPUs per job: training stages start under torchrun (plan's command does the same).
          container: container(
            worker,
            workerCommand(worker, "Ref::spec", launchRanks(worker, config.gpusPerJob, 1)),
          ),
        }),
      );
    }
    // Commands are the arguments of the image's ENTRYPOINT (`python -m r1worker`), as plan returns them.
    // Every node runs `launch`: torchrun with the rendezvous from AWS_BATCH_JOB_* (rank 0 on the main
    // node commits); the stage and spec come in as job parameters (the submit has no per-node override).
    this.multiNode = new batch.MultiNodeJobDefinition(this, "multi-node", {
      ...common,
      mainNode: 0,
      containers: [
        {
          startNode: 0,
          endNode: config.multiNodeNodes - 1,
          container: container("multi-node", workerCommand("Ref::stage", "Ref::spec", config.gpusPerJob)),
        },
      ],
      parameters: { stage: "sft", spec: "unset" },
    });
  }

  definition(worker: WorkerStage): batch.EcsJobDefinition {
    const def = this.definitions.get(worker);
    if (!def) throw new Error(`no job definition for worker stage "${worker}"`);
    return def;
  }

  /** The worker image, or a loud warning while `gpu-worker/Dockerfile` does not exist yet. */
  private image(context: string): ecs.ContainerImage {
    if (!existsSync(join(context, DOCKERFILE))) {
      Annotations.of(this).addWarningV2(
        "r1flow:no-worker-dockerfile",
        `${DOCKERFILE} is missing: the job definitions point at a placeholder image`,
      );
      return ecs.ContainerImage.fromRegistry("r1flow-gpu-worker:missing-dockerfile");
    }
    const asset = new DockerImageAsset(this, "Image", {
      directory: context,
      file: DOCKERFILE,
      platform: Platform.LINUX_AMD64,
      // The context is the repository: stage (and hash) only what the Dockerfile's ignore file lets in.
      ignoreMode: IgnoreMode.DOCKER,
      exclude: [...dockerIgnore(context), `!${DOCKERFILE}`, `!${DOCKERFILE}.dockerignore`],
    });
    return ecs.ContainerImage.fromDockerImageAsset(asset);
  }
}

/** `gpu-worker/Dockerfile.dockerignore` (BuildKit's per-Dockerfile ignore file), or nothing but the worker. */
function dockerIgnore(context: string): string[] {
  const file = join(context, `${DOCKERFILE}.dockerignore`);
  if (!existsSync(file)) return ["*", "!gpu-worker", "!schemas/generated"];
  return readFileSync(file, "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}

/**
 * Spot reclaims and lost hosts show up as a status reason starting with "Host EC2"; retry those.
 * Anything else (an exception in the worker, an OOM) exits at once: retrying would fail again.
 */
export const RETRY_ON_HOST_LOSS_ONLY: batch.RetryStrategy[] = [
  batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
  batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onReason: "*" })),
];
