import { describe, expect, it } from 'vitest';
import { renderPacketEmail } from '#shared/email/render.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { shortNumber } from '#shared/packets/format.ts';
import { buildPacket, type EarlierPacket } from '#shared/packets/packet.ts';
import { CADENCES } from '#shared/time/periods.ts';
import { AS_OF, CONFIG, EVENTS, statesOf } from '../metrics/fixture.ts';

// Outlook desktop renders with Word's engine and Gmail strips much of CSS: what the packet may use
// is checked on the markup itself, since neither client runs here.
const facts = buildFactSet(statesOf(EVENTS), CONFIG, AS_OF, {
  firstFactAt: Math.min(...EVENTS.map((e) => e.at)),
});

/** Stored packets for the 12 weeks before the fixture's week, so every trend is full: 1000 × (index + 1). */
function earlierWeeks(): EarlierPacket[] {
  const week = 7 * 24 * 3600 * 1000;
  const start = Date.parse('2026-11-09T05:00:00Z');
  return Array.from({ length: 12 }, (_, index) => {
    const periodStart = new Date(start - (12 - index) * week).toISOString();
    return { periodStart, values: { 'qpc.created.amount': { value: 1000 * (index + 1), n: index + 1 } } };
  });
}

describe('the packet email markup', () => {
  for (const cadence of CADENCES) {
    it(`${cadence}: no SVG, flexbox, grid, data: URIs, images or remote resources`, async () => {
      const { html } = await renderPacketEmail(buildPacket(facts, CONFIG, cadence, AS_OF), CONFIG.currency);
      expect(html).not.toMatch(/<svg|<img|<script|<link\b|<iframe/i);
      expect(html).not.toMatch(/display:\s*(flex|grid|inline-flex|inline-grid)/i);
      expect(html).not.toMatch(/data:/i);
      expect(html).not.toMatch(/url\(/i);
      expect(html).not.toMatch(/src=/i);
      // Every bar is a table cell with a numeric width or height attribute.
      const bars = html.match(/<td[^>]*background:#3b6fd6[^>]*>/g) ?? [];
      expect(bars.length).toBeGreaterThan(0);
      for (const bar of bars) expect(bar).toMatch(/(width="\d+%"|height="\d+")/);
    });
  }

  it('heads a weekly packet with its dates in words, the year of its last day, and no ISO key', async () => {
    const { html } = await renderPacketEmail(buildPacket(facts, CONFIG, 'weekly', AS_OF), CONFIG.currency);
    // The fixture's week: Mon Nov 9 to Sun Nov 15, 2026.
    expect(html).toMatch(/<h1[^>]*>Week of Nov 9–15, 2026<\/h1>/);
    expect(html).not.toContain('Week of 2026-11-09');
  });

  it('draws a trend as 13 columns whose heights follow the values, and says every value in words', async () => {
    // The fixture's stored weeks lie in the week-start local time of New York (05:00Z in winter, 04:00Z in summer):
    // take the trend's own period starts so each stored packet is found.
    const plain = buildPacket(facts, CONFIG, 'weekly', AS_OF);
    const starts =
      plain.metrics.find((metric) => metric.id === 'qpc.created.amount')?.trend?.map((p) => p.periodStart) ??
      [];
    expect(starts).toHaveLength(13);
    const earlier = earlierWeeks().map((packet, index) => ({ ...packet, periodStart: starts[index] ?? '' }));
    const packet = buildPacket(facts, CONFIG, 'weekly', AS_OF, { earlier });
    const qpc = packet.metrics.find((metric) => metric.id === 'qpc.created.amount');
    const trend = qpc?.trend ?? [];
    const now = qpc?.value ?? 0;
    expect(now).toBeGreaterThan(12000);
    expect(trend.map((point) => point.from)).toEqual([...Array(12).fill('snapshot'), 'this packet']);
    // Values 1,000 … 12,000 from the stored weeks, then this week's own value, the tallest: 36 px.
    expect(trend.map((point) => point.value)).toEqual([
      ...Array.from({ length: 12 }, (_, i) => 1000 * (i + 1)),
      now,
    ]);
    const { html } = await renderPacketEmail(packet, CONFIG.currency);
    const chart = html.slice(html.indexOf('Trends'));
    const heights = [...chart.matchAll(/<td height="(\d+)" style="background:#(?:3b6fd6|1f2933)/g)].map((m) =>
      Number(m[1]),
    );
    const expected = [
      ...Array.from({ length: 12 }, (_, i) => Math.max(1, Math.round(((1000 * (i + 1)) / now) * 36))),
      36,
    ];
    expect(heights.slice(0, 13)).toEqual(expected);
    for (const point of trend) expect(chart).toContain(shortNumber(point.value ?? 0, 'USD'));
  });
});
