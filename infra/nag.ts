/**
 * cdk-nag's AwsSolutions pack over the stack, with every acknowledged finding listed here with its
 * reason. cdk-nag 3 acknowledges exact finding ids (`AwsSolutions-IAM5[Resource::…]`), which embed
 * generated logical ids; so each entry below is a pattern over finding ids (and construct paths),
 * and `acknowledgeNagFindings` acknowledges, on the violating construct, each finding a pattern
 * covers. Anything not covered stays a violation and fails `cdk synth`.
 */
import { type Stack, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import type { IConstruct } from "constructs";

export interface NagAcknowledgment {
  /** Finding ids it covers. */
  readonly finding: RegExp;
  /** Construct paths (under the stack) it covers; any when absent. */
  readonly path?: RegExp;
  readonly reason: string;
}

export const NAG_ACKNOWLEDGMENTS: NagAcknowledgment[] = [
  {
    finding: /^AwsSolutions-IAM5\[Resource::<StoreArtifacts[0-9A-F]+\.Arn>\/(runs|datasets|models)\/.*\]$/,
    reason:
      "Run data lives under per-run keys (runs/<runId>/…) made at run time, so object grants are prefix patterns in the one artifact bucket (runs/*, datasets/*, models/*, runs/*/status.json …), never the whole bucket or s3:*.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:s3:::<StoreArtifacts[0-9A-F]+>\/\*\]$/,
    path: /^Pipeline\/StateMachine\//,
    reason:
      "The Distributed Map's ItemReader and ResultWriter (granted by CDK) read shards.json under runs/ and write map-results/; CDK scopes them to the bucket's objects, and the run id is only known at run time.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::<Functions[A-Za-z0-9]+\.Arn>:\*\]$/,
    reason:
      "Lambda invoke grants cover the function's versions and aliases (<arn>:*); the function itself is named.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /^Pipeline\/StateMachine\//,
    reason:
      "X-Ray tracing of the state machine (xray:PutTraceSegments, PutTelemetryRecords, GetSampling*), CloudWatch Logs delivery (logs:CreateLogDelivery …) and batch:DescribeJobs (the .sync tasks' polling) do not support resource-level permissions.",
  },
  {
    finding: /^AwsSolutions-IAM5\[Resource::\*\]$/,
    path: /^Functions\/[a-z0-9]+-role\//,
    reason:
      "Active tracing (CDK) lets each function send its X-Ray segments: xray:PutTraceSegments and PutTelemetryRecords do not support resource-level permissions.",
  },
  {
    finding:
      /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job\/\*\]$/,
    path: /^Pipeline\/StateMachine\//,
    reason:
      "A Batch .sync task terminates its job when the execution is stopped; job ids are made at submit time, so the grant is job/* in this account and region.",
  },
  {
    finding:
      /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:batch:<AWS::Region>:<AWS::AccountId>:job-definition\/\*\]$/,
    reason:
      "BatchSubmitJob (CDK) grants batch:SubmitJob on job-definition/* because every update registers a new revision (name:N); the job queues are named.",
  },
  {
    finding:
      /^AwsSolutions-IAM5\[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:.*:\*\]$/,
    reason:
      "Executions are created at run time: the trigger's DescribeExecution and the loop continuation are scoped to execution:<this state machine>:*.",
  },
  {
    finding:
      /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AmazonEC2ContainerServiceforEC2Role\]$/,
    reason:
      "The Batch GPU hosts' instance role needs AmazonEC2ContainerServiceforEC2Role (the ECS agent), as AWS Batch documents; jobs run under their own scoped job roles.",
  },
  {
    finding:
      /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSBatchServiceRole\]$/,
    reason: "AWS Batch's service role for managed compute environments, as AWS Batch documents.",
  },
  {
    finding:
      /^AwsSolutions-IAM4\[Policy::arn:<AWS::Partition>:iam::aws:policy\/service-role\/AWSLambdaBasicExecutionRole\]$/,
    path: /^BucketNotificationsHandler[0-9a-f]+\//,
    reason:
      "CDK's own singleton that switches on the bucket's EventBridge notifications at deploy time (eventBridgeEnabled); it only writes its logs.",
  },
  {
    finding: /^AwsSolutions-S1$/,
    path: /^Store\/AccessLogs\//,
    reason: "This is the server access log bucket itself; logging it into itself would loop.",
  },
  {
    finding: /^AwsSolutions-SQS3$/,
    path: /^Trigger\/(Undelivered|Failed)\//,
    reason:
      "These queues are the trigger's dead-letter queue and its on-failure destination; they need none of their own.",
  },
  {
    finding: /^AwsSolutions-SNS2$/,
    path: /^Observability\/Alarms\//,
    reason:
      "Alarm notifications carry no data; CloudWatch alarms cannot publish to a topic under the AWS-managed SNS key, and a customer key adds cost for nothing.",
  },
];

/**
 * Findings on grants CDK adds late (at synthesis, after `acknowledgeNagFindings` has run) whose ids
 * hold no generated names: acknowledged up front on the construct that will hold them.
 */
export const LATE_ACKNOWLEDGMENTS: { path: string; id: string; reason: string }[] = [
  {
    path: "Worker",
    id: "AwsSolutions-IAM5[Resource::*]",
    reason:
      "The job execution roles pull the worker image: ecr:GetAuthorizationToken has no resource-level permissions (the pull itself is scoped to the asset repository); the job roles grant no '*'.",
  },
];

export function nagChecks(): AwsSolutionsChecks {
  return new AwsSolutionsChecks(undefined, { verbose: true });
}

function byPath(stack: Stack): Map<string, IConstruct> {
  return new Map(stack.node.findAll().map((c) => [c.node.path, c]));
}

/** Runs the pack once and acknowledges, on each violating construct, the findings a pattern covers. */
export function acknowledgeNagFindings(stack: Stack, acknowledgments = NAG_ACKNOWLEDGMENTS): void {
  for (const late of LATE_ACKNOWLEDGMENTS) {
    const scope = stack.node.tryFindChild(late.path);
    if (!scope) throw new Error(`nag acknowledgment for a missing construct: ${late.path}`);
    Validations.of(scope).acknowledge({ id: late.id, reason: late.reason });
  }
  const constructs = byPath(stack);
  const prefix = `${stack.node.path}/`;
  for (const violation of nagChecks().validateScope(stack).violations) {
    for (const resource of violation.violatingResources) {
      const full = resource.constructPath ?? "";
      const path = full.startsWith(prefix) ? full.slice(prefix.length) : full;
      const ack = acknowledgments.find(
        (a) => a.finding.test(violation.ruleName) && (a.path?.test(path) ?? true),
      );
      const construct = constructs.get(full);
      if (ack && construct)
        Validations.of(construct).acknowledge({ id: violation.ruleName, reason: ack.reason });
    }
  }
}
