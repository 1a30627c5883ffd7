import { Body } from '@react-email/body';
import { Container } from '@react-email/container';
import { Head } from '@react-email/head';
import { Heading } from '@react-email/heading';
import { Hr } from '@react-email/hr';
import { Html } from '@react-email/html';
import { Link } from '@react-email/link';
import { Preview } from '@react-email/preview';
import { Section } from '@react-email/section';
import type { CSSProperties, ReactNode } from 'react';
import { MEETINGS } from '../metrics/registry.ts';
import {
  dateRange,
  formatInterval,
  formatNumber,
  laneName,
  ownerLine,
  readableInstant,
  shortNumber,
  trendSummary,
} from '../packets/format.ts';
import { periodHeading } from '../packets/labels.ts';
import type { Packet, PacketBreakdownRow, PacketMetric, TrendPoint } from '../packets/packet.ts';
import { comparisonText, dataHealthRows, heldText, itemText } from '../packets/text.ts';
import type { Status } from '../packets/thresholds.ts';

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

/** A bar drawn with two table cells of numeric widths: no images, no CSS the Word engine drops. */
function Bar({ share }: { share: number }) {
  const width = Math.max(1, Math.min(100, Math.round(share * 100)));
  return (
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
  );
}

/**
 * A breakdown as HTML bars. Each row is drawn in its own unit: a rate against 100%, a count or an
 * amount against the largest row of its unit.
 */
