/**
 * The stack's Outputs: what a user needs after `cdk deploy` — where to upload a manifest, the state
 * machine, the dashboard, and console links to watch runs, GPU jobs and undelivered trigger events.
 */
import { Aws, CfnOutput, type Stack } from "aws-cdk-lib";
import type * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type * as s3 from "aws-cdk-lib/aws-s3";
import type * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";

export interface OutputsProps {
  readonly bucket: s3.IBucket;
  readonly stateMachine: sfn.IStateMachine;
  readonly dashboard: cloudwatch.Dashboard;
  readonly triggerFailures: sqs.IQueue;
}

const consoleUrl = (service: string, fragment: string) =>
  `https://${Aws.REGION}.console.aws.amazon.com/${service}/home?region=${Aws.REGION}#${fragment}`;

export function addOutputs(stack: Stack, props: OutputsProps): void {
  const out = (id: string, value: string, description: string) =>
    new CfnOutput(stack, id, { value, description });
  out(
    "ArtifactBucketName",
    props.bucket.bucketName,
    "Upload s3://<bucket>/runs/<runId>/manifest.json to start a run",
  );
  out("StateMachineArn", props.stateMachine.stateMachineArn, "The run state machine (one execution per run)");
  out(
    "DashboardUrl",
    consoleUrl("cloudwatch", `dashboards/dashboard/${props.dashboard.dashboardName}`),
    "Executions, stage durations, reward, accuracy, KL and GPU hours",
  );
  out(
    "ExecutionsConsoleUrl",
    consoleUrl("states", `/statemachines/view/${props.stateMachine.stateMachineArn}`),
    "The state machine's executions: each run's steps, inputs and errors",
  );
  out(
    "RunsConsoleUrl",
    `https://s3.console.aws.amazon.com/s3/buckets/${props.bucket.bucketName}?region=${Aws.REGION}&prefix=runs/`,
    "The runs in the artifact bucket (status.json, stage outputs, report)",
  );
  out(
    "GpuJobsConsoleUrl",
    consoleUrl("batch", "jobs"),
    "AWS Batch GPU jobs (status reasons, attempts, logs)",
  );
  out(
    "TriggerFailuresQueueUrl",
    props.triggerFailures.queueUrl,
    "Trigger events that were not delivered, or whose invocation failed after its retries",
  );
}
