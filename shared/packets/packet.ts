import type { ClientConfig, MetricOwner } from '../config/schema.ts';
import type { FactSet } from '../metrics/facts.ts';
import { opportunityTimes } from '../metrics/funnel.ts';
import { computeMetrics } from '../metrics/index.ts';
import {
  breakdownUnit,
  DRIFT_MINIMUM_WINS,
  METRIC_REGISTRY,
  type MetricId,
  metricIdsOf,
  PERIOD_WORDS,
  type SectionId,
  sectionsOf,
  TREND_PERIODS,
  type Words,
} from '../metrics/registry.ts';
import type { BreakdownRow, MetricItem, MetricValue } from '../metrics/types.ts';
import { type Window, within } from '../metrics/window.ts';
import type { DefinitionsRecord, SourceActivity } from '../ports/store.ts';
import { SMALL_SAMPLE } from '../stats/index.ts';
import {
  type Cadence,
  isoInZone,
  lastCompletePeriod,
  type Period,
  previousPeriods,
} from '../time/periods.ts';
import { type DataHealth, dataHealth, type KeyCount } from './data-health.ts';
import { type DefinitionsAppendix, definitionsAppendix } from './definitions.ts';
import { type Finding, findingsOf } from './findings.ts';
import { formatNumber, formatP } from './format.ts';
import { freshnessBanner, type SourceFreshness, sourceFreshness } from './freshness.ts';
import {
  calendarDate,
  isRosterName,
  keyLabel,
  localTime,
  recordName,
  segmentValueLabel,
  stageLabel,
} from './labels.ts';
import { type Status, statusOf } from './thresholds.ts';

/** How many previous periods the comparison mean and the drift baseline use (DESIGN.md). */
export const COMPARISON_PERIODS = 4;
/** How far back the rejection streak looks. */
export const STREAK_WEEKS = 12;

/** A breakdown row as the packet prints it: its key in words and the unit of its value. */
export interface PacketBreakdownRow extends BreakdownRow {
  label: string;
  unit: string;
}

/** A listed record or candidate, with its name, what it is listed for and its owner's name, in words. */
export interface PacketItem extends MetricItem {
  name: string;
  text: string;
  ownerName?: string;
}

/** One period of a metric's trend, oldest first; null where no packet or fact says. */
export interface TrendPoint {
  periodStart: string;
  label: string;
  value: number | null;
  n?: number;
  /** Where the value comes from: the period's stored packet, the facts this packet read, or nowhere. */
  from: 'snapshot' | 'facts' | 'this packet' | 'none';
}

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
  /** The people who own it: the leads of its owning team(s) in the client's roster. */
  ownerNames?: string[];
  breakdown?: PacketBreakdownRow[];
  cohort?: { start: string; end: string };
  items?: PacketItem[];
  notes?: Record<string, number | string | null>;
  /** The notes in sentences. */
  remarks?: string[];
  /** Mean over the previous periods that start after the client's first fact. */
  previous?: { mean: number; periods: number };
  /** The metric's target for this period, where the config sets one. */
  target?: number;
  /** The last periods' values, this one last (headline metrics only). */
  trend?: TrendPoint[];
}

export interface PacketSection {
  id: SectionId;
  title: string;
  metrics: MetricId[];
}

/** A past packet's values, as its stored snapshot holds them: one trend point per metric. */
export interface EarlierPacket {
  periodStart: string;
  values: Partial<Record<string, { value: number | null; n: number }>>;
}

export interface Packet {
  client: string;
  displayName: string;
  cadence: Cadence;
  definitionsVersion: string;
  asOf: string;
  period: { start: string; end: string; timezone: string; label: string };
  headline: { text: string; value: number | null; previousMean?: number; change?: number; target?: number };
  /** At most 5 sentences, strongest evidence first, each with its numbers and its test. */
  findings: Finding[];
  /** The meeting's metrics that have an agreed threshold, after the headline: the status table. */
  statusTable: MetricId[];
  /** The meeting's other metrics: no threshold agreed yet. */
  noThreshold: MetricId[];
  metrics: PacketMetric[];
  actions: { owner: MetricOwner; metric: string; text: string; ownerNames?: string[] }[];
  /** Set when a source the packet is built on is silent or quarantining (its policy is `warn`, or the hold was forced). */
  banner?: string;
  dataHealth: DataHealth & {
    /** Each configured source: its last delivery, its deliveries in the period, and whether it is broken. */
    sources?: SourceFreshness[];
  };
  mqlCohort: {
    mqls: number;
    sql: number;
    opportunity: number;
    customer: number;
    disqualified: number;
    open: number;
  };
  lossReasons: { key: string; label: string; n: number; amount: number }[];
  sections: PacketSection[];
  definitions: DefinitionsAppendix;
}

