import * as z from 'zod';
import { CUSTOM_METRICS } from '#functions/lib/custom-metrics.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { BUILD_PACKET_MEMORY_MB } from '#shared/config/schema.ts';
import type { StackTemplate } from '../infra/synth.ts';

/**
 * The monthly AWS cost of one client: metered, from the request units and times this bench
 * measured, and fixed, from the resources of the client's synthesized stack and the custom
 * metrics its functions may publish (functions/lib/custom-metrics.ts); at AWS's published
 * us-east-1 prices. Free tiers are left out (a client stack shares its account's). Every
 * assumption is a named constant, printed with the result.
 */

export interface Price {
  item: string;
  usd: number;
  per: string;
  source: string;
}

export const PRICES = {
  writeRequestUnit: {
    item: 'DynamoDB on-demand write request unit',
    usd: 0.625 / 1e6,
    per: 'WRU',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  readRequestUnit: {
    item: 'DynamoDB on-demand read request unit',
    usd: 0.125 / 1e6,
    per: 'RRU',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  storage: {
    item: 'DynamoDB Standard storage',
    usd: 0.25,
    per: 'GB-month',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/',
  },
  pitr: {
    item: 'DynamoDB point-in-time recovery',
    usd: 0.2,
    per: 'GB-month',
    source: 'https://aws.amazon.com/dynamodb/pricing/on-demand/ (not confirmed on a stored copy of the page)',
  },
  lambdaRequest: {
    item: 'Lambda request',
    usd: 0.2 / 1e6,
    per: 'request',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  lambdaArmSecond: {
    item: 'Lambda arm64 duration',
    usd: 0.0000133334,
    per: 'GB-second',
    source: 'https://aws.amazon.com/lambda/pricing/',
  },
  httpApiRequest: {
    item: 'API Gateway HTTP API request (per 512 KB)',
    usd: 1 / 1e6,
    per: 'request',
    source: 'https://aws.amazon.com/api-gateway/pricing/',
  },
  schedulerInvocation: {
    item: 'EventBridge Scheduler invocation',
    usd: 1 / 1e6,
    per: 'invocation',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  customEvent: {
    item: 'EventBridge custom event (per 64 KB)',
    usd: 1 / 1e6,
    per: 'event',
    source: 'https://aws.amazon.com/eventbridge/pricing/',
  },
  sesEmail: {
    item: 'SES outbound email, Essentials plan (the default for new accounts since 2026-07-21; $0.10 à la carte)',
    usd: 0.16 / 1000,
    per: 'email',
    source: 'https://aws.amazon.com/ses/pricing/',
  },
  sesAttachment: {
    item: 'SES attachments',
    usd: 0.12,
    per: 'GB',
    source: 'https://aws.amazon.com/ses/pricing/',
  },
  logIngestion: {
    item: 'CloudWatch Logs ingestion',
    usd: 0.5,
    per: 'GB',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  secret: {
    item: 'Secrets Manager secret',
    usd: 0.4,
    per: 'secret-month',
    source: 'https://aws.amazon.com/secrets-manager/pricing/',
  },
  advancedParameter: {
    item: 'Systems Manager Parameter Store advanced parameter (standard parameters: no charge)',
    usd: 0.05,
    per: 'parameter-month',
    source: 'https://aws.amazon.com/systems-manager/pricing/',
  },
  kmsKey: {
    item: 'KMS customer managed key (AWS managed keys: no monthly charge)',
    usd: 1,
    per: 'key-month',
    source: 'https://aws.amazon.com/kms/pricing/',
  },
  alarmMetric: {
    item: 'CloudWatch standard-resolution alarm, per metric it reads (a metric-math alarm: each metric in it)',
    usd: 0.1,
    per: 'alarm metric-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  highResolutionAlarmMetric: {
    item: 'CloudWatch high-resolution alarm (period under 60 s), per metric it reads',
    usd: 0.3,
    per: 'alarm metric-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  compositeAlarm: {
    item: 'CloudWatch composite alarm',
    usd: 0.5,
    per: 'alarm-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  dashboard: {
    item: 'CloudWatch dashboard',
    usd: 3,
    per: 'dashboard-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  customMetric: {
    item: 'CloudWatch custom metric (name × dimension set), prorated by the hours it is published in',
    usd: 0.3,
    per: 'metric-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
} satisfies Record<string, Price>;

/**
 * The resource types a client stack holds that cost nothing by the month: what they cost is
 * metered per use (priced above from the bench's measurements) or nothing. A type in neither this
 * list nor the priced ones stops the cost model, so a new kind of resource is priced on purpose.
 */
export const NO_MONTHLY_CHARGE: Record<string, string> = {
  'AWS::DynamoDB::Table': 'on-demand: reads, writes, storage and PITR are metered',
  'AWS::Lambda::Function': 'requests and duration are metered',
  'AWS::Lambda::EventInvokeConfig': 'configuration of a function',
  'AWS::Lambda::Permission': 'configuration of a function',
  'AWS::IAM::Role': 'IAM has no charge',
  'AWS::IAM::Policy': 'IAM has no charge',
  'AWS::Logs::LogGroup': 'ingestion is metered; a month of retention is left out',
  'AWS::SQS::Queue': 'per request; an empty dead-letter queue costs nothing',
  'AWS::SQS::QueuePolicy': 'configuration of a queue',
  'AWS::Scheduler::Schedule': 'per invocation, metered',
  'AWS::Events::EventBus': 'per event, metered',
  'AWS::Events::Rule': 'matching is free; the events are metered',
  'AWS::ApiGatewayV2::Api': 'HTTP API: per request, metered',
  'AWS::ApiGatewayV2::Integration': 'configuration of the API',
  'AWS::ApiGatewayV2::Route': 'configuration of the API',
  'AWS::ApiGatewayV2::Stage': 'configuration of the API',
  'AWS::SNS::Topic': 'per notification: alarms only, a few a month',
  'AWS::SNS::TopicPolicy': 'configuration of a topic',
  'AWS::CDK::Metadata': "the CDK's version report, not an AWS resource",
};

/** What the model takes from the measurements. */
export interface CostInputs {
  /** Per event, from the ingest run with one event per delivery (the costly case). */
  ingest: {
    readUnitsPerEvent: number;
    writeUnitsPerEvent: number;
    /** Local p50 of one delivery end to end, ms. */
    p50Ms: number;
    /** Bytes kept per event (raw delivery + entity item, with their index copies). */
    storedBytesPerEvent: number;
  };
  /** Per packet, at the scale closest to the volume being priced. */
  packets: { cadence: string; readUnits: number; wallMs: number; csvBytes: number }[];
}

export const ASSUMPTIONS = {
  deliveriesPerEvent: 1,
  ingestMemoryGb: 0.5,
  /** build-packet's default memory (`buildPacket.memoryMb`). */
  buildMemoryGb: BUILD_PACKET_MEMORY_MB / 1024,
  /**
   * Lambda gives a function CPU in proportion to its memory, one vCPU at 1,769 MB
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html): a build measured on
   * one full core here takes 1,769 / memory times as long below that.
   */
  fullCpuMemoryMb: 1769,
  sendMemoryGb: 0.5,
  /** DynamoDB round trips per delivery in AWS (put raw, read entity, put entity) at ~8 ms each. */
  dynamoRoundTripMs: 8,
  dynamoRoundTripsPerDelivery: 3,
  logBytesPerDelivery: 1500,
  recipients: 5,
  packetsPerMonth: { weekly: 52 / 12, monthly: 1, quarterly: 1 / 3 } as Record<string, number>,
  /** Monthly and quarterly schedules fire each business weekday and build only on their day. */
  scheduleFiringsPerMonth: 52 / 12 + 2 * 22,
  sendSecondsPerPacket: 2,
  /** The client whose synthesized stack gives the fixed items. */
  fixedCostClient: 'demo',
} as const;

export interface CostLine {
  item: string;
  usd: number;
}

/** A fixed monthly item: how many of what the template (or the metric list) holds, at what price. */
export interface FixedCostLine extends CostLine {
  quantity: number;
  price: Price;
}

export interface CostEstimate {
  eventsPerMonth: number;
  metered: CostLine[];
  meteredTotal: number;
  fixed: FixedCostLine[];
  fixedTotal: number;
}

const alarmSchema = z.object({
  MetricName: z.string().optional(),
  Period: z.number().optional(),
  ThresholdMetricId: z.string().optional(),
  Metrics: z
    .array(
      z.object({
        Expression: z.string().optional(),
        MetricStat: z.object({ Period: z.number() }).optional(),
      }),
    )
    .optional(),
});
const parameterSchema = z.object({ Tier: z.string().optional() });

/** What each alarm reads, in metrics: the one it names, or each metric of its metric math. */
function alarmMetrics(properties: unknown): { standard: number; highResolution: number } {
  const alarm = alarmSchema.parse(properties);
  if (alarm.ThresholdMetricId)
    throw new Error('An anomaly-detection alarm is not priced by bench/cost.ts yet');
  const periods = alarm.MetricName
    ? [alarm.Period ?? 60]
    : (alarm.Metrics ?? []).flatMap((query) => (query.MetricStat ? [query.MetricStat.Period] : []));
  const highResolution = periods.filter((period) => period < 60).length;
  return { standard: periods.length - highResolution, highResolution };
}

/**
 * The fixed monthly items of a client stack: what its template creates that is charged by the
 * month (secrets, advanced parameters, customer managed keys, alarms by the metrics they read,
 * dashboards), and the custom metrics functions/lib/custom-metrics.ts lists. Each custom metric
 * is priced at a full month, an upper bound: it is billed only in the hours it is published, and
 * it is published only when its count is above zero (a healthy month: the weekly send's 4 or 5).
 */
export function fixedCosts(template: StackTemplate): FixedCostLine[] {
  const resources = Object.values(template.Resources);
  const ofType = (type: string) => resources.filter((resource) => resource.Type === type);
  const priced = new Set([
    'AWS::SecretsManager::Secret',
    'AWS::SSM::Parameter',
    'AWS::KMS::Key',
    'AWS::CloudWatch::Alarm',
    'AWS::CloudWatch::CompositeAlarm',
    'AWS::CloudWatch::Dashboard',
  ]);
  const unknown = [...new Set(resources.map((resource) => resource.Type))].filter(
    (type) => !priced.has(type) && NO_MONTHLY_CHARGE[type] === undefined,
  );
  if (unknown.length > 0) {
    throw new Error(
      `bench/cost.ts does not know whether ${unknown.join(', ')} cost by the month: price it or add it to NO_MONTHLY_CHARGE`,
    );
  }
  const alarms = ofType('AWS::CloudWatch::Alarm').map((alarm) => alarmMetrics(alarm.Properties));
  const line = (quantity: number, price: Price, what: string): FixedCostLine => ({
    item: `${quantity} ${what}`,
    quantity,
    price,
    usd: quantity * price.usd,
  });
  const lines = [
    line(ofType('AWS::SecretsManager::Secret').length, PRICES.secret, 'Secrets Manager secrets'),
    line(
      ofType('AWS::SSM::Parameter').filter(
        (parameter) => parameterSchema.parse(parameter.Properties ?? {}).Tier === 'Advanced',
      ).length,
      PRICES.advancedParameter,
      'advanced SSM parameters',
    ),
    line(ofType('AWS::KMS::Key').length, PRICES.kmsKey, 'KMS customer managed keys'),
    line(
      alarms.reduce((sum, alarm) => sum + alarm.standard, 0),
      PRICES.alarmMetric,
      `metrics read by ${alarms.length} CloudWatch alarms`,
    ),
    line(
      alarms.reduce((sum, alarm) => sum + alarm.highResolution, 0),
      PRICES.highResolutionAlarmMetric,
      'metrics read by high-resolution alarms',
    ),
    line(ofType('AWS::CloudWatch::CompositeAlarm').length, PRICES.compositeAlarm, 'composite alarms'),
    line(ofType('AWS::CloudWatch::Dashboard').length, PRICES.dashboard, 'CloudWatch dashboards'),
  ].filter((fixed) => fixed.quantity > 0);
  lines.push(
    line(
      Object.keys(CUSTOM_METRICS).length,
      PRICES.customMetric,
      'custom metrics (functions/lib/custom-metrics.ts), each at a full month: an upper bound',
    ),
  );
  return lines;
}

let demoFixedCosts: FixedCostLine[] | undefined;

/**
 * The fixed items of the bench's client (the demo), synthesized once per process. The CDK is
 * loaded here, when the costs are priced, not with this module: the bench measures ingest latency
 * first, and a process holding aws-cdk-lib pauses longer for each garbage collection.
 */
export async function benchClientFixedCosts(): Promise<FixedCostLine[]> {
  if (!demoFixedCosts) {
    const { synthesizeClientTemplate } = await import('../infra/synth.ts');
    demoFixedCosts = fixedCosts(synthesizeClientTemplate(resolveClientConfig(ASSUMPTIONS.fixedCostClient)));
  }
  return demoFixedCosts;
}

export function monthlyCost(
  eventsPerMonth: number,
  inputs: CostInputs,
  fixed: FixedCostLine[],
): CostEstimate {
  const a = ASSUMPTIONS;
  const deliveries = eventsPerMonth * a.deliveriesPerEvent;
  const ingestSeconds = (inputs.ingest.p50Ms + a.dynamoRoundTripMs * a.dynamoRoundTripsPerDelivery) / 1000;
  let packetReadUnits = 0;
  let buildGbSeconds = 0;
  let emails = 0;
  let attachmentGb = 0;
  let packets = 0;
  for (const packet of inputs.packets) {
    const perMonth = a.packetsPerMonth[packet.cadence] ?? 0;
    packets += perMonth;
    packetReadUnits += packet.readUnits * perMonth;
    const slowdown = Math.max(1, a.fullCpuMemoryMb / (a.buildMemoryGb * 1024));
    buildGbSeconds += (packet.wallMs / 1000) * slowdown * a.buildMemoryGb * perMonth;
    emails += a.recipients * perMonth;
    attachmentGb += (a.recipients * perMonth * packet.csvBytes) / 1e9;
  }
  const lambdaInvocations = deliveries + a.scheduleFiringsPerMonth + packets;
  const metered: CostLine[] = [
    { item: 'API Gateway HTTP API requests', usd: deliveries * PRICES.httpApiRequest.usd },
    {
      item: 'DynamoDB writes (table + index units)',
      usd: eventsPerMonth * inputs.ingest.writeUnitsPerEvent * PRICES.writeRequestUnit.usd,
    },
    {
      item: 'DynamoDB reads (ingest merges + packet builds)',
      usd: (eventsPerMonth * inputs.ingest.readUnitsPerEvent + packetReadUnits) * PRICES.readRequestUnit.usd,
    },
    {
      item: "DynamoDB storage + PITR of the month's new data",
      usd:
        ((eventsPerMonth * inputs.ingest.storedBytesPerEvent) / 1e9) * (PRICES.storage.usd + PRICES.pitr.usd),
    },
    { item: 'Lambda requests', usd: lambdaInvocations * PRICES.lambdaRequest.usd },
    {
      item: 'Lambda duration (arm64)',
      usd:
        (deliveries * ingestSeconds * a.ingestMemoryGb +
          buildGbSeconds +
          packets * a.sendSecondsPerPacket * a.sendMemoryGb) *
        PRICES.lambdaArmSecond.usd,
    },
    {
      item: 'EventBridge Scheduler + PacketReady events',
      usd: a.scheduleFiringsPerMonth * PRICES.schedulerInvocation.usd + packets * PRICES.customEvent.usd,
    },
    {
      item: 'SES emails + CSV attachments',
      usd: emails * PRICES.sesEmail.usd + attachmentGb * PRICES.sesAttachment.usd,
    },
    {
      item: 'CloudWatch Logs ingestion',
      usd: ((deliveries * a.logBytesPerDelivery) / 1e9) * PRICES.logIngestion.usd,
    },
  ];
  const total = (lines: CostLine[]) => lines.reduce((sum, line) => sum + line.usd, 0);
  return { eventsPerMonth, metered, meteredTotal: total(metered), fixed, fixedTotal: total(fixed) };
}
