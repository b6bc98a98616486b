/**
 * Deployment settings from CDK context (`cdk deploy -c gpuInstanceTypes=g6e.2xlarge -c maxGpus=16`),
 * validated once at synth time: a bad value fails synth with a message naming the context key.
 * Values arrive as strings from `-c` and as JSON from cdk.json; both are accepted.
 */
import { z } from "zod";
import { formatIssues } from "../schemas/errors.ts";
import { misfit } from "./instance-types.ts";

/**
 * EC2 families with NVIDIA GPUs that the ECS_AL2023_NVIDIA AMI supports and the worker image runs on:
 * its CUDA 13 PyTorch and vLLM need compute capability ≥ 7.5, so V100 families (p3, p3dn) are out.
 */
export const GPU_FAMILIES = [
  "g4dn",
  "g5",
  "g6",
  "g6e",
  "gr6",
  "g6f",
  "p4d",
  "p4de",
  "p5",
  "p5e",
  "p5en",
  "p6-b200",
];

const int = (min: number, max: number) => z.number().int().min(min).max(max);

const instanceType = z
  .string()
  .regex(/^[a-z0-9-]+\.[a-z0-9]+$/, "expected an EC2 instance type such as g6e.2xlarge")
  .refine((t) => GPU_FAMILIES.includes(t.slice(0, t.lastIndexOf("."))), {
    message: `expected a GPU instance family (${GPU_FAMILIES.join(", ")})`,
  });
const instanceTypes = z.array(instanceType).min(1, "expected at least one instance type");
const LIST_KEYS = new Set(["gpuInstanceTypes", "onDemandInstanceTypes"]);

/** `-c` values are strings: numbers become numbers, lists split on commas. */
function fromContext(key: string, value: unknown): unknown {
  if (typeof value !== "string") return value;
  const text = value.trim();
  if (LIST_KEYS.has(key))
    return text
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s);
  return /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
}

export const InfraConfig = z
  .strictObject({
    /** CloudFormation stack name; also prefixes the state machine and dashboard names. */
    stackName: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9-]{0,60}$/, "expected letters, digits and '-', starting with a letter")
      .default("R1flow"),
    /** Spot (and, unless `onDemandInstanceTypes` is set, on-demand) GPU instances. */
    gpuInstanceTypes: instanceTypes.default(["g6e.2xlarge"]),
    onDemandInstanceTypes: instanceTypes.optional(),
    /** Most GPUs in use at once per compute environment (sets each environment's max vCPUs). */
    maxGpus: int(1, 4096).default(8),
    /** Per job: GPUs, vCPUs and memory; they must fit one instance of every listed type. */
    gpusPerJob: int(1, 8).default(1),
    jobVcpus: int(1, 192).default(7),
    jobMemoryGiB: int(4, 2048).default(56),
    /** /dev/shm for PyTorch data loaders and NCCL. */
    sharedMemoryGiB: int(1, 1024).default(16),
    /**
     * Hours a job may wait RUNNABLE for GPU capacity (spot or on-demand shortage) before its queue
     * cancels it and the stage fails with the reason; a misconfigured job is cancelled after 10 min.
     */
    capacityWaitHours: int(1, 24).default(6),
    /** Hours one Batch job attempt may run. */
    jobTimeoutHours: int(1, 336).default(24),
    /** Retries of a job after a spot reclaim (`Host EC2*`); application errors are not retried. */
    spotRetries: int(1, 10).default(5),
    /** Nodes of the multi-node parallel job (a manifest with `compute.nodes > 1` must ask for this many). */
    multiNodeNodes: int(2, 64).default(2),
    /** 0: isolated subnets with VPC endpoints (no internet: models and data come from S3). */
    natGateways: int(0, 3).default(1),
    /** GRPO iterations per execution before the loop continues in a new execution. */
    loopChunk: int(1, 100).default(25),
    /** Parallel child executions of a Distributed Map. */
    mapConcurrency: int(1, 1000).default(40),
    /**
     * Secrets Manager secret holding the Hugging Face token (created outside the stack), for gated
     * hub models only. Unset: jobs get no HF_TOKEN (a job referencing a missing secret fails to start).
     */
    hfTokenSecretName: z.string().min(1).optional(),
    logRetentionDays: z
      .union([z.literal(7), z.literal(14), z.literal(30), z.literal(90), z.literal(365)])
      .default(30),
    /** Where the failed-execution alarm is e-mailed (optional). */
    alarmEmail: z.email().optional(),
  })
  .refine((c) => c.maxGpus >= c.gpusPerJob, {
    path: ["maxGpus"],
    message: "expected at least gpusPerJob GPUs",
  })
  .superRefine((c, ctx) => {
    // Every listed type must hold one whole job, or Batch leaves the job RUNNABLE (then cancels it).
    for (const key of ["gpuInstanceTypes", "onDemandInstanceTypes"] as const) {
      for (const [i, type] of (c[key] ?? []).entries()) {
        const why = misfit(type, c);
        if (why)
          ctx.addIssue({
            code: "custom",
            path: [key, i],
            message: `${why} (lower the job or pick a larger type)`,
          });
      }
    }
  });
export type InfraConfig = z.output<typeof InfraConfig>;
export const CONTEXT_KEYS = Object.keys(InfraConfig.shape);

/** Validates the context values of `InfraConfig`'s keys (other context keys are CDK's own). */
export function parseInfraConfig(lookup: (key: string) => unknown): InfraConfig {
  const raw = Object.fromEntries(
    CONTEXT_KEYS.map((k) => [k, fromContext(k, lookup(k))]).filter(([, v]) => v !== undefined),
  );
  const parsed = InfraConfig.safeParse(raw);
  if (parsed.success) return parsed.data;
  const lines = formatIssues(parsed.error, raw).map((line) => `-c ${line}`);
  throw new Error(
    `invalid CDK context (${lines.length} problem${lines.length > 1 ? "s" : ""}):\n  ${lines.join("\n  ")}`,
  );
}