function windowsFor(period: Period, config: ClientConfig) {
  const previous = previousPeriods(period, COMPARISON_PERIODS, config);
  const lastWeek = lastCompletePeriod('weekly', period.end, config);
  const weeks = [lastWeek, ...previousPeriods(lastWeek, STREAK_WEEKS - 1, config)];
  return { period, previous, weeks };
}

/** The periods before this one whose stored packets a trend reads, most recent first. */
export function trendPeriods(cadence: Cadence, asOf: number, config: ClientConfig): Period[] {
  return previousPeriods(lastCompletePeriod(cadence, asOf, config), TREND_PERIODS[cadence] - 1, config);
}

/** The values a stored packet gives a later packet's trends. */
export function earlierPacket(packet: Pick<Packet, 'period' | 'metrics'>): EarlierPacket {
  return {
    periodStart: packet.period.start,
    values: Object.fromEntries(
      packet.metrics.map((metric) => [metric.id, { value: metric.value, n: metric.n }]),
    ),
  };
}

/** The people named as owners of a lane: the leads of its team, both teams' for "both". */
export function ownerNames(owner: MetricOwner, config: Pick<ClientConfig, 'people'>): string[] {
  const teams = owner === 'both' ? ['marketing', 'sales'] : [owner];
  return config.people
    .filter((person) => person.lead && teams.includes(person.team))
    .map((person) => person.name);
}

export interface BuildOptions {
  /** The definitions versions the store has seen, oldest first (the appendix prints them). */
  definitionsHistory?: readonly DefinitionsRecord[];
  /** The stored packets of earlier periods of the same cadence, for the trends. */
  earlier?: readonly EarlierPacket[];
  /** The sources' markers (the store's `sourceActivity`): without them no source is judged. */
  sourceActivity?: readonly SourceActivity[];
}

/**
 * Builds the packet of a cadence as of an instant: the last complete period before it, every
 * metric with n, interval, status, owner, comparison and target, the meeting's status table,
 * trends, findings, actions by lane, data health and the definitions appendix. Pure: the same
 * facts, config and earlier packets give the same packet.
 */
