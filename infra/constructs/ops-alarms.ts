import { Duration } from 'aws-cdk-lib';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { Alias } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OpsAlarmsProps {
  client: string;
  functions: IFunction[];
  deadLetterQueues: IQueue[];
  ingestLogs: ILogGroup;
  sendLogs: ILogGroup;
}

/**
 * Alarms to one ops topic: anything in a dead-letter queue, any function error, quarantined
 * deliveries, a packet a list did not get, and no weekly packet sent in 7 days.
 */
export class OpsAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    this.topic = new Topic(this, 'Topic', {
      displayName: `samepage ${props.client} ops`,
      enforceSSL: true,
      masterKey: Alias.fromAliasName(this, 'SnsKey', 'alias/aws/sns'),
    });
    const action = new SnsAction(this.topic);
    const alarm = (
      name: string,
      metric: IMetric,
      description: string,
      options: Partial<{ missing: TreatMissingData; periods: number; below: boolean }> = {},
    ) => {
      const created = new Alarm(this, name, {
        metric,
        threshold: options.below ? 1 : 0,
        comparisonOperator: options.below
          ? ComparisonOperator.LESS_THAN_THRESHOLD
          : ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: options.periods ?? 1,
        treatMissingData: options.missing ?? TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      created.addAlarmAction(action);
      this.alarms.push(created);
    };

    for (const [index, queue] of props.deadLetterQueues.entries()) {
      alarm(
        `DeadLetters${index}`,
        queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
        'A scheduled build or a packet send failed all its retries: see the queue.',
      );
    }
    for (const [index, fn] of props.functions.entries()) {
      alarm(
        `Errors${index}`,
        fn.metricErrors({ period: Duration.minutes(5) }),
        'A samepage function failed: see its log group.',
      );
    }

    const namespace = `samepage/${props.client}`;
    const fromLogs = (name: string, logGroup: ILogGroup, pattern: string) =>
      new MetricFilter(this, `${name}Filter`, {
        logGroup,
        filterPattern: FilterPattern.literal(pattern),
        metricNamespace: namespace,
        metricName: name,
        metricValue: '1',
      });
    fromLogs(
      'QuarantinedDeliveries',
      props.ingestLogs,
      '{ $.message = "delivery" && $.status = "quarantined" }',
    );
    alarm(
      'Quarantined',
      new Metric({
        namespace,
        metricName: 'QuarantinedDeliveries',
        statistic: 'Sum',
        period: Duration.hours(1),
      }),
      'Verified deliveries did not validate and were quarantined: fix the mapping, then samepage replay.',
    );
    fromLogs('PacketNotDelivered', props.sendLogs, '{ $.message = "packet not delivered" }');
    alarm(
      'NotDelivered',
      new Metric({
        namespace,
        metricName: 'PacketNotDelivered',
        statistic: 'Sum',
        period: Duration.minutes(5),
      }),
      'SES refused a packet for good for at least one list: see the send-packet log.',
    );
    fromLogs('WeeklyPacketsSent', props.sendLogs, '{ $.message = "packet sent" && $.cadence = "weekly" }');
    alarm(
      'WeeklyNotSent',
      new Metric({ namespace, metricName: 'WeeklyPacketsSent', statistic: 'Sum', period: Duration.days(1) }),
      'No weekly packet was sent in the last 7 days: its deadline has passed.',
      { missing: TreatMissingData.BREACHING, periods: 7, below: true },
    );
  }
}
