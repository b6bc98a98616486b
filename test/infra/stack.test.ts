/**
 * Template assertions on the synthesized stack: the bucket, the trigger's event pattern, Batch
 * compute and job definitions, per-function roles and least-privilege IAM, the dashboard and alarm,
 * and cdk-nag's AwsSolutions pack with every acknowledgment carrying a reason.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Match } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { DOCKERFILE, REPO_ROOT } from "../../infra/constructs/worker-jobs.ts";
import { NAG_ACKNOWLEDGMENTS, nagChecks } from "../../infra/nag.ts";
import { renderJoin, synthesized } from "./fixture.ts";

type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };

function statements(): { policy: string; statement: Statement }[] {
  const { template } = synthesized();
  return Object.entries(template.findResources("AWS::IAM::Policy")).flatMap(([policy, r]) =>
    (r.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ policy, statement })),
  );
}
const list = <T>(v: T | T[]): T[] => (Array.isArray(v) ? v : [v]);

/** Actions that AWS does not scope to a resource; the only ones allowed `Resource: "*"` (see infra/nag.ts). */
const UNSCOPABLE = [
  /^ecr:GetAuthorizationToken$/,
  /^xray:/,
  /^batch:DescribeJobs$/,
  /^logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)$/,
];

// Synthesis bundles every function (a minute or more on a busy machine): once, before the tests.
beforeAll(() => void synthesized(), 300_000);
describe("artifact bucket", () => {
  it("is versioned, encrypted, private, TLS-only, with EventBridge notifications, lifecycle rules and access logs", () => {
    const { template } = synthesized();
    template.hasResourceProperties("AWS::S3::Bucket", {
      VersioningConfiguration: { Status: "Enabled" },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: "AES256" } }],
      },
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      LoggingConfiguration: { DestinationBucketName: Match.anyValue(), LogFilePrefix: "artifacts/" },
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ AbortIncompleteMultipartUpload: { DaysAfterInitiation: 3 }, Status: "Enabled" }),
          Match.objectLike({ Prefix: "runs/", NoncurrentVersionExpiration: { NoncurrentDays: 7 } }),
        ]),
      },
    });
    template.hasResourceProperties("Custom::S3BucketNotifications", {
      NotificationConfiguration: { EventBridgeConfiguration: {} },
    });
    template.hasResourceProperties("AWS::S3::BucketPolicy", {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
        ]),
      },
    });
  });
});

describe("trigger", () => {
  it("fires only on Object Created of runs/*/manifest.json in the artifact bucket", () => {
    synthesized().template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: {
        source: ["aws.s3"],
        "detail-type": ["Object Created"],
        detail: {
          bucket: { name: [{ Ref: Match.stringLikeRegexp("^StoreArtifacts") }] },
          object: { key: [{ wildcard: "runs/*/manifest.json" }] },
        },
      },
      Targets: [Match.objectLike({ DeadLetterConfig: Match.anyValue(), RetryPolicy: Match.anyValue() })],
    });
  });

  it("may start only this state machine and touch only manifests and status.json", () => {
    const trigger = statements().filter(({ policy }) => policy.startsWith("Functionstriggerrole"));
    const rendered = JSON.stringify(trigger.map((t) => t.statement));
    expect(rendered).toContain("states:StartExecution");
    expect(rendered).toContain("/runs/*/manifest.json");
    expect(rendered).toContain("/runs/*/status.json");
    expect(rendered).not.toContain("s3:DeleteObject");
    const start = trigger.find(({ statement }) => list(statement.Action).includes("states:StartExecution"));
    expect(start?.statement.Resource).toEqual({ Ref: expect.stringMatching(/^PipelineStateMachine/) });
  });
});

