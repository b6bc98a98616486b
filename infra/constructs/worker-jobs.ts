/**
 * The GPU worker on AWS Batch: its image (built from `gpu-worker/Dockerfile` at deploy time), one
 * ECS job definition per worker stage the recipe uses, and one multi-node parallel definition for
 * training across nodes. Every job has its own role, a log group, the Hugging Face token as a
 * secret, and retries only on host loss (spot reclaim), never on the application's own errors.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Annotations, Duration, RemovalPolicy, Size } from "aws-cdk-lib";
import * as batch from "aws-cdk-lib/aws-batch";
import { DockerImageAsset, Platform } from "aws-cdk-lib/aws-ecr-assets";
import * as ecs from "aws-cdk-lib/aws-ecs";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import * as secrets from "aws-cdk-lib/aws-secretsmanager";
import { Construct } from "constructs";
import { RECIPE } from "../../pipeline/recipe.ts";
import type { WorkerStage } from "../../schemas/stage-spec.ts";
import type { InfraConfig } from "../config.ts";
import { StageFunctions } from "./stage-functions.ts";

export const WORKER_DIR = fileURLToPath(new URL("../../gpu-worker", import.meta.url));

/** The worker stages the recipe runs on Batch, in recipe order. */
export const RECIPE_WORKERS: WorkerStage[] = [
  ...new Set(RECIPE.flatMap((s) => (s.kind === "batch" ? [s.worker] : []))),
];
/** Stages that train (and so may span nodes); rollouts stay on one node (vLLM tensor parallel). */
export const TRAINING_WORKERS: readonly WorkerStage[] = ["sft", "reward", "grpo"];

export interface WorkerJobsProps {
  readonly config: InfraConfig;
  readonly bucketArn: string;
  /** The worker's build context; default `gpu-worker/`. */
  readonly workerDir?: string;
}

export class WorkerJobs extends Construct {
  readonly definitions = new Map<WorkerStage, batch.EcsJobDefinition>();
  readonly multiNode: batch.MultiNodeJobDefinition;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: WorkerJobsProps) {
    super(scope, id);
    const { config } = props;
    const image = this.image(props.workerDir ?? WORKER_DIR);
    const hfToken = secrets.Secret.fromSecretNameV2(this, "HfToken", config.hfTokenSecretName);
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
        secrets: { HF_TOKEN: batch.Secret.fromSecretsManager(hfToken) },
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
          container: container(worker, ["python", "-m", "r1worker", worker, "--spec", "Ref::spec"]),
        }),
      );
    }
    // Nodes find each other from AWS_BATCH_JOB_MAIN_NODE_* and launch torchrun; the stage and spec
    // come in as job parameters because the submit has no per-node command override.
    this.multiNode = new batch.MultiNodeJobDefinition(this, "multi-node", {
      ...common,
      mainNode: 0,
      containers: [
        {
          startNode: 0,
          endNode: config.multiNodeNodes - 1,
          container: container("multi-node", [
            "python",
            "-m",
            "r1worker",
            "Ref::stage",
            "--spec",
            "Ref::spec",
          ]),
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
  private image(workerDir: string): ecs.ContainerImage {
    if (!existsSync(join(workerDir, "Dockerfile"))) {
      Annotations.of(this).addWarningV2(
        "r1flow:no-worker-dockerfile",
        `gpu-worker/Dockerfile is missing: the job definitions point at a placeholder image`,
      );
      return ecs.ContainerImage.fromRegistry("r1flow-gpu-worker:missing-dockerfile");
    }
    const asset = new DockerImageAsset(this, "Image", {
      directory: workerDir,
      platform: Platform.LINUX_AMD64,
      exclude: [".venv", "**/__pycache__", "*.egg-info", ".pytest_cache", "tests"],
    });
    return ecs.ContainerImage.fromDockerImageAsset(asset);
  }
}

/**
 * Spot reclaims and lost hosts show up as a status reason starting with "Host EC2"; retry those.
 * Anything else (an exception in the worker, an OOM) exits at once: retrying would fail again.
 */
export const RETRY_ON_HOST_LOSS_ONLY: batch.RetryStrategy[] = [
  batch.RetryStrategy.of(batch.Action.RETRY, batch.Reason.SPOT_INSTANCE_RECLAIMED),
  batch.RetryStrategy.of(batch.Action.EXIT, batch.Reason.custom({ onReason: "*" })),
];
