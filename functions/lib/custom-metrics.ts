/**
 * The only CloudWatch custom metrics samepage publishes: each one an alarm reads. CloudWatch bills
 * every name × dimension set as one custom metric in each hour it is published, so counts that
 * only people look at (deliveries accepted, mails sent, packets built, refusals by check) go to
 * the structured logs instead, where Logs Insights counts them at no metric cost. Anything AWS
 * counts for free (Lambda Errors, API Gateway 5xx, queue depth) is alarmed on AWS's own metric.
 *
 * The functions count through `counterFor`, typed by this list, so they cannot publish an
 * unlisted name; the stack's alarms and the cost model (bench/cost.ts) read the same list.
 */

/** The functions that publish metrics, as named under functions/. */
export type MetricEmitter = 'ingest' | 'build-packet' | 'send-packet';

export interface CustomMetric {
  emittedBy: MetricEmitter;
  /** The alarm (infra/constructs/ops-alarms.ts) that reads it. */
  alarm: string;
  /** When it is published: only a count above zero is, so a healthy hour publishes nothing. */
  published: string;
  why: string;
}

export const CUSTOM_METRICS = {
  DeliveriesQuarantined: {
    emittedBy: 'ingest',
    alarm: 'Quarantined',
    published: 'when a verified delivery does not validate and is kept in quarantine',
    why: 'The sender was told 2xx (so it stops retrying), so nothing else shows the lost events: fix the mapping, then samepage replay.',
  },
  PacketsHeld: {
    emittedBy: 'build-packet',
    alarm: 'PacketHeld',
    published: 'on each scheduled check that finds a packet still held',
    why: 'A held packet waits for a person to release it; the check repeats each business day, so the alarm stays on until then.',
  },
  RecipientsNotConfirmed: {
    emittedBy: 'send-packet',
    alarm: 'NotDelivered',
    published:
      'when a list or channel was refused for good (SES, a deleted Slack or Teams webhook) or its mail was claimed and never marked sent',
    why: 'Neither is retried: someone must fix the address or webhook and resend, or check SES before resending.',
  },
  WeeklyPacketsSent: {
    emittedBy: 'send-packet',
    alarm: 'WeeklyNotSent',
    published: 'once a week, when the weekly packet has reached every list',
    why: 'Its absence for 7 days is the missed deadline; nothing else counts a packet that never started.',
  },
} as const satisfies Record<string, CustomMetric>;

export type CustomMetricName = keyof typeof CUSTOM_METRICS;

/** The listed metrics one function may publish. */
export type MetricOf<F extends MetricEmitter> = {
  [Name in CustomMetricName]: (typeof CUSTOM_METRICS)[Name]['emittedBy'] extends F ? Name : never;
}[CustomMetricName];

/** The Powertools service of a function: the `service` dimension of its metrics. */
export function serviceName(fn: MetricEmitter | 'view-packet'): string {
  return `samepage-${fn}`;
}