describe("Batch compute", () => {
  it("has a spot and an on-demand GPU environment on ECS_AL2023_NVIDIA from 0 vCPUs, a queue each", () => {
    const { template } = synthesized();
    for (const type of ["SPOT", "EC2"]) {
      template.hasResourceProperties("AWS::Batch::ComputeEnvironment", {
        Type: "managed",
        ComputeResources: Match.objectLike({
          Type: type,
          MinvCpus: 0,
          MaxvCpus: 56,
          InstanceTypes: ["g6e.2xlarge"],
          Ec2Configuration: [{ ImageType: "ECS_AL2023_NVIDIA" }],
        }),
      });
    }
    template.resourceCountIs("AWS::Batch::JobQueue", 2);
    template.hasResourceProperties("AWS::EC2::VPCEndpoint", { VpcEndpointType: "Gateway" });
  });

  it("gives each GPU worker stage a job definition with GPUs, shared memory, logs, and retries on host loss only", () => {
    const { template } = synthesized();
    const defs = Object.entries(template.findResources("AWS::Batch::JobDefinition"));
    const single = defs.filter(([, d]) => d.Properties.Type === "container").map(([id]) => id);
    expect(single.map((id) => id.replace(/^Worker|[0-9A-F]{8}$/g, "")).sort()).toEqual([
      "grpo",
      "grpoblock",
      "reward",
      "rollout",
      "sft",
    ]);
    for (const [id, def] of defs) {
      const p = def.Properties;
      expect(p.RetryStrategy, id).toEqual({
        Attempts: 6,
        EvaluateOnExit: [
          { Action: "RETRY", OnStatusReason: "Host EC2*" },
          { Action: "EXIT", OnReason: "*" },
        ],
      });
      const container = p.ContainerProperties ?? p.NodeProperties.NodeRangeProperties[0].Container;
      expect(container.ResourceRequirements, id).toContainEqual({ Type: "GPU", Value: "1" });
      expect(container.LinuxParameters.SharedMemorySize, id).toBe(16384);
      expect(container.LogConfiguration.LogDriver, id).toBe("awslogs");
      // No Hugging Face secret unless -c hfTokenSecretName is given (test/infra/launch.test.ts).
      expect(container.Secrets, id).toBeUndefined();
      expect(JSON.stringify(container.Environment ?? []), id).not.toMatch(/TOKEN|SECRET/);
      expect(p.Timeout.AttemptDurationSeconds, id).toBe(86_400);
      // Arguments of the image's ENTRYPOINT (python -m r1worker); the state machine overrides them with
      // plan's command. One GPU per job: stages run directly; multi-node jobs through launch (launch.test.ts).
      expect(container.Command.slice(-2), id).toEqual(["--spec", "Ref::spec"]);
    }
  });

  it("builds the worker image from gpu-worker/Dockerfile as a deploy-time asset", () => {
    if (!existsSync(join(REPO_ROOT, DOCKERFILE))) {
      throw new Error(
        "gpu-worker/Dockerfile does not exist yet: the job definitions use a placeholder image",
      );
    }
    const images = JSON.stringify(synthesized().template.findResources("AWS::Batch::JobDefinition"));
    expect(images).toContain("cdk-hnb659fds-container-assets");
  });
});

describe("permissions", () => {
  it("gives every function its own role", () => {
    const { template } = synthesized();
    const roles = Object.values(template.findResources("AWS::Lambda::Function")).map((f) =>
      JSON.stringify(f.Properties.Role),
    );
    expect(new Set(roles).size).toBe(roles.length);
  });

  it("never grants s3:* or *, and never an unscoped resource except for actions AWS cannot scope", () => {
    for (const { policy, statement } of statements()) {
      const actions = list(statement.Action);
      expect(
        actions.filter((a) => a === "*" || a === "s3:*"),
        policy,
      ).toEqual([]);
      if (list(statement.Resource).includes("*")) {
        const unscoped = actions.filter((a) => !UNSCOPABLE.some((re) => re.test(a)));
        expect(unscoped, `${policy} grants ${unscoped.join(", ")} on *`).toEqual([]);
      }
    }
  });

  it("scopes stage functions to runs/* and ListBucket to an s3:prefix condition", () => {
    const ingest = statements().filter(({ policy }) => policy.startsWith("Functionsingestrole"));
    const rendered = JSON.stringify(ingest.map((s) => s.statement));
    expect(rendered).toContain("/runs/*");
    expect(rendered).toContain("/datasets/*");
    const listing = ingest.find(({ statement }) => list(statement.Action).includes("s3:ListBucket"));
    expect(listing?.statement.Condition).toEqual({
      StringLike: { "s3:prefix": expect.arrayContaining(["runs/*"]) },
    });
  });
});

