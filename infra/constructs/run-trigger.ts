/**
 * A run starts when its manifest lands: an EventBridge rule on the bucket's "Object Created"
 * events under `runs/…/manifest.json` invokes the trigger function, which validates the manifest
 * and starts (at most once) the state machine.
 */
import { Duration } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sqs from "aws-cdk-lib/aws-sqs";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { StageFunctions } from "./stage-functions.ts";

export interface RunTriggerProps {
  readonly bucket: s3.IBucket;
  readonly stateMachine: sfn.IStateMachine;
  readonly stateMachineName: string;
  readonly functions: StageFunctions;
}

/** The event pattern: only `runs/<anything>/manifest.json` in this bucket. */
export function manifestCreatedPattern(bucketName: string): events.EventPattern {
  return {
    source: ["aws.s3"],
    detailType: ["Object Created"],
    detail: {
      bucket: { name: [bucketName] },
      object: { key: [{ wildcard: "runs/*/manifest.json" }] },
    },
  };
}

export class RunTrigger extends Construct {
  readonly rule: events.Rule;
  /** Events EventBridge could not deliver to the trigger. */
  readonly deadLetters: sqs.Queue;
  /** Trigger invocations that failed after Lambda's asynchronous retries (on-failure destination). */
  readonly failedInvocations: sqs.Queue;

  constructor(scope: Construct, id: string, props: RunTriggerProps) {
    super(scope, id);
    const fn = props.functions.fn("trigger", { STATE_MACHINE_ARN: props.stateMachine.stateMachineArn });
    const bucketArn = props.bucket.bucketArn;
    // Reads the manifest version named in the event; reads, writes and lists only status.json.
    StageFunctions.allowObjects(fn, bucketArn, "runs/*/manifest.json", [
      "s3:GetObject",
      "s3:GetObjectVersion",
    ]);
    StageFunctions.allowObjects(fn, bucketArn, "runs/*/status.json", ["s3:GetObject", "s3:PutObject"]);
    // A new run has no status.json: S3 answers its GET with 404 only to a role that may list the key.
    StageFunctions.allowList(fn, bucketArn, ["runs/*/status.json"]);
    props.stateMachine.grantStartExecution(fn);
    StageFunctions.allowExecutions(fn, props.stateMachineName, ["states:DescribeExecution"]);

    this.deadLetters = new sqs.Queue(this, "Undelivered", {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    // EventBridge invokes the trigger asynchronously: an invocation that still fails after Lambda's
    // retries (S3 or Step Functions down, a bug) lands here with its event, instead of vanishing.
    this.failedInvocations = new sqs.Queue(this, "Failed", {
      retentionPeriod: Duration.days(14),
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
    fn.configureAsyncInvoke({
      onFailure: new destinations.SqsDestination(this.failedInvocations),
      retryAttempts: 2,
      maxEventAge: Duration.hours(6),
    });
    this.rule = new events.Rule(this, "ManifestCreated", {
      description: "r1flow: a run's manifest.json was uploaded",
      eventPattern: manifestCreatedPattern(props.bucket.bucketName),
      targets: [
        new targets.LambdaFunction(fn, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
          deadLetterQueue: this.deadLetters,
        }),
      ],
    });
  }
}
