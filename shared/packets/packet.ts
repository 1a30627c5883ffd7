import type { MetricId } from '../config/metric-ids.ts';
import type { ClientConfig, MetricOwner } from '../config/schema.ts';
import type { FactSet } from '../metrics/facts.ts';
import { opportunityTimes } from '../metrics/funnel.ts';
import { computeMetrics } from '../metrics/index.ts';
import type { BreakdownRow, MetricItem, MetricValue } from '../metrics/types.ts';
import { type Window, within } from '../metrics/window.ts';
import type { DefinitionsRecord } from '../ports/store.ts';
import { SMALL_SAMPLE } from '../stats/index.ts';
import {
  type Cadence,
  isoInZone,
  lastCompletePeriod,
  type Period,
  previousPeriods,
  targetPace,
} from '../time/periods.ts';
import { type DataHealth, dataHealth } from './data-health.ts';
import { type DefinitionsAppendix, definitionsAppendix } from './definitions.ts';
import { defaultOwner, type Status, statusOf } from './thresholds.ts';

/** How many previous periods the comparison mean and the drift baseline use (DESIGN.md). */
export const COMPARISON_PERIODS = 4;
/** How far back the rejection streak looks. */
export const STREAK_WEEKS = 12;

export interface PacketMetric {
  id: MetricId;
  label: string;
  value: number | null;
  /** The client's currency code for amounts; otherwise count, ratio, business_minutes or psi. */
  unit: string;
  n: number;
  interval?: [number, number];
  smallSample?: boolean;
  status: Status;
  statusReason?: string;
  owner: MetricOwner;
  breakdown?: BreakdownRow[];
  cohort?: { start: string; end: string };
  items?: MetricItem[];
  notes?: Record<string, number | string | null>;
  /** Mean over the previous periods that start after the client's first fact. */
  previous?: { mean: number; periods: number };
  /** The metric's target for this period, where the config sets one. */
  target?: number;
}

export interface PacketSection {
  id: string;
  title: string;
  metrics: string[];
}

export interface Packet {
  client: string;
  displayName: string;
  cadence: Cadence;
  definitionsVersion: string;
  asOf: string;
  period: { start: string; end: string; timezone: string; label: string };
  headline: { text: string; value: number | null; previousMean?: number; change?: number; target?: number };
  metrics: PacketMetric[];
  actions: { owner: MetricOwner; metric: string; text: string }[];
  dataHealth: DataHealth;
  mqlCohort: {
    mqls: number;
    sql: number;
    opportunity: number;
    customer: number;
    disqualified: number;
    open: number;
  };
  lossReasons: { key: string; n: number; amount: number }[];
  sections: PacketSection[];
  definitions: DefinitionsAppendix;
}

/** The meeting each packet feeds decides its sections (DESIGN.md "Packets"); every packet has every metric. */
const SECTIONS: Record<Cadence, PacketSection[]> = {
  weekly: [
    {
      id: 'pipeline',
      title: 'Qualified pipeline created and closed',
      metrics: [
        'qpc.created.amount',
        'qpc.created.count',
        'qpc.won.amount',
        'qpc.lost.amount',
        'qpc.win_rate',
      ],
    },
    {
      id: 'leads',
      title: 'MQL pace and MQL → SQL',
      metrics: ['mql.count', 'mql_to_sql.rate', 'lead_to_opp.rate'],
    },
    {
      id: 'rejections',
      title: 'Rejections',
      metrics: ['rejections.count', 'rejections.missing_reason_share'],
    },
    {
      id: 'speed',
      title: 'Speed to lead',
      metrics: ['sla.within_rate', 'sla.median_business_minutes', 'sla.p90_business_minutes'],
    },
    { id: 'stalled', title: 'Stalled deals', metrics: ['stalled.count', 'stalled.amount'] },
  ],
  monthly: [
    {
      id: 'conversion',
      title: 'Conversion by channel and segment',
      metrics: ['mql.count', 'mql_to_sql.rate', 'lead_to_opp.rate'],
    },
    {
      id: 'revenue',
      title: 'Pipeline to revenue by team',
      metrics: [
        'qpc.created.amount',
        'qpc.won.amount',
        'qpc.lost.amount',
        'qpc.win_rate',
        'pipeline_to_revenue.rate',
      ],
    },
    {
      id: 'quality',
      title: 'Channel quality and loss reasons',
      metrics: ['rejections.count', 'rejections.missing_reason_share', 'sla.within_rate', 'stalled.count'],
    },
  ],
  quarterly: [
    {
      id: 'icp',
      title: 'ICP drift against closed-won',
      metrics: [
        'icp.fit_rate.closed_won',
        'icp.win_rate.in',
        'icp.win_rate.out',
        'icp.drift.industry',
        'icp.drift.employees',
        'icp.drift.region',
        'icp.drift.seniority',
        'icp.breadth',
        'icp.fit_rate.qpc',
        'icp.fit_rate.leads',
        'icp.outbound_adherence',
      ],
    },
    {
      id: 'targets',
      title: 'Pipeline and conversion against target by team',
      metrics: [
        'qpc.created.amount',
        'qpc.win_rate',
        'pipeline_to_revenue.rate',
        'mql.count',
        'mql_to_sql.rate',
      ],
    },
  ],
};