describe("observability", () => {
  it("has a dashboard over the r1flow metrics and an alarm on failed executions", () => {
    const { template } = synthesized();
    const body = JSON.stringify(template.findResources("AWS::CloudWatch::Dashboard"));
    for (const metric of ["StageDurationSeconds", "RewardMean", "Accuracy", "KL", "GpuHours"])
      expect(body).toContain(metric);
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ExecutionsFailed",
      Threshold: 1,
    });
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("reports no unacknowledged findings", () => {
    const report = nagChecks().validateScope(synthesized().stack);
    const found = report.violations.map(
      (v) => `${v.ruleName} at ${v.violatingResources.map((r) => r.constructPath).join(", ")}`,
    );
    expect(found).toEqual([]);
  });

  it("gives every acknowledgment a reason", () => {
    for (const ack of NAG_ACKNOWLEDGMENTS) expect(ack.reason.length, String(ack.finding)).toBeGreaterThan(40);
  });
});

describe("no silent hangs or losses", () => {
  it("cancels a job stuck RUNNABLE on either queue, with the reason Batch logs", () => {
    const queues = Object.values(synthesized().template.findResources("AWS::Batch::JobQueue"));
    expect(queues).toHaveLength(2);
    for (const q of queues) {
      expect(q.Properties.JobStateTimeLimitActions).toEqual([
        {
          Action: "CANCEL",
          MaxTimeSeconds: 600,
          Reason: "MISCONFIGURATION:JOB_RESOURCE_REQUIREMENT",
          State: "RUNNABLE",
        },
        {
          Action: "CANCEL",
          MaxTimeSeconds: 600,
          Reason: "MISCONFIGURATION:COMPUTE_ENVIRONMENT_MAX_RESOURCE",
          State: "RUNNABLE",
        },
        {
          Action: "CANCEL",
          MaxTimeSeconds: 6 * 3600,
          Reason: "CAPACITY:INSUFFICIENT_INSTANCE_CAPACITY",
          State: "RUNNABLE",
        },
      ]);
    }
  });

  it("sends a trigger invocation that fails after its retries to an encrypted SQS queue", () => {
    const { template } = synthesized();
    const config = Object.values(template.findResources("AWS::Lambda::EventInvokeConfig"));
    expect(config).toHaveLength(1);
    const p = config[0]!.Properties;
    expect(p.FunctionName).toEqual({ Ref: expect.stringMatching(/^Functionstrigger/) });
    expect(p.MaximumRetryAttempts).toBe(2);
    const target = p.DestinationConfig.OnFailure.Destination["Fn::GetAtt"];
    expect(target[0]).toMatch(/^TriggerFailed/);
    for (const [id, q] of Object.entries(template.findResources("AWS::SQS::Queue")))
      expect(q.Properties.SqsManagedSseEnabled, id).toBe(true);
  });
});

describe("tracing and outputs", () => {
  it("traces every function actively (Powertools Tracer in the handlers' shared wrapper)", () => {
    const functions = Object.entries(synthesized().template.findResources("AWS::Lambda::Function")).filter(
      ([id]) => id.startsWith("Functions"),
    );
    expect(functions.length).toBeGreaterThan(8);
    for (const [id, f] of functions) expect(f.Properties.TracingConfig, id).toEqual({ Mode: "Active" });
  });

  it("outputs the bucket, the state machine, the dashboard and console links", () => {
    const outputs = synthesized().template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual([
      "ArtifactBucketName",
      "DashboardUrl",
      "ExecutionsConsoleUrl",
      "GpuJobsConsoleUrl",
      "RunsConsoleUrl",
      "StateMachineArn",
      "TriggerFailuresQueueUrl",
    ]);
    expect(outputs.ArtifactBucketName!.Value).toEqual({ Ref: expect.stringMatching(/^StoreArtifacts/) });
    expect(renderJoin(outputs.DashboardUrl!.Value)).toMatch(
      /^https:\/\/ref:AWS::Region\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=ref:AWS::Region#dashboards\/dashboard\/ref:ObservabilityDashboard/,
    );
    expect(renderJoin(outputs.ExecutionsConsoleUrl!.Value)).toContain(
      "#/statemachines/view/ref:PipelineStateMachine",
    );
  });
});
