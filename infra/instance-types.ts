/**
 * The GPU instance types a deployment may list, with what one instance offers a job: GPUs, vCPUs
 * and memory (GiB), from the EC2 instance type pages. A job that asks for more than an instance
 * has never leaves RUNNABLE, so the config refuses it at synth time (config.ts).
 */
export interface InstanceFigures {
  readonly gpus: number;
  readonly vcpus: number;
  readonly memoryGiB: number;
}

const sizes = (table: Record<string, [number, number, number]>, family: string) =>
  Object.fromEntries(
    Object.entries(table).map(([size, [gpus, vcpus, memoryGiB]]) => [
      `${family}.${size}`,
      { gpus, vcpus, memoryGiB },
    ]),
  );

/** g4dn, g5, g6: 1 GPU up to 16xlarge, 4 at 12x/24x, 8 at 48x (memory per vCPU differs). */
const G_SIZES = (memPerVcpu: number): Record<string, [number, number, number]> => ({
  xlarge: [1, 4, 4 * memPerVcpu],
  "2xlarge": [1, 8, 8 * memPerVcpu],
  "4xlarge": [1, 16, 16 * memPerVcpu],
  "8xlarge": [1, 32, 32 * memPerVcpu],
  "16xlarge": [1, 64, 64 * memPerVcpu],
  "12xlarge": [4, 48, 48 * memPerVcpu],
  "24xlarge": [4, 96, 96 * memPerVcpu],
  "48xlarge": [8, 192, 192 * memPerVcpu],
});

export const INSTANCE_TYPES: Readonly<Record<string, InstanceFigures>> = {
  ...sizes(
    {
      xlarge: [1, 4, 16],
      "2xlarge": [1, 8, 32],
      "4xlarge": [1, 16, 64],
      "8xlarge": [1, 32, 128],
      "16xlarge": [1, 64, 256],
      "12xlarge": [4, 48, 192],
      metal: [8, 96, 384],
    },
    "g4dn",
  ),
  ...sizes(G_SIZES(4), "g5"),
  ...sizes(G_SIZES(4), "g6"),
  ...sizes(G_SIZES(8), "g6e"),
  ...sizes({ "4xlarge": [1, 16, 128], "8xlarge": [1, 32, 256] }, "gr6"),
  ...sizes({ "24xlarge": [8, 96, 1152] }, "p4d"),
  ...sizes({ "24xlarge": [8, 96, 1152] }, "p4de"),
  ...sizes({ "48xlarge": [8, 192, 2048] }, "p5"),
  ...sizes({ "48xlarge": [8, 192, 2048] }, "p5e"),
  ...sizes({ "48xlarge": [8, 192, 2048] }, "p5en"),
  ...sizes({ "48xlarge": [8, 192, 2048] }, "p6-b200"),
};

/** The ECS agent and the OS keep part of an instance's memory; a job cannot have all of it. */
export const RESERVED_MEMORY_FRACTION = 0.05;

export interface JobSize {
  readonly gpusPerJob: number;
  readonly jobVcpus: number;
  readonly jobMemoryGiB: number;
}

/** Why a job of this size does not fit one instance of `type` (null when it fits). */
export function misfit(type: string, job: JobSize): string | null {
  const it = INSTANCE_TYPES[type];
  if (!it) return `${type} is not in infra/instance-types.ts (${Object.keys(INSTANCE_TYPES).length} types)`;
  const usable = Math.floor(it.memoryGiB * (1 - RESERVED_MEMORY_FRACTION));
  const over = [
    job.gpusPerJob > it.gpus ? `gpusPerJob ${job.gpusPerJob} > ${it.gpus} GPUs` : "",
    job.jobVcpus > it.vcpus ? `jobVcpus ${job.jobVcpus} > ${it.vcpus} vCPUs` : "",
    job.jobMemoryGiB > usable
      ? `jobMemoryGiB ${job.jobMemoryGiB} > ${usable} GiB usable of ${it.memoryGiB}`
      : "",
  ].filter(Boolean);
  return over.length ? `a job does not fit one ${type}: ${over.join(", ")}` : null;
}