/** The MQL target for one period of a cadence: per month, × 12 ÷ 52 a week, × 3 a quarter. */
function mqlTarget(cadence: Cadence, perMonth: number): number {
  return cadence === 'weekly' ? (perMonth * 12) / 52 : cadence === 'monthly' ? perMonth : perMonth * 3;
}

function windowsFor(period: Period, config: ClientConfig) {
  const previous = previousPeriods(period, COMPARISON_PERIODS, config);
  const lastWeek = lastCompletePeriod('weekly', period.end, config);
  const weeks = [lastWeek, ...previousPeriods(lastWeek, STREAK_WEEKS - 1, config)];
  return { period, previous, weeks };
}

function formatAmount(value: number, currency: string): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency, maximumFractionDigits: 0 }).format(
    value,
  );
}

/**
 * Builds the packet of a cadence as of an instant: the last complete period before it, every
 * metric with n, interval, status, owner, comparison and target, actions by lane, data health
 * and the definitions appendix. Pure: the same facts and config give the same packet.
 */
export function buildPacket(
  facts: FactSet,
  config: ClientConfig,
  cadence: Cadence,
  asOf: number,
  definitionsHistory: readonly DefinitionsRecord[] = [],
): Packet {
  const period = lastCompletePeriod(cadence, asOf, config);
  const windows = windowsFor(period, config);
  const values = computeMetrics(facts, config, windows);

  // Comparisons only over periods that start after the client's first fact: earlier ones are empty, not low.
  const comparable = windows.previous.filter(
    (p) => facts.firstFactAt !== undefined && p.start > facts.firstFactAt,
  );
  const history = comparable.map((p) =>
    computeMetrics(facts, config, { ...windowsFor(p, config), previous: [] }),
  );
  const targets: Partial<Record<MetricId, number>> = {
    'qpc.created.amount': targetPace(period, config.targets.qpcPerQuarter, config),
    'mql.count': mqlTarget(cadence, config.targets.mqlPerMonth),
  };

  const metrics = values.map((metric): PacketMetric => {
    const earlier = history
      .map((run) => run.find((candidate) => candidate.id === metric.id)?.value)
      .filter((value): value is number => typeof value === 'number');
    const previous =
      earlier.length > 0
        ? { mean: earlier.reduce((sum, value) => sum + value, 0) / earlier.length, periods: earlier.length }
        : undefined;
    const target = targets[metric.id];
    const smallSample = metric.unit === 'ratio' && metric.n < SMALL_SAMPLE;
    const threshold = config.thresholds[metric.id];
    const { status, reason } = statusOf(
      threshold,
      metric.value,
      { targetPace: target, previousMean: previous?.mean },
      smallSample,
    );
    return {
      ...withoutWindow(metric),
      unit: metric.unit === 'currency' ? config.currency : metric.unit,
      ...(metric.cohort
        ? {
            cohort: {
              start: isoInZone(metric.cohort.start, config.timezone),
              end: isoInZone(metric.cohort.end, config.timezone),
            },
          }
        : {}),
      ...(smallSample ? { smallSample } : {}),
      status,
      ...(reason ? { statusReason: reason } : {}),
      owner: threshold?.owner ?? defaultOwner(metric.id),
      ...(previous ? { previous } : {}),
      ...(target !== undefined ? { target } : {}),
    };
  });

  const actions = metrics
    .filter((metric) => metric.status === 'act')
    .map((metric) => ({
      owner: metric.owner,
      metric: metric.id,
      text: config.thresholds[metric.id]?.action ?? '',
    }));

  const qpc = metrics.find((metric) => metric.id === 'qpc.created.amount');
  const qpcCount = metrics.find((metric) => metric.id === 'qpc.created.count');
  const change =
    qpc?.value != null && qpc.previous && qpc.previous.mean !== 0
      ? qpc.value / qpc.previous.mean - 1
      : undefined;
  const headline = {
    text: [
      `Qualified pipeline created: ${formatAmount(qpc?.value ?? 0, config.currency)} in ${qpcCount?.value ?? 0} deals`,
      change !== undefined
        ? `${change >= 0 ? '+' : ''}${Math.round(change * 100)}% vs the previous ${qpc?.previous?.periods}-period mean`
        : 'no earlier periods to compare with',
      qpc?.target !== undefined ? `target pace ${formatAmount(qpc.target, config.currency)}` : undefined,
    ]
      .filter(Boolean)
      .join('; '),
    value: qpc?.value ?? null,
    ...(qpc?.previous ? { previousMean: qpc.previous.mean } : {}),
    ...(change !== undefined ? { change } : {}),
    ...(qpc?.target !== undefined ? { target: qpc.target } : {}),
  };

  return {
    client: config.client,
    displayName: config.displayName,
    cadence,
    definitionsVersion: definitionsAppendix(config).version,
    asOf: isoInZone(asOf, config.timezone),
    period: {
      start: isoInZone(period.start, config.timezone),
      end: isoInZone(period.end, config.timezone),
      timezone: config.timezone,
      label: period.label,
    },
    headline,
    metrics,
    actions,
    dataHealth: dataHealth(facts, period, config),
    mqlCohort: mqlCohort(facts, period),
    lossReasons: lossReasons(facts, period),
    sections: SECTIONS[cadence],
    definitions: withHistory(definitionsAppendix(config), definitionsHistory, period, config.timezone),
  };
}

