/**
 * The run's state machine (Standard: redrivable, up to a year, every step in the console), built
 * from the recipe by `pipeline/definition.ts`, with the success and failure paths every stage
 * shares: each writes `status.json` through the `status` function.
 */
import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import type * as batch from "aws-cdk-lib/aws-batch";
import * as iam from "aws-cdk-lib/aws-iam";
import * as logs from "aws-cdk-lib/aws-logs";
import type * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { InfraConfig } from "../config.ts";
import { buildDefinition } from "../pipeline/definition.ts";
import { invoke, type PipelineParts } from "../pipeline/parts.ts";
import type { StageFunctions } from "./stage-functions.ts";
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
    const failures = new Map<string, sfn.State>();
    const parts: PipelineParts = { scope: this, ...props, failureFor: (stageId) => failureFor(stageId) };

    const runFailed = new sfn.Fail(this, "run failed", {
      errorPath: "$.error.Error",
      causePath: "$.error.Cause",
    });
    const recordFailure = invoke(
      parts,
      "record failure",
      "status",
      sfn.TaskInput.fromObject({
        action: "run",
        runUri: sfn.JsonPath.stringAt("$.runUri"),
        status: "failed",
        stage: sfn.JsonPath.stringAt("$.failed.stage"),
        error: sfn.JsonPath.objectAt("$.error"),
      }),
      { resultPath: null, comment: "status.json: failed, with the stage and the cause" },
    );
    recordFailure.addCatch(runFailed, { resultPath: "$.statusError" });
    recordFailure.next(runFailed);
    const failureFor = (stageId: string): sfn.State => {
      const existing = failures.get(stageId);
      if (existing) return existing;
      const marked = new sfn.Pass(this, `${stageId} failed`, {
        result: sfn.Result.fromObject({ stage: stageId }),
        resultPath: "$.failed",
      });
      marked.next(recordFailure);
      failures.set(stageId, marked);
      return marked;
    };

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
    recordSuccess.addCatch(failureFor("report"), { resultPath: "$.error" });
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
  }
}
