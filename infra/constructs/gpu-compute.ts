/**
 * Where GPU jobs run: a VPC with private subnets (NAT for the Hugging Face hub, or none with VPC
 * endpoints), a spot and an on-demand managed EC2 compute environment on ECS_AL2023_NVIDIA images
 * that scale from 0 vCPUs, and a job queue for each. Multi-node parallel jobs go to the on-demand
 * queue only: AWS Batch does not run them on spot compute environments.
 */
import { Duration } from "aws-cdk-lib";
import * as batch from "aws-cdk-lib/aws-batch";
import * as ec2 from "aws-cdk-lib/aws-ec2";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { InfraConfig } from "../config.ts";

/** Room for the worker image (CUDA, PyTorch, vLLM) and model weights on each GPU node. */
const ROOT_VOLUME_GIB = 200;

export class GpuCompute extends Construct {
  readonly vpc: ec2.Vpc;
  readonly spotQueue: batch.JobQueue;
  readonly onDemandQueue: batch.JobQueue;

  constructor(scope: Construct, id: string, config: InfraConfig) {
    super(scope, id);
    const isolated = config.natGateways === 0;
    this.vpc = new ec2.Vpc(this, "Vpc", {
      maxAzs: 3,
      natGateways: config.natGateways,
      subnetConfiguration: [
        ...(isolated ? [] : [{ name: "public", subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }]),
        {
          name: "jobs",
          subnetType: isolated ? ec2.SubnetType.PRIVATE_ISOLATED : ec2.SubnetType.PRIVATE_WITH_EGRESS,
          cidrMask: 20,
        },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
      flowLogs: {
        rejected: {
          destination: ec2.FlowLogDestination.toCloudWatchLogs(
            new logs.LogGroup(this, "FlowLogs", { retention: config.logRetentionDays }),
          ),
          trafficType: ec2.FlowLogTrafficType.REJECT,
        },
      },
    });
    if (isolated) {
      // No internet: what the ECS agent, image pulls, logs and secrets need, privately.
      const services = {
        EcrApi: ec2.InterfaceVpcEndpointAwsService.ECR,
        EcrDocker: ec2.InterfaceVpcEndpointAwsService.ECR_DOCKER,
        Logs: ec2.InterfaceVpcEndpointAwsService.CLOUDWATCH_LOGS,
        Secrets: ec2.InterfaceVpcEndpointAwsService.SECRETS_MANAGER,
        Ecs: ec2.InterfaceVpcEndpointAwsService.ECS,
        EcsAgent: ec2.InterfaceVpcEndpointAwsService.ECS_AGENT,
        EcsTelemetry: ec2.InterfaceVpcEndpointAwsService.ECS_TELEMETRY,
        Sts: ec2.InterfaceVpcEndpointAwsService.STS,
      };
      for (const [name, service] of Object.entries(services))
        this.vpc.addInterfaceEndpoint(name, { service });
    }

    const securityGroup = new ec2.SecurityGroup(this, "Jobs", {
      vpc: this.vpc,
      description: "r1flow GPU jobs: egress only; nodes of one multi-node job talk to each other",
      allowAllOutbound: true,
    });
    // NCCL and torchrun rendezvous between the nodes of a multi-node parallel job.
    securityGroup.addIngressRule(securityGroup, ec2.Port.allTraffic(), "multi-node jobs: node to node");

    const launchTemplate = new ec2.LaunchTemplate(this, "GpuNodes", {
      requireImdsv2: true,
      blockDevices: [
        {
          deviceName: "/dev/xvda",
          volume: ec2.BlockDeviceVolume.ebs(ROOT_VOLUME_GIB, {
            volumeType: ec2.EbsDeviceVolumeType.GP3,
            encrypted: true,
          }),
        },
      ],
    });

    const environment = (name: string, spot: boolean, types: string[]) =>
      new batch.ManagedEc2EcsComputeEnvironment(this, name, {
        vpc: this.vpc,
        vpcSubnets: { subnetGroupName: "jobs" },
        securityGroups: [securityGroup],
        spot,
        allocationStrategy: spot
          ? batch.AllocationStrategy.SPOT_PRICE_CAPACITY_OPTIMIZED
          : batch.AllocationStrategy.BEST_FIT_PROGRESSIVE,
        instanceTypes: types.map((t) => new ec2.InstanceType(t)),
        useOptimalInstanceClasses: false,
        images: [{ imageType: batch.EcsMachineImageType.ECS_AL2023_NVIDIA }],
        minvCpus: 0,
        maxvCpus: maxvCpus(config),
        launchTemplate,
        updateToLatestImageVersion: true,
      });
    const spotEnv = environment("Spot", true, config.gpuInstanceTypes);
    const onDemandEnv = environment(
      "OnDemand",
      false,
      config.onDemandInstanceTypes ?? config.gpuInstanceTypes,
    );
    this.spotQueue = new batch.JobQueue(this, "SpotQueue", {
      computeEnvironments: [{ computeEnvironment: spotEnv, order: 1 }],
      jobStateTimeLimitActions: runnableTimeLimits(config),
    });
    this.onDemandQueue = new batch.JobQueue(this, "OnDemandQueue", {
      computeEnvironments: [{ computeEnvironment: onDemandEnv, order: 1 }],
      jobStateTimeLimitActions: runnableTimeLimits(config),
    });
  }
}

/** `maxGpus` GPUs at `gpusPerJob` per job and `jobVcpus` per job: the vCPUs that many jobs ask for. */
export function maxvCpus(config: InfraConfig): number {
  return Math.floor(config.maxGpus / config.gpusPerJob) * config.jobVcpus;
}

/**
 * A job at the head of a queue that cannot start is cancelled instead of waiting forever: after 10
 * minutes (Batch's least) when it can never start (no instance type holds it, or it needs more
 * vCPUs than the environment's maximum), after `capacityWaitHours` when EC2 has no capacity. The
 * `.sync` task then fails with the job's status reason (`MISCONFIGURATION:…`, `CAPACITY:…`), which
 * the stage's failure path writes to status.json.
 */
export function runnableTimeLimits(config: InfraConfig): batch.JobStateTimeLimitAction[] {
  const cancel = (reason: batch.JobStateTimeLimitActionsReason, maxTime: Duration) => ({
    action: batch.JobStateTimeLimitActionsAction.CANCEL,
    state: batch.JobStateTimeLimitActionsState.RUNNABLE,
    reason,
    maxTime,
  });
  return [
    cancel(batch.JobStateTimeLimitActionsReason.JOB_RESOURCE_REQUIREMENT, Duration.minutes(10)),
    cancel(batch.JobStateTimeLimitActionsReason.COMPUTE_ENVIRONMENT_MAX_RESOURCE, Duration.minutes(10)),
    cancel(
      batch.JobStateTimeLimitActionsReason.INSUFFICIENT_INSTANCE_CAPACITY,
      Duration.hours(config.capacityWaitHours),
    ),
  ];
}