export function buildPacket(
  facts: FactSet,
  config: ClientConfig,
  cadence: Cadence,
  asOf: number,
  options: BuildOptions = {},
): Packet {
  const period = lastCompletePeriod(cadence, asOf, config);
  const windows = windowsFor(period, config);
  const sources = sourceFreshness(options.sourceActivity ?? [], config, period, asOf);
  const banner = options.sourceActivity ? freshnessBanner(sources) : undefined;
  const carried = new Set<string>(metricIdsOf(cadence));
  const values = computeMetrics(facts, config, windows).filter((metric) => carried.has(metric.id));

  // Comparisons only over periods that start after the client's first fact: earlier ones are empty, not low.
  const comparable = windows.previous.filter(
    (p) => facts.firstFactAt !== undefined && p.start > facts.firstFactAt,
  );
  const history = comparable.map((p) =>
    computeMetrics(facts, config, { ...windowsFor(p, config), previous: [] }),
  );
  const words: Words = {
    label: (key) => keyLabel(key, config),
    period: PERIOD_WORDS[cadence],
    p: formatP,
    amount: (value) => formatNumber(value, config.currency),
    percent: (value) => formatNumber(value, 'ratio'),
  };
  const unitOf = (unit: string) => (unit === 'currency' ? config.currency : unit);

  const metrics = values.map((metric): PacketMetric => {
    const definition = METRIC_REGISTRY[metric.id];
    const earlier = history
      .map((run) => run.find((candidate) => candidate.id === metric.id)?.value)
      .filter((value): value is number => typeof value === 'number');
    const previous =
      earlier.length > 0
        ? { mean: earlier.reduce((sum, value) => sum + value, 0) / earlier.length, periods: earlier.length }
        : undefined;
    const target = definition.target?.(period, config);
    const tooFewWins =
      definition.unit === 'psi' &&
      (metric.n < DRIFT_MINIMUM_WINS || Number(metric.notes?.baselineWins ?? 0) < DRIFT_MINIMUM_WINS);
    const smallSample =
      (definition.unit === 'ratio' && !definition.notARate && metric.n < SMALL_SAMPLE) || tooFewWins;
    const threshold = config.thresholds[metric.id];
    const judged =
      !threshold && definition.status
        ? definition.status(metric)
        : statusOf(
            threshold,
            metric.value,
            { targetPace: target, previousMean: previous?.mean },
            smallSample,
          );
    const { status, reason } = tooFewWins
      ? { status: 'none' as const, reason: `fewer than ${DRIFT_MINIMUM_WINS} wins on one side: not judged` }
      : judged;
    const owner = threshold?.owner ?? definition.owner;
    const names = ownerNames(owner, config);
    const remarks = definition.remarks?.(metric, words) ?? [];
    const { cohort, items, breakdown, ...rest } = metric;
    return {
      ...rest,
      label: definition.label,
      unit: unitOf(definition.unit),
      ...(breakdown
        ? {
            breakdown: breakdown.map((row) => ({
              ...row,
              label: keyLabel(row.key, config),
              unit: unitOf(breakdownUnit(metric.id, row.key)),
            })),
          }
        : {}),
      ...(items ? { items: items.map((item) => packetItem(item, definition.items, config)) } : {}),
      ...(cohort
        ? {
            cohort: {
              start: isoInZone(cohort.start, config.timezone),
              end: isoInZone(cohort.end, config.timezone),
            },
          }
        : {}),
      ...(smallSample ? { smallSample } : {}),
      status,
      ...(reason ? { statusReason: reason } : {}),
      owner,
      ...(names.length > 0 ? { ownerNames: names } : {}),
      ...(remarks.length > 0 ? { remarks } : {}),
      ...(previous ? { previous } : {}),
      ...(target !== undefined ? { target } : {}),
    };
  });

  const sections = sectionsOf(cadence);
  const meeting = [...new Set(sections.flatMap((section) => section.metrics))];
  const statusTable: MetricId[] = [
    'qpc.created.amount',
    ...meeting.filter(
      (id) =>
        id !== 'qpc.created.amount' &&
        (config.thresholds[id] !== undefined || METRIC_REGISTRY[id].status !== undefined),
    ),
  ];
  const noThreshold = meeting.filter((id) => !statusTable.includes(id));

  const trendOf = trendBuilder(period, cadence, config, comparable, history, options.earlier ?? []);
  for (const metric of metrics) if (statusTable.includes(metric.id)) metric.trend = trendOf(metric);

  // Actions come from the meeting's own table: each "act" is raised in the packet that discusses it.
  const actions = metrics
    .filter((metric) => metric.status === 'act' && statusTable.includes(metric.id))
    .map((metric) => ({
      owner: metric.owner,
      metric: metric.id,
      text:
        config.thresholds[metric.id]?.action ??
        'Review how the forecast was built: the deals that slipped, were pulled in or won unforecast.',
      ...(metric.ownerNames ? { ownerNames: metric.ownerNames } : {}),
    }));

  const qpc = metrics.find((metric) => metric.id === 'qpc.created.amount');
  const qpcCount = metrics.find((metric) => metric.id === 'qpc.created.count');
  const change =
    qpc?.value != null && qpc.previous && qpc.previous.mean !== 0
      ? qpc.value / qpc.previous.mean - 1
      : undefined;
  const headline = {
    text: [
      `Qualified pipeline created: ${formatNumber(qpc?.value ?? 0, config.currency)} in ${qpcCount?.value ?? 0} deals`,
      change !== undefined
        ? `${change >= 0 ? '+' : ''}${Math.round(change * 100)}% vs the previous ${qpc?.previous?.periods}-${PERIOD_WORDS[cadence]} mean`
        : 'no earlier periods to compare with',
      qpc?.target !== undefined ? `target pace ${formatNumber(qpc.target, config.currency)}` : undefined,
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
    findings: findingsOf({ cadence, metrics, history, words }),
    statusTable,
    noThreshold,
    metrics,
    actions,
    ...(banner ? { banner } : {}),
    dataHealth: {
      ...dataHealth(facts, period, config),
      ownersWithoutName: ownersWithoutName(metrics, config),
      ...(options.sourceActivity ? { sources } : {}),
    },
    mqlCohort: mqlCohort(facts, period),
    lossReasons: lossReasons(facts, period).map((reason) => ({
      ...reason,
      label: keyLabel(`reason:${reason.key}`, config),
    })),
    sections,
    definitions: withHistory(
      definitionsAppendix(config, cadence),
      options.definitionsHistory ?? [],
      period,
      config.timezone,
    ),
  };
}

function packetItem(
  item: MetricItem,
  kind: 'contact' | 'deal' | 'candidate' | undefined,
  config: ClientConfig,
): PacketItem {
  const name =
    kind === 'contact' || kind === 'deal'
      ? recordName(kind, item.id)
      : kind === 'candidate'
        ? candidateName(item.id, config)
        : item.label;
  return {
    ...item,
    name,
    text: itemText(item, config),
    ...(item.owner !== undefined ? { ownerName: keyLabel(`owner:${item.owner}`, config) } : {}),
  };
}

/** What an item is listed for, in words, from its structured parts. */
function itemText(item: MetricItem, config: ClientConfig): string {
  const deals = (n: unknown) => `${n} ${n === 1 ? 'deal' : 'deals'}`;
  if (item.clock) {
    const { state, kind, target, due, minutes } = item.clock;
    const clock = kind === 'high_intent' ? 'high-intent form' : 'MQL';
    if (state === 'late')
      return `touched after ${minutes} business minutes (target ${target}, from ${clock})`;
    if (state === 'breaching')
      return `untouched since its ${clock}, due ${localTime(due)} (target ${target} business minutes)`;
    return `pending: due ${localTime(due)} (${clock}, target ${target} business minutes)`;
  }
  if (item.stalled) {
    const stage = item.stalled.stage === undefined ? 'no stage' : stageLabel(item.stalled.stage, config);
    return `${stage} for ${item.stalled.days} days`;
  }
  if (item.moved) {
    const { kind, impact, to, from } = item.moved;
    const amount = formatNumber(Math.abs(impact), config.currency);
    const sign = impact < 0 ? '−' : '+';
    if (kind === 'slipped')
      return `slipped${to ? ` to ${calendarDate(to)}` : ' out of the quarter'} (${sign}${amount} weighted)`;
    if (kind === 'lost') return `lost (${sign}${amount} weighted)`;
    if (kind === 'pulled-in')
      return `pulled in${from ? ` from ${calendarDate(from)}` : ''} (${sign}${amount})`;
    if (kind === 'won') return `won (${sign}${amount} against its weighted amount)`;
    if (kind === 'reweighted') return `re-weighted (${sign}${amount})`;
    if (kind === 'added') return `added to the quarter (${sign}${amount} weighted)`;
    return `won without being forecast in the quarter (${sign}${amount})`;
  }
  if (item.id.startsWith('add:')) return `${deals(item.value)} won outside the ICP`;
  if (item.id.startsWith('remove:')) return `${deals(item.value)} closed in the ICP without a win`;
  return item.label;
}

/** `add:Retail` → `Retail`; `add:200-999` (an employee band) → `200–999 employees`. */
function candidateName(id: string, config: ClientConfig): string {
  const value = id.slice(id.indexOf(':') + 1);
  return /^\d/.test(value)
    ? segmentValueLabel('employees', value, config)
    : segmentValueLabel('industry', value, config);
}

/**
 * A headline metric's trend: each earlier period's value from its stored packet; where none is
 * stored, from the facts this packet already read (the comparison periods), never from new reads.
 */
function trendBuilder(
  period: Period,
  cadence: Cadence,
  config: ClientConfig,
  comparable: readonly Period[],
  history: readonly MetricValue[][],
  earlier: readonly EarlierPacket[],
) {
  const past = previousPeriods(period, TREND_PERIODS[cadence] - 1, config).reverse();
  const stored = new Map(earlier.map((packet) => [packet.periodStart, packet.values]));
  return (metric: PacketMetric): TrendPoint[] => [
    ...past.map((p): TrendPoint => {
      const periodStart = isoInZone(p.start, config.timezone);
      const base = { periodStart, label: p.label };
      const snapshot = stored.get(periodStart)?.[metric.id];
      if (snapshot) return { ...base, value: snapshot.value, n: snapshot.n, from: 'snapshot' };
      const index = comparable.findIndex((candidate) => candidate.start === p.start);
      const computed = index >= 0 ? history[index]?.find((value) => value.id === metric.id) : undefined;
      if (computed) return { ...base, value: computed.value, n: computed.n, from: 'facts' };
      return { ...base, value: null, from: 'none' };
    }),
    {
      periodStart: isoInZone(period.start, config.timezone),
      label: period.label,
      value: metric.value,
      n: metric.n,
      from: 'this packet',
    },
  ];
}

/** Owner ids the packet shows that the roster does not name (`<system>:<id>`), with how many records each. */
function ownersWithoutName(metrics: readonly PacketMetric[], config: ClientConfig): KeyCount[] {
  const counts = new Map<string, number>();
  for (const metric of metrics) {
    for (const item of metric.items ?? []) {
      if (item.owner === undefined || item.owner === 'unassigned' || isRosterName(item.owner, config))
        continue;
      counts.set(item.owner, (counts.get(item.owner) ?? 0) + 1);
    }
  }
  return [...counts.entries()]
    .map(([key, n]) => ({ key, n }))
    .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
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
function lossReasons(facts: FactSet, period: Window): Omit<Packet['lossReasons'][number], 'label'>[] {
  const reasons = new Map<string, { n: number; amount: number }>();
  for (const deal of facts.deals.values()) {
    if (deal.closed?.outcome !== 'lost' || !within(deal.closed.at, period)) continue;
    const key = deal.reason ?? '(missing)';
    const entry = reasons.get(key) ?? { n: 0, amount: 0 };
    entry.n++;
    entry.amount += deal.closed.amount ?? 0;
    reasons.set(key, entry);
  }
  return [...reasons.entries()]
    .map(([key, entry]) => ({ key, ...entry }))
    .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
}
