/**
 * One dashboard per deployment (executions, stage durations, reward, accuracy, KL, GPU hours) and
 * an alarm on failed executions. The training metrics come from the worker's embedded-metric-format
 * lines and the Lambda handlers' Powertools metrics, all in the `r1flow` namespace (`metrics.ts`).
 */
import { Duration, Stack } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import { METRIC, METRICS_NAMESPACE } from "../metrics.ts";

export interface ObservabilityProps {
  readonly stateMachine: sfn.IStateMachine;
  readonly alarmEmail?: string;
}

/** Every series of `metricName` in the namespace, whatever its dimensions (stage, run, …). */
function search(metricName: string, stat: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('{${METRICS_NAMESPACE}} MetricName="${metricName}"', '${stat}', 300)`,
    label,
    period: Duration.minutes(5),
  });
}

export class Observability extends Construct {
  readonly dashboard: cloudwatch.Dashboard;
  readonly failedAlarm: cloudwatch.Alarm;
  readonly alarmTopic: sns.Topic;

  constructor(scope: Construct, id: string, props: ObservabilityProps) {
    super(scope, id);
    const sm = props.stateMachine;
    this.alarmTopic = new sns.Topic(this, "Alarms", { enforceSSL: true });
    if (props.alarmEmail)
      this.alarmTopic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    this.failedAlarm = new cloudwatch.Alarm(this, "FailedRuns", {
      alarmDescription:
        "An r1flow execution failed: see status.json of the run and the execution's failed step",
      metric: sm.metricFailed({ period: Duration.minutes(5), statistic: "Sum" }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    this.failedAlarm.addAlarmAction(new actions.SnsAction(this.alarmTopic));

    const graph = (title: string, metrics: cloudwatch.IMetric[], width = 12) =>
      new cloudwatch.GraphWidget({ title, left: metrics, width, height: 6 });
    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", {
      dashboardName: `${Stack.of(this).stackName}-runs`,
      defaultInterval: Duration.days(7),
    });
    this.dashboard.addWidgets(
      graph("Executions", [
        sm.metricStarted({ label: "started" }),
        sm.metricSucceeded({ label: "succeeded" }),
        sm.metricFailed({ label: "failed" }),
      ]),
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: [this.failedAlarm], width: 12, height: 6 }),
    );
    this.dashboard.addWidgets(
      graph("Stage duration, GPU stages (s)", [search(METRIC.stageDuration, "Maximum", "")]),
      graph("Stage duration, Lambda stages (s)", [search(METRIC.lambdaStageDuration, "Maximum", "")]),
    );
    this.dashboard.addWidgets(
      graph("Reward mean", [search(METRIC.rewardMean, "Average", "")], 8),
      graph("Accuracy", [search(METRIC.accuracy, "Average", "")], 8),
      graph("KL to reference", [search(METRIC.kl, "Average", "")], 8),
    );
    this.dashboard.addWidgets(graph("GPU hours", [search(METRIC.gpuHours, "Sum", "")], 24));
  }
}
