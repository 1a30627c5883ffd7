import { Body } from '@react-email/body';
import { Container } from '@react-email/container';
import { Head } from '@react-email/head';
import { Heading } from '@react-email/heading';
import { Hr } from '@react-email/hr';
import { Html } from '@react-email/html';
import { Link } from '@react-email/link';
import { Preview } from '@react-email/preview';
import { Section } from '@react-email/section';
import { DateTime } from 'luxon';
import type { CSSProperties, ReactNode } from 'react';
import type { BreakdownRow } from '../metrics/types.ts';
import type { Packet, PacketMetric } from '../packets/packet.ts';
import { formatMetric } from '../packets/text.ts';
import type { Status } from '../packets/thresholds.ts';
import { MEETINGS, shortPeriod } from './subject.ts';

/**
 * How many rows a list and a breakdown show before "and N more"; the CSV attachment has them all.
 * The renderer lowers them step by step until the HTML fits under Gmail's clip.
 */
export interface Caps {
  items: number;
  breakdown: number;
}

// Explicit colours on every block (text and background) keep dark-mode clients from inverting
// only half of a pair; status is always spelled out, never carried by colour alone.
const ink = '#1f2933';
const muted = '#52606d';
const paper = '#ffffff';
const page = '#f4f5f7';
const rule = '#d9dde3';
const barColor = '#3b6fd6';
const barTrack = '#e6ebf5';

const STATUS_STYLE: Record<Status, { color: string; background: string; label: string }> = {
  good: { color: '#14532d', background: '#dcfce7', label: 'GOOD' },
  watch: { color: '#713f12', background: '#fef3c7', label: 'WATCH' },
  act: { color: '#7f1d1d', background: '#fee2e2', label: 'ACT' },
  none: { color: '#374151', background: '#eef0f3', label: '—' },
};

// Colour, font and wrapping are inherited: set once on the container, so each cell carries only
// what differs (this keeps the HTML far below Gmail's 102 KB clip).
const base: CSSProperties = {
  color: ink,
  fontSize: '14px',
  lineHeight: '20px',
  wordBreak: 'break-word',
  overflowWrap: 'anywhere',
};
const text: CSSProperties = { margin: '0' };
const small: CSSProperties = { color: muted, fontSize: '12px', lineHeight: '16px', margin: '0' };
const cell: CSSProperties = { padding: '4px', borderBottom: `1px solid ${rule}`, verticalAlign: 'top' };
/** A breakdown cell: its table carries the small font, the cell only its spacing. */
const thin: CSSProperties = { padding: '3px 4px', borderBottom: `1px solid ${rule}` };
const table = {
  width: '100%',
  borderCollapse: 'collapse',
  tableLayout: 'fixed',
} as const satisfies CSSProperties;

/** `Mon, Nov 9, 2026 08:00` from an ISO instant with its offset (the client's local time). */
function readable(iso: string): string {
  return DateTime.fromISO(iso, { setZone: true }).toFormat('ccc, LLL d, yyyy HH:mm');
}

/** The period's first and last day: `Nov 9, 2026 – Nov 15, 2026` (the end is exclusive). */
function periodDates(packet: Packet): string {
  const start = DateTime.fromISO(packet.period.start, { setZone: true });
  const last = DateTime.fromISO(packet.period.end, { setZone: true }).minus({ days: 1 });
  return `${start.toFormat('LLL d, yyyy')} – ${last.toFormat('LLL d, yyyy')}`;
}

/** A paragraph with no client default margins (React Email's Text adds 16px and its own font size). */
function P({ style, children }: { style?: CSSProperties; children: ReactNode }) {
  return <p style={{ margin: '0', ...style }}>{children}</p>;
}

function Pill({ status }: { status: Status }) {
  const style = STATUS_STYLE[status];
  return (
    <span
      style={{ color: style.color, background: style.background, font: '700 11px Arial', padding: '2px 5px' }}
    >
      {style.label}
    </span>
  );
}

function SectionTitle({ children }: { children: ReactNode }) {
  return (
    <Heading as="h2" style={{ color: ink, fontSize: '16px', lineHeight: '22px', margin: '24px 0 8px' }}>
      {children}
    </Heading>
  );
}

function more(total: number, cap: number): ReactNode {
  if (cap === 0 && total > 0) return <P style={small}>{total} rows in the attached CSV</P>;
  return total > cap ? <P style={small}>…and {total - cap} more (all in the attached CSV)</P> : null;
}

