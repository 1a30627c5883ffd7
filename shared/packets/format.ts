import { DateTime } from 'luxon';
import type { Cadence } from '../time/periods.ts';
import type { PacketMetric, TrendPoint } from './packet.ts';

/**
 * How a number reads in a packet, by its unit: `31.0%`, `1,204`, `77 business min`, `0.412`, or
 * an amount in the unit's currency (`$412,000`). Null is "—".
 */
export function formatNumber(value: number | null, unit: string): string {
  if (value === null) return '—';
  switch (unit) {
    case 'ratio':
      return `${(value * 100).toFixed(1)}%`;
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'business_minutes':
      return `${Math.round(value).toLocaleString('en-US')} business min`;
    case 'psi':
      return value.toFixed(3);
    default:
      return new Intl.NumberFormat('en-US', {
        style: 'currency',
        currency: unit,
        maximumFractionDigits: 0,
      }).format(value);
  }
}

/** `95% CI 23.0–40.0%`, or '' when there is no interval. */
export function formatInterval(interval: [number, number] | undefined, unit: string): string {
  return interval ? `95% CI ${formatNumber(interval[0], unit)}–${formatNumber(interval[1], unit)}` : '';
}

/** A metric's value with its n and interval: `31.0% (n 112, 95% CI 23.0–40.0%)`. */
export function formatMetric(
  metric: Pick<PacketMetric, 'value' | 'unit' | 'n' | 'interval' | 'smallSample'>,
): string {
  if (metric.value === null) return `no cases (n ${metric.n})`;
  const details = [
    `n ${metric.n}`,
    formatInterval(metric.interval, metric.unit),
    metric.smallSample ? 'small sample' : '',
  ].filter(Boolean);
  return `${formatNumber(metric.value, metric.unit)} (${details.join(', ')})`;
}

/** `22%` for shares in sentences, where one decimal is noise. */
export function percent(value: number): string {
  return `${Math.round(value * 100)}%`;
}

/** `p = 0.46`, `p = 0.003`, `p < 0.001`. */
export function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p < 0.01 ? p.toFixed(3) : p.toFixed(2)}`;
}

const LANE_NAMES = { marketing: 'Marketing', sales: 'Sales', both: 'Both teams' } as const;

/** `Sales · Dana Reyes`: the owning lane and, where the roster names them, its leads. */
export function ownerLine(metric: Pick<PacketMetric, 'owner' | 'ownerNames'>): string {
  const names = metric.ownerNames ?? [];
  return names.length > 0 ? `${LANE_NAMES[metric.owner]} · ${names.join(', ')}` : LANE_NAMES[metric.owner];
}

export function laneName(owner: PacketMetric['owner']): string {
  return LANE_NAMES[owner];
}

/** `Mon, Nov 9, 2026 08:00` from an ISO instant with its offset (the client's local time). */
export function readableInstant(iso: string): string {
  return DateTime.fromISO(iso, { setZone: true }).toFormat('ccc, LLL d, yyyy HH:mm');
}

/** `Oct 24 – Oct 30, 2026` for a half-open range of ISO instants with their offsets. */
export function dateRange(startIso: string, endIso: string): string {
  const start = DateTime.fromISO(startIso, { setZone: true });
  const last = DateTime.fromISO(endIso, { setZone: true }).minus({ milliseconds: 1 });
  return start.hasSame(last, 'day')
    ? last.toFormat('LLL d, yyyy')
    : `${start.toFormat(start.year === last.year ? 'LLL d' : 'LLL d, yyyy')} – ${last.toFormat('LLL d, yyyy')}`;
}

/** A short value for chart captions: `$87K`, `30%`, `34`, `77 min`. */
export function shortNumber(value: number, unit: string): string {
  switch (unit) {
    case 'ratio':
      return percent(value);
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'business_minutes':
      return `${Math.round(value)} min`;
    case 'psi':
      return value.toFixed(2);
    default:
      return compactMoney(value, unit);
  }
}

/** `$412K`, `$1.2M`: an amount in its currency, compact. */
export function compactMoney(value: number, currency: string): string {
  return new Intl.NumberFormat('en-US', {
    style: 'currency',
    currency,
    notation: 'compact',
    maximumFractionDigits: Math.abs(value) >= 1_000_000 ? 1 : 0,
  }).format(value);
}

const CADENCE_UNITS = { weekly: 'weeks', monthly: 'months', quarterly: 'quarters' } as const;

/**
 * A trend in words, for readers whose client shows no colour and for the text part:
 * `13 weeks: low $12K, high $140K, this week $87K; 4, 9, 2, …`.
 */
export function trendSummary(trend: readonly TrendPoint[], unit: string, cadence: Cadence): string {
  const known = trend.filter((point): point is TrendPoint & { value: number } => point.value !== null);
  if (known.length === 0) return `no values in the last ${trend.length} ${CADENCE_UNITS[cadence]}`;
  const values = known.map((point) => point.value);
  const now = trend.at(-1);
  return `${trend.length} ${CADENCE_UNITS[cadence]}, oldest first: ${trend
    .map((point) => (point.value === null ? '–' : shortNumber(point.value, unit)))
    .join(
      ' · ',
    )} (low ${shortNumber(Math.min(...values), unit)}, high ${shortNumber(Math.max(...values), unit)}${
    now?.value != null ? `, now ${shortNumber(now.value, unit)}` : ''
  })`;
}
