/** CDK context is validated at synth time; a bad value names its `-c` key, what was expected and what came. */
import { describe, expect, it } from "vitest";
import { METRICS_NAMESPACE as HANDLER_NAMESPACE } from "../../functions/handlers/shared/powertools.ts";
import { CONTEXT_KEYS, parseInfraConfig } from "../../infra/config.ts";
import { maxvCpus } from "../../infra/constructs/gpu-compute.ts";
import { METRICS_NAMESPACE } from "../../infra/metrics.ts";

const parse = (ctx: Record<string, unknown>) => parseInfraConfig((k) => ctx[k]);

describe("parseInfraConfig", () => {
  it("accepts -c strings: numbers and comma-separated instance types", () => {
    const config = parse({ gpuInstanceTypes: "g6e.2xlarge, g5.4xlarge", maxGpus: "16" });
    expect(config.gpuInstanceTypes).toEqual(["g6e.2xlarge", "g5.4xlarge"]);
    expect(config.maxGpus).toBe(16);
    expect(maxvCpus(config)).toBe(16 * 7);
  });

  it("fills defaults for a small single-GPU deployment", () => {
    expect(parse({})).toMatchObject({
      stackName: "R1flow",
      gpuInstanceTypes: ["g6e.2xlarge"],
      maxGpus: 8,
      loopChunk: 25,
    });
  });

  it("fails naming each bad key, what it expected and what it got", () => {
    expect(() => parse({ maxGpus: "zero", gpuInstanceTypes: "m5.large" })).toThrow(
      /invalid CDK context \(2 problems\):\n {2}-c gpuInstanceTypes\[0\]: expected a GPU instance family .*got "m5\.large"\n {2}-c maxGpus: expected number, received string, got "zero"/,
    );
    expect(() => parse({ gpusPerJob: 4, maxGpus: 2 })).toThrow(
      "-c maxGpus: expected at least gpusPerJob GPUs, got 2",
    );
    expect(() => parse({ alarmEmail: "nobody" })).toThrow("-c alarmEmail:");
  });

  it("refuses a job that one instance of a listed type cannot hold, naming the type and what is short", () => {
    expect(() => parse({ gpuInstanceTypes: "g6e.2xlarge", gpusPerJob: 4, maxGpus: 8 })).toThrow(
      "-c gpuInstanceTypes[0]: a job does not fit one g6e.2xlarge: gpusPerJob 4 > 1 GPUs",
    );
    expect(() => parse({ onDemandInstanceTypes: "g5.2xlarge" })).toThrow(
      // the default job asks for 56 GiB; a g5.2xlarge has 32, of which 30 are usable
      "-c onDemandInstanceTypes[0]: a job does not fit one g5.2xlarge: jobMemoryGiB 56 > 30 GiB usable of 32",
    );
    expect(() => parse({ gpuInstanceTypes: "g6e.xlarge" })).toThrow(
      "jobVcpus 7 > 4 vCPUs, jobMemoryGiB 56 > 30 GiB",
    );
    expect(() => parse({ gpuInstanceTypes: "g6e.3xlarge" })).toThrow(
      "g6e.3xlarge is not in infra/instance-types.ts",
    );
    const big = parse({
      gpuInstanceTypes: "p4d.24xlarge,g6e.48xlarge",
      gpusPerJob: 8,
      jobVcpus: 96,
      jobMemoryGiB: 700,
    });
    expect(big.gpusPerJob).toBe(8);
  });

  it("only reads its own keys (CDK's feature flags share the context)", () => {
    expect(CONTEXT_KEYS).toContain("gpuInstanceTypes");
    expect(() => parse({ "@aws-cdk/aws-iam:minimizePolicies": true })).not.toThrow();
  });

  it("uses one metrics namespace for the dashboard and the handlers", () => {
    expect(HANDLER_NAMESPACE).toBe(METRICS_NAMESPACE);
  });
});