/** A breakdown as HTML bars: the share of the largest value, drawn with table cells, not images. */
function Bars({ rows, metric, cap }: { rows: BreakdownRow[]; metric: PacketMetric; cap: number }) {
  const shown = rows.slice(0, cap);
  const numeric = shown.map((row) => Math.abs(row.value ?? 0));
  const largest = Math.max(...numeric, metric.unit === 'ratio' ? 1 : 0) || 1;
  return (
    <>
      <table role="presentation" cellPadding={0} cellSpacing={0} style={{ ...table, ...small }}>
        <tbody>
          {shown.map((row) => {
            const width = Math.max(1, Math.round((Math.abs(row.value ?? 0) / largest) * 100));
            const unit = row.key.startsWith('amount:') ? 'ratio' : metric.unit;
            return (
              <tr key={row.key}>
                <td width="38%" style={thin}>
                  {row.key}
                </td>
                <td width="32%" style={thin}>
                  <table role="presentation" cellPadding={0} cellSpacing={0} width="100%">
                    <tbody>
                      <tr style={{ height: '10px', fontSize: '1px', lineHeight: '1px' }}>
                        <td width={`${width}%`} style={{ background: barColor }}>
                          &nbsp;
                        </td>
                        {width < 100 ? <td style={{ background: barTrack }}>&nbsp;</td> : null}
                      </tr>
                    </tbody>
                  </table>
                </td>
                <td width="30%" align="right" style={thin}>
                  {formatMetric({ value: row.value, unit, n: row.n, interval: row.interval })}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {more(rows.length, cap)}
    </>
  );
}

function MetricBlock({ metric, caps }: { metric: PacketMetric; caps: Caps }) {
  const items = metric.items ?? [];
  return (
    <Section style={{ margin: '0 0 14px' }}>
      <P style={{ ...text, fontWeight: 700 }}>
        {metric.label} <Pill status={metric.status} />
      </P>
      <P style={text}>{formatMetric(metric)}</P>
      {metric.previous || metric.target !== undefined ? (
        <P style={small}>
          {[
            metric.previous
              ? `previous ${metric.previous.periods}-period mean ${formatMetric({ value: metric.previous.mean, unit: metric.unit, n: metric.n }).replace(/ \(n .*$/, '')}`
              : '',
            metric.target !== undefined
              ? `target ${formatMetric({ value: metric.target, unit: metric.unit, n: metric.n }).replace(/ \(n .*$/, '')}`
              : '',
          ]
            .filter(Boolean)
            .join(' · ')}
        </P>
      ) : null}
      {metric.cohort ? (
        <P style={small}>
          cohort {metric.cohort.start.slice(0, 10)} to {metric.cohort.end.slice(0, 10)}
        </P>
      ) : null}
      {metric.statusReason ? <P style={small}>{metric.statusReason}</P> : null}
      {metric.breakdown && metric.breakdown.length > 0 ? (
        <Bars rows={metric.breakdown} metric={metric} cap={caps.breakdown} />
      ) : null}
      {items.length > 0 ? (
        <>
          {items.slice(0, caps.items).map((item) => (
            <P key={item.id} style={{ ...small, padding: '2px 0' }}>
              {item.link ? (
                <Link href={item.link} style={{ color: barColor }}>
                  {item.id}
                </Link>
              ) : (
                item.id
              )}{' '}
              {item.label}
              {item.owner ? ` · owner ${item.owner}` : ''}
            </P>
          ))}
          {more(items.length, caps.items)}
        </>
      ) : null}
      {Object.entries(metric.notes ?? {}).map(([key, value]) => (
        <P key={key} style={small}>
          {key}: {value ?? '—'}
        </P>
      ))}
    </Section>
  );
}

const LANES = [
  ['marketing', 'Marketing'],
  ['sales', 'Sales'],
  ['both', 'Both teams'],
] as const;

/** The packet as an email: table-based, inline styles, one fluid column, no images or scripts. */
export function PacketEmail({ packet, subject, caps }: { packet: Packet; subject: string; caps: Caps }) {
  const byId = new Map(packet.metrics.map((metric) => [metric.id as string, metric]));
  const health = packet.dataHealth;
  const healthRows: [string, string][] = [
    ['Unmapped sources', health.unmappedSources.map((s) => `${s.key} (${s.n})`).join(', ') || 'none'],
    ['Deals without amount', String(health.dealsWithoutAmount)],
    [
      'Deals in another currency',
      health.dealsInOtherCurrency.map((s) => `${s.key} (${s.n})`).join(', ') || 'none',
    ],
    ['Contacts without firmographics', String(health.contactsWithoutFirmographics)],
    ['Disqualifications without reason', String(health.disqualificationsWithoutReason)],
    [
      'ICP attributes missing',
      health.icpAttributesMissing.map((s) => `${s.key} (${s.n})`).join(', ') || 'none',
    ],
    [
      'Quarantined deliveries',
      health.quarantinedDeliveries.map((s) => `${s.key} (${s.n})`).join(', ') || 'none',
    ],
    ['Forms not linked to a contact', String(health.unlinkedForms)],
  ];
  return (
    <Html lang="en">
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{subject}</title>
      </Head>
      <Preview>{packet.headline.text}</Preview>
      <Body
        style={{
          backgroundColor: page,
          margin: '0',
          padding: '12px 0',
          fontFamily: 'Arial, Helvetica, sans-serif',
        }}
      >
        <Container
          style={{ ...base, backgroundColor: paper, maxWidth: '600px', width: '100%', padding: '16px' }}
        >
          <P style={small}>
            {packet.displayName} · {packet.cadence} {MEETINGS[packet.cadence]}
          </P>
          <Heading as="h1" style={{ color: ink, fontSize: '20px', lineHeight: '26px', margin: '4px 0 4px' }}>
            {shortPeriod(packet)}: {packet.period.label}
          </Heading>
          <P style={small}>
            {periodDates(packet)} ({packet.period.timezone}) · as of {readable(packet.asOf)}
          </P>

          <Section
            style={{ backgroundColor: '#eef3fd', padding: '12px', margin: '14px 0', borderRadius: '4px' }}
          >
            <P style={{ ...text, fontSize: '16px', fontWeight: 700, lineHeight: '22px' }}>
              {packet.headline.text}
            </P>
          </Section>

          <SectionTitle>Status</SectionTitle>
          <table role="presentation" cellPadding={0} cellSpacing={0} style={table}>
            <tbody>
              {packet.metrics.map((metric) => (
                <tr key={metric.id}>
                  <td style={{ ...cell, width: '18%' }}>
                    <Pill status={metric.status} />
                  </td>
                  <td style={{ ...cell, ...text, width: '44%' }}>
                    {metric.label}
                    <br />
                    <span style={small}>{metric.owner}</span>
                  </td>
                  <td style={{ ...cell, ...text, width: '38%', textAlign: 'right' }}>
                    {formatMetric({ ...metric, interval: undefined, smallSample: false })}
                    {metric.interval ? (
                      <>
                        <br />
                        <span style={small}>
                          {formatMetric({ ...metric, smallSample: false })
                            .replace(/^.*\(n \d+, /, '')
                            .replace(/\)$/, '')}
                        </span>
                      </>
                    ) : null}
                    {metric.smallSample && metric.value !== null ? (
                      <>
                        <br />
                        <span style={{ ...small, color: STATUS_STYLE.watch.color, fontWeight: 700 }}>
                          small sample
                        </span>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>

          <SectionTitle>Actions by lane</SectionTitle>
          {packet.actions.length === 0 ? <P style={text}>Nothing is out of range.</P> : null}
          {LANES.map(([lane, title]) => {
            const actions = packet.actions.filter((action) => action.owner === lane);
            if (actions.length === 0) return null;
            return (
              <Section key={lane} style={{ margin: '0 0 8px' }}>
                <P style={{ ...text, fontWeight: 700 }}>{title}</P>
                {actions.map((action) => (
                  <P key={action.metric} style={text}>
                    • {byId.get(action.metric)?.label ?? action.metric}: {action.text}
                  </P>
                ))}
              </Section>
            );
          })}

          {packet.sections.map((section) => (
            <Section key={section.id}>
              <SectionTitle>{section.title}</SectionTitle>
              {section.metrics.map((id) => {
                const metric = byId.get(id);
                return metric ? <MetricBlock key={id} metric={metric} caps={caps} /> : null;
              })}
            </Section>
          ))}

          <SectionTitle>MQL cohort and loss reasons</SectionTitle>
          <P style={text}>
            {packet.mqlCohort.mqls} MQLs: {packet.mqlCohort.customer} customers,{' '}
            {packet.mqlCohort.opportunity} opportunities, {packet.mqlCohort.sql} SQLs,{' '}
            {packet.mqlCohort.disqualified} disqualified, {packet.mqlCohort.open} open
          </P>
          {packet.lossReasons.length === 0 ? <P style={small}>No deal lost in the period.</P> : null}
          {packet.lossReasons.slice(0, caps.items).map((reason) => (
            <P key={reason.key} style={small}>
              {reason.key}: {reason.n}
            </P>
          ))}
          {more(packet.lossReasons.length, caps.items)}

          <SectionTitle>Data health</SectionTitle>
          <table role="presentation" cellPadding={0} cellSpacing={0} style={table}>
            <tbody>
              {healthRows.map(([label, value]) => (
                <tr key={label}>
                  <td style={{ ...cell, ...small, width: '50%' }}>{label}</td>
                  <td style={{ ...cell, ...text, width: '50%' }}>{value}</td>
                </tr>
              ))}
            </tbody>
          </table>

          <Hr style={{ borderColor: rule, margin: '24px 0 8px' }} />
          <SectionTitle>Definitions (version {packet.definitions.version})</SectionTitle>
          {packet.definitions.since ? (
            <P style={small}>
              In use since {packet.definitions.since}
              {packet.definitions.changedInPeriod ? '; changed during this period' : ''}.
            </P>
          ) : null}
          {packet.definitions.metrics.map((entry) => (
            <P key={entry.id} style={{ ...small, margin: '0 0 4px' }}>
              <b>{entry.id}</b>: {entry.meaning}
            </P>
          ))}
          {packet.definitions.rules.map((rule) => (
            <P key={rule} style={{ ...small, margin: '0 0 4px' }}>
              • {rule}
            </P>
          ))}
        </Container>
      </Body>
    </Html>
  );
}
