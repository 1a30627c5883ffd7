import type { PacketMetric } from './packet.ts';

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
