import { MEETINGS, PERIOD_WORDS } from '../metrics/registry.ts';
import type { KeyCount } from './data-health.ts';
import {
  dateRange,
  formatMetric,
  formatNumber,
  laneName,
  ownerLine,
  readableInstant,
  trendSummary,
} from './format.ts';
import { conversionLabel, periodHeading, unknownOwnerLabel, unmappedStageLabel } from './labels.ts';
import type { Packet, PacketBreakdownRow, PacketItem, PacketMetric } from './packet.ts';

const LANES = ['marketing', 'sales', 'both'] as const;

/** `Paid search  44.4% (n 9)`, with the baseline share for drift rows. */
export function breakdownText(row: PacketBreakdownRow): string {
  const baseline = row.baseline
    ? ` · before ${formatNumber(row.baseline.value, row.unit)} (n ${row.baseline.n})`
    : '';
  return `${row.label}: ${formatNumber(row.value, row.unit)} (n ${row.n})${baseline}`;
}

/** `HubSpot contact 1002936: touched after 890 business minutes (target 240) · Dana Reyes` */
export function itemText(item: PacketItem): string {
  return `${item.name}: ${item.text}${item.ownerName ? ` · ${item.ownerName}` : ''}`;
}

/** What a reader needs under a value: previous mean, target and cohort, in words. */
export function comparisonText(metric: PacketMetric, cadence: Packet['cadence']): string {
  return [
    metric.previous
      ? `previous ${metric.previous.periods}-${PERIOD_WORDS[cadence]} mean ${formatNumber(metric.previous.mean, metric.unit)}`
      : '',
    metric.target !== undefined ? `target ${formatNumber(metric.target, metric.unit)}` : '',
    metric.cohort ? `cohort ${dateRange(metric.cohort.start, metric.cohort.end)}` : '',
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Data health in rows of words: the same rows in the email and the text. */
export function dataHealthRows(packet: Packet): [string, string][] {
  const health = packet.dataHealth;
  const list = (rows: { key: string; n: number }[], label: (key: string) => string = (key) => key) =>
    rows.map((row) => `${label(row.key)} (${row.n})`).join(', ') || 'none';
  // Rows that only some CRM setups produce (conversions, stage maps, pipelines) show when they have something.
  const whenAny = (label: string, rows: KeyCount[] | undefined, words?: (key: string) => string) =>
    rows && rows.length > 0 ? [[label, list(rows, words)] as [string, string]] : [];
  return [
    // Each configured source first: is it delivering? ("HubSpot: last delivery Mon 07:12, …").
    ...(health.sources ?? []).map((source): [string, string] => [
      source.name,
      source.line.slice(source.name.length + 2),
    ]),
    ['Unmapped sources', list(health.unmappedSources)],
    ['Deals without amount', String(health.dealsWithoutAmount)],
    ['Deals in another currency, not converted', list(health.dealsInOtherCurrency)],
    ...whenAny('Deals converted to the client currency', health.dealsConverted, conversionLabel),
    ...whenAny('Deals in stages no stage map names', health.dealsInUnmappedStages, unmappedStageLabel),
    ...whenAny('Deals in pipelines not counted', health.dealsInOtherPipelines),
    ...(health.forecastDealsWithoutProbability
      ? [
          [
            'Forecast deals without a probability (counted at 0)',
            String(health.forecastDealsWithoutProbability),
          ] as [string, string],
        ]
      : []),
    ['Contacts without firmographics', String(health.contactsWithoutFirmographics)],
    ['Disqualifications without reason', String(health.disqualificationsWithoutReason)],
    ['ICP attributes missing', list(health.icpAttributesMissing)],
    ['Quarantined deliveries', list(health.quarantinedDeliveries)],
    ['Forms not linked to a contact', String(health.unlinkedForms)],
    ['Owners without a name in the roster', list(health.ownersWithoutName ?? [], unknownOwnerLabel)],
  ];
}

/** "from Mon, Nov 30, 08:00 to Tue, Dec 1, 08:00: <reasons>. Released by …" */
export function heldText(held: NonNullable<Packet['definitions']['held']>): string {
  return `from ${readableInstant(held.since)} to ${readableInstant(held.until)}: ${held.reasons.join('; ')}. Released by ${held.releasedBy}.`;
}

const pad = (text: string, width: number) =>
  text.length >= width ? text : text + ' '.repeat(width - text.length);

/**
 * The packet as plain text: the same numbers and words as the email, readable in a terminal and
 * used as the email's text part.
 */
export function packetText(packet: Packet): string {
  const lines: string[] = [];
  const byId = new Map(packet.metrics.map((metric) => [metric.id as string, metric]));
  lines.push(
    `${packet.displayName}: ${packet.cadence} ${MEETINGS[packet.cadence]}, ${periodHeading(packet)}`,
    `${dateRange(packet.period.start, packet.period.end)} (${packet.period.timezone}), as of ${readableInstant(packet.asOf)}`,
  );
  const { since, history, changedInPeriod } = packet.definitions;
  lines.push(
    `Definitions version ${packet.definitionsVersion}${since ? `, in use since ${readableInstant(since)}` : ''}${changedInPeriod ? ' (changed during this period)' : ''}`,
  );
  if (packet.banner) lines.push('', `WARNING: ${packet.banner}`);
  const sources = packet.dataHealth.sources ?? [];
  if (sources.length > 0) lines.push('', 'SOURCES', ...sources.map((source) => `  ${source.line}`));
  lines.push('', 'HEADLINE', `  ${packet.headline.text}`);

  if (packet.findings.length > 0) {
    lines.push('', 'WHAT STANDS OUT');
    for (const [index, finding] of packet.findings.entries()) lines.push(`  ${index + 1}. ${finding.text}`);
  }

  lines.push('', 'STATUS');
  for (const id of packet.statusTable) {
    const metric = byId.get(id);
    if (!metric) continue;
    lines.push(
      `  ${pad(metric.status === 'none' ? '—' : metric.status.toUpperCase(), 6)} ${metric.label}: ${formatMetric(metric)}`,
    );
    lines.push(
      `         owner: ${ownerLine(metric)}${comparisonText(metric, packet.cadence) ? `; ${comparisonText(metric, packet.cadence)}` : ''}`,
    );
    if (metric.statusReason) lines.push(`         ${metric.statusReason}`);
  }
  const unjudged = packet.noThreshold.map((id) => byId.get(id)?.label).filter(Boolean);
  if (unjudged.length > 0) {
    lines.push(`  No agreed threshold yet (agree one to get a status): ${unjudged.join(', ')}.`);
  }

  const trends = packet.statusTable.map((id) => byId.get(id)).filter((metric) => metric?.trend);
  if (trends.length > 0) {
    lines.push('', 'TRENDS');
    for (const metric of trends) {
      if (!metric?.trend) continue;
      lines.push(`  ${metric.label}: ${trendSummary(metric.trend, metric.unit, packet.cadence)}`);
    }
  }

  lines.push('', 'ACTIONS BY LANE');
  if (packet.actions.length === 0) lines.push('  Nothing is out of range.');
  for (const lane of LANES) {
    const actions = packet.actions.filter((action) => action.owner === lane);
    if (actions.length === 0) continue;
    const names = actions[0]?.ownerNames ?? [];
    lines.push(`  ${laneName(lane)}${names.length > 0 ? ` (${names.join(', ')})` : ''}`);
    for (const action of actions)
      lines.push(`    - ${byId.get(action.metric)?.label ?? action.metric}: ${action.text}`);
  }

  for (const section of packet.sections) {
    lines.push('', section.title.toUpperCase());
    for (const id of section.metrics) {
      const metric = byId.get(id);
      if (!metric) continue;
      lines.push(`  ${metric.label}: ${formatMetric(metric)}`);
      const comparison = comparisonText(metric, packet.cadence);
      if (comparison) lines.push(`    ${comparison}`);
      for (const remark of metric.remarks ?? []) lines.push(`    ${remark}`);
      for (const row of (metric.breakdown ?? []).slice(0, 12)) lines.push(`    ${breakdownText(row)}`);
      for (const item of (metric.items ?? []).slice(0, 15)) {
        lines.push(`    • ${itemText(item)}${item.link ? ` ${item.link}` : ''}`);
      }
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
  const currency = byId.get('qpc.won.amount')?.unit ?? 'USD';
  for (const reason of packet.lossReasons)
    lines.push(`  ${reason.label}: ${reason.n} (${formatNumber(reason.amount, currency)})`);

  lines.push('', 'DATA HEALTH');
  for (const [label, value] of dataHealthRows(packet)) lines.push(`  ${label}: ${value}`);

  lines.push('', `DEFINITIONS (version ${packet.definitions.version})`);
  if (packet.definitions.held) lines.push(`  Held ${heldText(packet.definitions.held)}`);
  for (const entry of packet.definitions.metrics)
    lines.push(`  ${entry.label} (${entry.id}): ${entry.meaning}`);
  for (const rule of packet.definitions.rules) lines.push(`  - ${rule}`);
  for (const earlier of history ?? [])
    lines.push(`  Earlier version ${earlier.version}, in use from ${earlier.since}`);
  return `${lines.join('\n')}\n`;
}