function Bars({ rows, cap }: { rows: PacketBreakdownRow[]; cap: number }) {
  const shown = rows.slice(0, cap);
  const largest = new Map<string, number>();
  for (const row of shown) {
    largest.set(row.unit, Math.max(largest.get(row.unit) ?? 0, Math.abs(row.value ?? 0)));
  }
  // Rows with a baseline print two values: give the numbers more room than the bar.
  const widths = shown.some((row) => row.baseline) ? ['36%', '18%', '46%'] : ['40%', '28%', '32%'];
  const scale = (row: PacketBreakdownRow) => (row.unit === 'ratio' ? 1 : largest.get(row.unit) || 1);
  // A signed breakdown (forecast bias: over and under) has no length to draw: numbers only.
  const drawn = shown.every((row) => (row.value ?? 0) >= 0);
  return (
    <>
      <table role="presentation" cellPadding={0} cellSpacing={0} style={{ ...table, ...small }}>
        <tbody>
          {shown.map((row) => (
            <tr key={row.key}>
              <td width={widths[0]} style={thin}>
                {row.label}
              </td>
              <td width={widths[1]} style={thin}>
                {drawn ? <Bar share={(row.value ?? 0) / scale(row)} /> : null}
              </td>
              <td width={widths[2]} align="right" style={thin}>
                {formatNumber(row.value, row.unit)} (n {row.n})
                {row.baseline ? (
                  <>
                    <br />
                    before {formatNumber(row.baseline.value, row.unit)} (n {row.baseline.n})
                  </>
                ) : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {more(rows.length, cap)}
    </>
  );
}

/** `$87,000` with `n 5` and the interval under it, and a visible small-sample mark. */
function Value({ metric }: { metric: PacketMetric }) {
  if (metric.value === null) return <>no cases (n {metric.n})</>;
  const interval = formatInterval(metric.interval, metric.unit);
  return (
    <>
      <b>{formatNumber(metric.value, metric.unit)}</b> (n {metric.n})
      {interval ? (
        <>
          <br />
          <span style={small}>{interval}</span>
        </>
      ) : null}
      {metric.smallSample ? (
        <>
          <br />
          <span style={{ ...small, color: STATUS_STYLE.watch.color, fontWeight: 700 }}>small sample</span>
        </>
      ) : null}
    </>
  );
}

const CHART_HEIGHT = 36;

/**
 * A trend as a row of table-cell columns, oldest first, this period darker. Heights are numeric
 * attributes and the words under it say every value, so it reads with images and styles blocked.
 */
function TrendChart({
  trend,
  unit,
  cadence,
}: {
  trend: TrendPoint[];
  unit: string;
  cadence: Packet['cadence'];
}) {
  const values = trend.map((point) => point.value ?? 0);
  const top = Math.max(...values.map(Math.abs)) || 1;
  const width = Math.floor(100 / trend.length);
  return (
    <>
      <table
        role="presentation"
        cellPadding={0}
        cellSpacing={0}
        width="100%"
        style={{ tableLayout: 'fixed' }}
      >
        <tbody>
          <tr>
            {trend.map((point, index) => {
              const height =
                point.value === null
                  ? 0
                  : Math.max(1, Math.round((Math.abs(point.value) / top) * CHART_HEIGHT));
              const last = index === trend.length - 1;
              return (
                <td key={point.periodStart} width={`${width}%`} valign="bottom" style={{ padding: '0 1px' }}>
                  <table role="presentation" cellPadding={0} cellSpacing={0} width="100%">
                    <tbody>
                      {height < CHART_HEIGHT ? (
                        <tr>
                          <td height={CHART_HEIGHT - height} style={{ fontSize: '1px', lineHeight: '1px' }}>
                            &nbsp;
                          </td>
                        </tr>
                      ) : null}
                      <tr>
                        <td
                          height={height || 1}
                          style={{
                            background: point.value === null ? rule : last ? ink : barColor,
                            fontSize: '1px',
                            lineHeight: '1px',
                          }}
                        >
                          &nbsp;
                        </td>
                      </tr>
                    </tbody>
                  </table>
                </td>
              );
            })}
          </tr>
        </tbody>
      </table>
      <P style={{ ...small, margin: '2px 0 0' }}>{trendSummary(trend, unit, cadence)}</P>
    </>
  );
}

function MetricBlock({
  metric,
  caps,
  cadence,
}: {
  metric: PacketMetric;
  caps: Caps;
  cadence: Packet['cadence'];
}) {
  const items = metric.items ?? [];
  const comparison = comparisonText(metric, cadence);
  return (
    <Section style={{ margin: '0 0 14px' }}>
      <P style={{ ...text, fontWeight: 700 }}>
        {metric.label} <Pill status={metric.status} />
      </P>
      <P style={text}>
        <Value metric={metric} />
      </P>
      {comparison ? <P style={small}>{comparison}</P> : null}
      {metric.statusReason ? <P style={small}>{metric.statusReason}</P> : null}
      {(metric.remarks ?? []).map((remark) => (
        <P key={remark} style={{ ...small, color: ink }}>
          {remark}
        </P>
      ))}
      {metric.breakdown && metric.breakdown.length > 0 ? (
        <Bars rows={metric.breakdown} cap={caps.breakdown} />
      ) : null}
      {items.length > 0 ? (
        <>
          {items.slice(0, caps.items).map((item) => (
            <P key={item.id} style={{ ...small, padding: '2px 0' }}>
              {item.link ? (
                <Link href={item.link} style={{ color: barColor }}>
                  {item.name}
                </Link>
              ) : null}
              {item.link ? itemText(item).slice(item.name.length) : itemText(item)}
            </P>
          ))}
          {more(items.length, caps.items)}
        </>
      ) : null}
    </Section>
  );
}

const LANES = ['marketing', 'sales', 'both'] as const;

/**
 * The packet as an email: table-based, inline styles, one fluid column, no images or scripts. The
 * same markup is its web copy (`web`): wider, every list whole, kept out of search engines.
 */
export function PacketEmail({
  packet,
  subject,
  caps,
  webUrl,
  web = false,
}: {
  packet: Packet;
  subject: string;
  caps: Caps;
  /** The link to the web copy, printed under the period in the email. */
  webUrl?: string;
  web?: boolean;
}) {
  const byId = new Map(packet.metrics.map((metric) => [metric.id as string, metric]));
  const tableMetrics = packet.statusTable
    .map((id) => byId.get(id))
    .filter((metric): metric is PacketMetric => metric !== undefined);
  const unjudged = packet.noThreshold.map((id) => byId.get(id)?.label).filter(Boolean);
  return (
    <Html lang="en">
      <Head>
        <meta name="color-scheme" content="light dark" />
        <meta name="supported-color-schemes" content="light dark" />
        <title>{subject}</title>
        {web ? <meta name="robots" content="noindex, nofollow" /> : null}
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
          style={{
            ...base,
            backgroundColor: paper,
            maxWidth: web ? '760px' : '600px',
            width: '100%',
            padding: '16px',
          }}
        >
          <P style={small}>
            {packet.displayName} · {packet.cadence} {MEETINGS[packet.cadence]}
          </P>
          <Heading as="h1" style={{ color: ink, fontSize: '20px', lineHeight: '26px', margin: '4px 0 4px' }}>
            {periodHeading(packet)}
          </Heading>
          <P style={small}>
            {dateRange(packet.period.start, packet.period.end)} ({packet.period.timezone}) · as of{' '}
            {readableInstant(packet.asOf)}
          </P>
          {webUrl && !web ? (
            <P style={{ ...small, margin: '4px 0 0' }}>
              <Link href={webUrl} style={{ color: '#1a56c4' }}>
                Open the full packet in your browser
              </Link>{' '}
              (every list in full; the link opens this packet only)
            </P>
          ) : null}

          {packet.banner ? (
            <Section
              style={{
                backgroundColor: '#fdecea',
                borderLeft: '4px solid #b42318',
                padding: '12px',
                margin: '14px 0 0',
                borderRadius: '4px',
              }}
            >
              <P style={{ ...text, color: '#7a1a12', fontWeight: 700 }}>{packet.banner}</P>
            </Section>
          ) : null}

          <Section
            style={{ backgroundColor: '#eef3fd', padding: '12px', margin: '14px 0', borderRadius: '4px' }}
          >
            <P style={{ ...text, fontSize: '16px', fontWeight: 700, lineHeight: '22px' }}>
              {packet.headline.text}
            </P>
          </Section>

          {packet.findings.length > 0 ? (
            <>
              <SectionTitle>What stands out</SectionTitle>
              {packet.findings.map((finding, index) => (
                <P key={finding.text} style={{ ...text, margin: '0 0 6px' }}>
                  {index + 1}. {finding.text}
                </P>
              ))}
            </>
          ) : null}

          <SectionTitle>Status</SectionTitle>
          <table role="presentation" cellPadding={0} cellSpacing={0} style={table}>
            <tbody>
              {tableMetrics.map((metric) => (
                <tr key={metric.id}>
                  <td style={{ ...cell, width: '18%' }}>
                    <Pill status={metric.status} />
                  </td>
                  <td style={{ ...cell, ...text, width: '44%' }}>
                    {metric.label}
                    <br />
                    <span style={small}>{ownerLine(metric)}</span>
                  </td>
                  <td style={{ ...cell, ...text, width: '38%', textAlign: 'right' }}>
                    <Value metric={metric} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {unjudged.length > 0 ? (
            <P style={{ ...small, margin: '6px 0 0' }}>
              No agreed threshold yet (agree one to get a status): {unjudged.join(', ')}.
            </P>
          ) : null}

          {tableMetrics.some((metric) => metric.trend) ? (
            <>
              <SectionTitle>Trends</SectionTitle>
              {tableMetrics.map((metric) =>
                metric.trend ? (
                  <Section key={metric.id} style={{ margin: '0 0 12px' }}>
                    <P style={{ ...text, fontWeight: 700 }}>{metric.label}</P>
                    <TrendChart trend={metric.trend} unit={metric.unit} cadence={packet.cadence} />
                  </Section>
                ) : null,
              )}
            </>
          ) : null}

          <SectionTitle>Actions by lane</SectionTitle>
          {packet.actions.length === 0 ? <P style={text}>Nothing is out of range.</P> : null}
          {LANES.map((lane) => {
            const actions = packet.actions.filter((action) => action.owner === lane);
            if (actions.length === 0) return null;
            const names = actions[0]?.ownerNames ?? [];
            return (
              <Section key={lane} style={{ margin: '0 0 8px' }}>
                <P style={{ ...text, fontWeight: 700 }}>
                  {laneName(lane)}
                  {names.length > 0 ? ` · ${names.join(', ')}` : ''}
                </P>
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
                return metric ? (
                  <MetricBlock key={id} metric={metric} caps={caps} cadence={packet.cadence} />
                ) : null;
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
              {reason.label}: {reason.n} lost (
              {shortNumber(reason.amount, byId.get('qpc.lost.amount')?.unit ?? 'USD')})
            </P>
          ))}
          {more(packet.lossReasons.length, caps.items)}

          <SectionTitle>Data health</SectionTitle>
          <table role="presentation" cellPadding={0} cellSpacing={0} style={table}>
            <tbody>
              {dataHealthRows(packet).map(([label, value]) => (
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
              In use since {readableInstant(packet.definitions.since)}
              {packet.definitions.changedInPeriod ? '; changed during this period' : ''}.
            </P>
          ) : null}
          {packet.definitions.held ? (
            <P style={{ ...small, margin: '0 0 6px' }}>
              <b>Held</b> {heldText(packet.definitions.held)}
            </P>
          ) : null}
          {packet.definitions.metrics.map((entry) => (
            <P key={entry.id} style={{ ...small, margin: '0 0 4px' }}>
              <b>{entry.label}</b> ({entry.id}): {entry.meaning}
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
