/**
 * The metered monthly AWS cost of one client, from the request units and times this bench
 * measured and AWS's published us-east-1 prices. Free tiers are left out (a client stack shares
 * its account's). Every assumption is a named constant, printed with the result.
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
  alarm: {
    item: 'CloudWatch standard alarm',
    usd: 0.1,
    per: 'alarm-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
  customMetric: {
    item: 'CloudWatch custom metric',
    usd: 0.3,
    per: 'metric-month',
    source: 'https://aws.amazon.com/cloudwatch/pricing/',
  },
} satisfies Record<string, Price>;

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
  buildMemoryGb: 1.5,
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
  secrets: 5,
  alarms: 9,
  customMetrics: 13,
} as const;

export interface CostLine {
  item: string;
  usd: number;
}

export interface CostEstimate {
  eventsPerMonth: number;
  metered: CostLine[];
  meteredTotal: number;
  fixed: CostLine[];
  fixedTotal: number;
}

export function monthlyCost(eventsPerMonth: number, inputs: CostInputs): CostEstimate {
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
    buildGbSeconds += (packet.wallMs / 1000) * a.buildMemoryGb * perMonth;
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
  const fixed: CostLine[] = [
    { item: `${a.secrets} Secrets Manager secrets`, usd: a.secrets * PRICES.secret.usd },
    { item: `${a.alarms} CloudWatch alarms`, usd: a.alarms * PRICES.alarm.usd },
    { item: `${a.customMetrics} custom metrics`, usd: a.customMetrics * PRICES.customMetric.usd },
  ];
  const total = (lines: CostLine[]) => lines.reduce((sum, line) => sum + line.usd, 0);
  return { eventsPerMonth, metered, meteredTotal: total(metered), fixed, fixedTotal: total(fixed) };
}