/** Adds when the definitions came into use, and which versions a period saw change (quarterly review). */
function withHistory(
  appendix: DefinitionsAppendix,
  history: readonly DefinitionsRecord[],
  period: Window,
  timezone: string,
): DefinitionsAppendix {
  const current = history.find((record) => record.version === appendix.version);
  if (!current) return appendix;
  const earlier = history.filter(
    (record) => record.version !== appendix.version && record.since <= current.since,
  );
  return {
    ...appendix,
    since: isoInZone(current.since, timezone),
    history: earlier
      .reverse()
      .map((record) => ({ version: record.version, since: isoInZone(record.since, timezone) })),
    changedInPeriod: history.some((record) => within(record.since, period) && record !== history[0]),
  };
}

function withoutWindow(metric: MetricValue): Omit<MetricValue, 'cohort'> {
  const { cohort: _cohort, ...rest } = metric;
  return rest;
}

/** Where the period's MQLs stand as of the packet: the furthest milestone each reached. */
function mqlCohort(facts: FactSet, period: Window): Packet['mqlCohort'] {
  const opportunities = opportunityTimes(facts);
  const status = { mqls: 0, sql: 0, opportunity: 0, customer: 0, disqualified: 0, open: 0 };
  for (const contact of facts.contacts.values()) {
    if (!within(contact.milestones.mql, period)) continue;
    status.mqls++;
    if (contact.milestones.customer !== undefined) status.customer++;
    else if (opportunities.has(contact.id)) status.opportunity++;
    else if (contact.milestones.disqualified !== undefined) status.disqualified++;
    else if (contact.milestones.sql !== undefined) status.sql++;
    else status.open++;
  }
  return status;
}

/** Deals lost in the period by reason, with their amount at close. */
function lossReasons(facts: FactSet, period: Window): Packet['lossReasons'] {
  const reasons = new Map<string, { n: number; amount: number }>();
  for (const deal of facts.deals.values()) {
    if (deal.closed?.outcome !== 'lost' || !within(deal.closed.at, period)) continue;
    const key = deal.reason ?? '(missing)';
    const entry = reasons.get(key) ?? { n: 0, amount: 0 };
    entry.n++;
    entry.amount += deal.inClientCurrency ? (deal.closed.amount ?? 0) : 0;
    reasons.set(key, entry);
  }
  return [...reasons.entries()]
    .map(([key, entry]) => ({ key, ...entry }))
    .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
}
