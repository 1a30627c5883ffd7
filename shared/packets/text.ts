import type { BreakdownRow } from '../metrics/types.ts';
import type { Packet, PacketMetric } from './packet.ts';

const LANES = ['marketing', 'sales', 'both'] as const;

function formatNumber(value: number | null, unit: string): string {
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

/** A metric's value with its n and interval: `31.0% (n 112, 95% CI 23.0–40.0%)`. */
export function formatMetric(
  metric: Pick<PacketMetric, 'value' | 'unit' | 'n' | 'interval' | 'smallSample'>,
): string {
  const interval = metric.interval
    ? `, 95% CI ${formatNumber(metric.interval[0], metric.unit)}–${formatNumber(metric.interval[1], metric.unit)}`
    : '';
  if (metric.value === null) return `no cases (n ${metric.n})`;
  return `${formatNumber(metric.value, metric.unit)} (n ${metric.n}${interval}${metric.smallSample ? ', small sample' : ''})`;
}

function formatRow(row: BreakdownRow, unit: string): string {
  const value = row.key.startsWith('amount:')
    ? formatNumber(row.value, 'ratio')
    : formatNumber(row.value, unit);
  return `${row.key} ${value} (n ${row.n})`;
}

const pad = (text: string, width: number) =>
  text.length >= width ? text : text + ' '.repeat(width - text.length);

/**
 * The packet as plain text: the same numbers as the JSON, readable in a terminal and used as the
 * email's text part.
 */
export function packetText(packet: Packet): string {
  const lines: string[] = [];
  const byId = new Map(packet.metrics.map((metric) => [metric.id as string, metric]));
  lines.push(`${packet.displayName}: ${packet.cadence} review packet, ${packet.period.label}`);
  lines.push(
    `Period ${packet.period.start} to ${packet.period.end} (${packet.period.timezone}), as of ${packet.asOf}`,
  );
  const { since, history, changedInPeriod } = packet.definitions;
  lines.push(
    `Definitions version ${packet.definitionsVersion}${since ? `, in use since ${since}` : ''}${changedInPeriod ? ' (changed during this period)' : ''}`,
  );
  lines.push('', 'HEADLINE', `  ${packet.headline.text}`);

  lines.push('', 'STATUS');
  for (const metric of packet.metrics) {
    const comparison = [
      metric.previous ? `prev mean ${formatNumber(metric.previous.mean, metric.unit)}` : undefined,
      metric.target !== undefined ? `target ${formatNumber(metric.target, metric.unit)}` : undefined,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `  ${pad(metric.status.toUpperCase(), 6)} ${pad(metric.owner, 10)} ${pad(metric.label, 48)} ${formatMetric(metric)}${comparison ? `; ${comparison}` : ''}`,
    );
  }

  lines.push('', 'ACTIONS BY LANE');
  if (packet.actions.length === 0) lines.push('  Nothing is out of range.');
  for (const lane of LANES) {
    const actions = packet.actions.filter((action) => action.owner === lane);
    if (actions.length === 0) continue;
    lines.push(`  ${lane[0]?.toUpperCase()}${lane.slice(1)}`);
    for (const action of actions)
      lines.push(`    - ${byId.get(action.metric)?.label ?? action.metric}: ${action.text}`);
  }

  for (const section of packet.sections) {
    lines.push('', section.title.toUpperCase());
    for (const id of section.metrics) {
      const metric = byId.get(id);
      if (!metric) continue;
      lines.push(`  ${metric.label}: ${formatMetric(metric)}`);
      if (metric.cohort) lines.push(`    cohort ${metric.cohort.start} to ${metric.cohort.end}`);
      for (const row of (metric.breakdown ?? []).slice(0, 12))
        lines.push(`    ${formatRow(row, metric.unit)}`);
      for (const item of (metric.items ?? []).slice(0, 15)) {
        lines.push(
          `    • ${item.id}: ${item.label}${item.owner ? ` (owner ${item.owner})` : ''}${item.link ? ` ${item.link}` : ''}`,
        );
      }
      for (const [key, value] of Object.entries(metric.notes ?? {}))
        lines.push(`    ${key}: ${value ?? '—'}`);
    }
  }

  const cohort = packet.mqlCohort;
  lines.push(
    '',
    'MQL COHORT STATUS',
    `  ${cohort.mqls} MQLs: ${cohort.customer} customers, ${cohort.opportunity} opportunities, ${cohort.sql} SQLs, ${cohort.disqualified} disqualified, ${cohort.open} open`,
  );
  lines.push('', 'LOSS REASONS');
  if (packet.lossReasons.length === 0) lines.push('  No deal lost in the period.');
  for (const reason of packet.lossReasons)
    lines.push(
      `  ${reason.key}: ${reason.n} (${formatNumber(reason.amount, byId.get('qpc.won.amount')?.unit ?? 'USD')})`,
    );

  const health = packet.dataHealth;
  lines.push('', 'DATA HEALTH');
  lines.push(
    `  Unmapped sources: ${health.unmappedSources.map((s) => `${s.key} (${s.n})`).join(', ') || 'none'}`,
  );
  lines.push(`  Deals without amount: ${health.dealsWithoutAmount}`);
  lines.push(
    `  Deals in another currency: ${health.dealsInOtherCurrency.map((s) => `${s.key} (${s.n})`).join(', ') || 'none'}`,
  );
  lines.push(`  Contacts without firmographics: ${health.contactsWithoutFirmographics}`);
  lines.push(`  Disqualifications without reason: ${health.disqualificationsWithoutReason}`);
  lines.push(
    `  ICP attributes missing: ${health.icpAttributesMissing.map((s) => `${s.key} (${s.n})`).join(', ') || 'none'}`,
  );
  lines.push(
    `  Quarantined deliveries: ${health.quarantinedDeliveries.map((s) => `${s.key} (${s.n})`).join(', ') || 'none'}`,
  );
  lines.push(`  Forms not linked to a contact: ${health.unlinkedForms}`);

  lines.push('', `DEFINITIONS (version ${packet.definitions.version})`);
  for (const entry of packet.definitions.metrics) lines.push(`  ${entry.id}: ${entry.meaning}`);
  for (const rule of packet.definitions.rules) lines.push(`  - ${rule}`);
  for (const earlier of history ?? [])
    lines.push(`  Earlier version ${earlier.version}, in use from ${earlier.since}`);
  return `${lines.join('\n')}\n`;
}
