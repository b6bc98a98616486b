/**
 * The run's state machine (Standard: redrivable, up to a year, every step in the console), built
 * from the recipe by `pipeline/definition.ts`. Success is written to `status.json` by the last
 * state; a failure is not caught (so a redrive re-runs the failed state): an EventBridge rule on the
 * execution's end (FAILED, TIMED_OUT, ABORTED) hands it to the `status` function, which finds the
 * stage in the execution's history and writes `failed` with it and the cause.
 */
import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as batch from "aws-cdk-lib/aws-batch";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { ENDED_STATUSES } from "../../functions/trigger/execution-ended.ts";
import type { InfraConfig } from "../config.ts";
import { buildDefinition } from "../pipeline/definition.ts";
import { invoke, type PipelineParts } from "../pipeline/parts.ts";
import { StageFunctions } from "./stage-functions.ts";
import type { WorkerJobs } from "./worker-jobs.ts";

export interface PipelineProps {
  readonly config: InfraConfig;
  readonly bucket: s3.IBucket;
  readonly functions: StageFunctions;
  readonly jobs: WorkerJobs;
  readonly spotQueue: batch.IJobQueue;
  readonly onDemandQueue: batch.IJobQueue;
}

export class Pipeline extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly stateMachineName: string;

  constructor(scope: Construct, id: string, props: PipelineProps) {
    super(scope, id);
    // A fixed name lets the GRPO loop start this same machine without a reference cycle.
    this.stateMachineName = `${Stack.of(this).stackName}-run`;
    const parts: PipelineParts = { scope: this, ...props };

    const recordSuccess = invoke(
      parts,
      "record success",
      "status",
      sfn.TaskInput.fromObject({
        action: "run",
        runUri: sfn.JsonPath.stringAt("$.runUri"),
        status: "succeeded",
      }),
      { resultPath: null, comment: "status.json: succeeded" },
    );
    recordSuccess.next(new sfn.Succeed(this, "run succeeded"));

    const definition = buildDefinition(parts, this.stateMachineName, recordSuccess);
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      stateMachineName: this.stateMachineName,
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      comment: "r1flow: one run of the DeepSeek-R1 recipe (see docs/deploy.md)",
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, "Logs", {
          retention: props.config.logRetentionDays,
          removalPolicy: RemovalPolicy.DESTROY,
        }),
        level: sfn.LogLevel.ALL,
        includeExecutionData: false,
      },
      timeout: Duration.days(30),
    });
    // Batch `.sync` tasks poll their job and stop it when the execution stops (CDK grants only
    // SubmitJob and the managed rule); DescribeJobs has no resource-level permissions.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["batch:DescribeJobs"], resources: ["*"] }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ["batch:TerminateJob"],
        resources: [Stack.of(this).formatArn({ service: "batch", resource: "job", resourceName: "*" })],
      }),
    );
    this.recordEnds(props.functions);
  }

  /** status.json says `failed` (with the stage) when an execution fails, times out or is stopped. */
  private recordEnds(functions: StageFunctions): void {
    const status = functions.fn("status");
    new events.Rule(this, "ExecutionEnded", {
      description: "r1flow: a run's execution ended unsuccessfully; the status function records it",
      eventPattern: {
        source: ["aws.states"],
        detailType: ["Step Functions Execution Status Change"],
        detail: { status: [...ENDED_STATUSES], stateMachineArn: [this.stateMachine.stateMachineArn] },
      },
      targets: [
        new targets.LambdaFunction(status, {
          event: events.RuleTargetInput.fromObject({
            action: "ended",
            detail: events.EventField.fromPath("$.detail"),
          }),
          retryAttempts: 8,
          maxEventAge: Duration.hours(6),
        }),
      ],
    });
    // The lookup reads the history of this machine's executions only.
    StageFunctions.allowExecutions(status, this.stateMachineName, ["states:GetExecutionHistory"]);
  }
}
