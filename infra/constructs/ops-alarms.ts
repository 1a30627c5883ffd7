import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Topic } from 'aws-cdk-lib/aws-sns';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { CUSTOM_METRICS, type CustomMetricName, serviceName } from '#functions/lib/custom-metrics.ts';

/** The CloudWatch namespace of a client's metrics (the functions get it as POWERTOOLS_METRICS_NAMESPACE). */
export function metricsNamespace(client: string): string {
  return `samepage/${client}`;
}

export interface OpsAlarmsProps {
  client: string;
  /** The webhook and web-copy API: its 5xx answers are ingest's and view-packet's failures. */
  api: IHttpApi;
  deadLetterQueues: IQueue[];
}

/**
 * Alarms to one ops topic, each reading one metric (CloudWatch bills an alarm per metric it
 * reads): anything in a dead-letter queue, a 5xx answer of the API, quarantined deliveries, a
 * packet a list or channel did not surely get, a packet held because a source is silent, and no
 * weekly packet sent in 7 days.
 *
 * Function failures are alarmed where they end up, not per function: build-packet and
 * send-packet run asynchronously, so a failure is retried by Lambda and then lands, with its
 * event, in a dead-letter queue (a failure that a retry cures needs no one); ingest and
 * view-packet answer the API, so their crashes, timeouts and handled 500s ("misconfigured") are
 * its 5xx. Both metrics are AWS's own, free.
 */
export class OpsAlarms extends Construct {
  readonly topic: Topic;
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: OpsAlarmsProps) {
    super(scope, id);
    // Unencrypted at rest, on purpose. CloudWatch cannot publish to a topic under the AWS-managed
    // alias/aws/sns key, whose key policy cannot grant cloudwatch.amazonaws.com; it needs a
    // customer-managed key that allows it ("compatibility between event sources from AWS services
    // and encrypted topics", https://docs.aws.amazon.com/sns/latest/dg/sns-key-management.html).
    // That key is $1 a month per client, more with rotation, against the fixed cost issue #21
    // wants down, and it would protect only what CloudWatch writes here: alarm names and
    // descriptions, metric names and numbers, never customer data. The topic policy lets only
    // CloudWatch publish, over TLS only, and no role of this stack has sns:Publish.
    this.topic = new Topic(this, 'Topic', {
      displayName: `samepage ${props.client} ops`,
      enforceSSL: true,
    });
    // A topic policy replaces SNS's default one, so CloudWatch gets its own Allow, for this
    // account's alarms only (https://repost.aws/knowledge-center/cloudwatch-receive-sns-for-alarm-trigger).
    const stack = Stack.of(this);
    const alarms = stack.formatArn({
      service: 'cloudwatch',
      resource: 'alarm',
      resourceName: '*',
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    });
    this.topic.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowThisAccountsAlarms',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': alarms },
        },
      }),
    );
    // cdk-nag's AwsSolutions pack (run on every synth) has no SNS encryption rule; the packs that
    // do (HIPAA, NIST 800-53, PCI DSS) get the same reason, should a reviewer run them.
    const reason =
      "The ops topic carries CloudWatch alarm notifications only: its policy allows cloudwatch.amazonaws.com for this account's alarms and refuses requests without TLS, and no role of the stack has sns:Publish. A notification holds alarm names, descriptions, metric names and numbers, never customer data. CloudWatch cannot publish to a topic under the AWS-managed SNS key, and a customer-managed key would add a fixed monthly cost per client to protect no customer data.";
    for (const id of [
      'HIPAA.Security::HIPAA.Security-SNSEncryptedKMS',
      'NIST.800.53.R4::NIST.800.53.R4-SNSEncryptedKMS',
      'NIST.800.53.R5::NIST.800.53.R5-SNSEncryptedKMS',
      'PCI.DSS.321::PCI.DSS.321-SNSEncryptedKMS',
    ]) {
      Validations.of(this.topic).acknowledge({ id, reason });
    }
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
        'A scheduled build or a packet send failed all its retries: the queue holds its event (replay it with aws lambda invoke); the function log says why.',
      );
    }
    alarm(
      'ServerErrors',
      props.api.metricServerError({ period: Duration.minutes(5), statistic: 'Sum' }),
      'The webhook API answered 5xx: ingest (or the web copy) failed or is misconfigured, and senders are retrying. See the ingest log ("delivery failed").',
    );

    // Counted by the functions themselves (Powertools metrics, one namespace per client), under
    // the names functions/lib/custom-metrics.ts lists.
    const listed = (metricName: CustomMetricName, period: Duration) =>
      new Metric({
        namespace: metricsNamespace(props.client),
        metricName,
        dimensionsMap: { service: serviceName(CUSTOM_METRICS[metricName].emittedBy) },
        statistic: 'Sum',
        period,
      });
    alarm(
      CUSTOM_METRICS.DeliveriesQuarantined.alarm,
      listed('DeliveriesQuarantined', Duration.hours(1)),
      'Verified deliveries did not validate and were quarantined: fix the mapping, then samepage replay.',
    );
    alarm(
      CUSTOM_METRICS.RecipientsNotConfirmed.alarm,
      listed('RecipientsNotConfirmed', Duration.minutes(5)),
      'A packet did not surely reach a list or channel. "packet not delivered" in the send-packet log: SES or a Slack or Teams webhook (deleted: 404/410) refused it for good; fix it and resend. "packet delivery not confirmed": the mail may have gone out but its sending was not recorded; check SES before resending.',
    );
    // Counted on every scheduled check that finds the packet still held, so it stays in ALARM
    // (one notification) until the hold is released.
    alarm(
      CUSTOM_METRICS.PacketsHeld.alarm,
      listed('PacketsHeld', Duration.days(1)),
      'packet held: source silent — see the build-packet logs for which source; release with samepage send --release-hold <your name>',
    );
    // Seven daily datapoints in a row without a complete weekly send: its deadline has passed. A
    // held weekly packet alarms here too after 7 days (PacketHeld has said why): folding the
    // holds in would take a second metric in this alarm and a metric of its own, for one fewer
    // notification.
    alarm(
      CUSTOM_METRICS.WeeklyPacketsSent.alarm,
      listed('WeeklyPacketsSent', Duration.days(1)),
      'No weekly packet was sent to every list in the last 7 days. If PacketHeld is in alarm too, the hold is why.',
      // Breaching when there is no data at all: the weekly count is only published when sent.
      { missing: TreatMissingData.BREACHING, periods: 7, below: true },
    );
  }
}
