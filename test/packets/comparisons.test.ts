import { describe, expect, it } from 'vitest';
import { buildFactSet } from '#shared/metrics/facts.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { applyEvents } from '#shared/projection/state.ts';
import { exampleConfig } from '../support/config.ts';

const config = exampleConfig();
const AS_OF = Date.parse('2026-11-16T13:00:00Z'); // the weekly packet covers Mon 11-09 to Mon 11-16 (New York)

const company: CanonicalEvent = {
  entity: 'company',
  id: 'generic:co-1',
  at: Date.parse('2026-10-05T15:00:00Z'),
  fields: { industry: 'Software' },
};
/** A deal that meets the bar (qualifiedtobuy, amount ≥ 5000, company set) at `at`. */
const qualified = (id: string, at: string, amount: number): CanonicalEvent => ({
  entity: 'deal',
  id: `generic:${id}`,
  at: Date.parse(at),
  fields: { stage: 'qualifiedtobuy', amount, companyId: 'generic:co-1', source: 'partner' },
});
const DEALS = [
  qualified('w1', '2026-10-13T15:00:00Z', 10_000), // week of 10-12
  qualified('w2a', '2026-10-20T15:00:00Z', 20_000), // week of 10-19
  qualified('w2b', '2026-10-21T15:00:00Z', 5_000), // week of 10-19
  qualified('w4', '2026-11-03T15:00:00Z', 40_000), // week of 11-02 (the week of 10-26 has none)
  qualified('now', '2026-11-10T15:00:00Z', 30_000), // the packet's week
];

function packetWith(events: CanonicalEvent[], firstFactAt: number) {
  const byKey = new Map<string, CanonicalEvent[]>();
  for (const event of events)
    byKey.set(`${event.entity}#${event.id}`, [...(byKey.get(`${event.entity}#${event.id}`) ?? []), event]);
  const states = [...byKey.values()].map((list) => applyEvents(undefined, list));
  return buildPacket(buildFactSet(states, config, AS_OF, { firstFactAt }), config, 'weekly', AS_OF);
}

describe('comparisons and target pace', () => {
  it('compares with the mean of the 4 previous weeks and the fiscal-quarter pace', () => {
    const packet = packetWith([company, ...DEALS], company.at);
    const qpc = packet.metrics.find((metric) => metric.id === 'qpc.created.amount');
    // Previous weeks 11-02, 10-26, 10-19, 10-12 all start after the first fact (10-05 15:00Z):
    // (40000 + 0 + 25000 + 10000) / 4 = 18750.
    expect(qpc?.previous).toEqual({ mean: 18_750, periods: 4 });
    // Acme's fiscal Q4 is Nov–Jan: 30 + 31 + 31 = 92 days; the week lies inside it: 1,200,000 × 7 / 92.
    expect(qpc?.target).toBeCloseTo((1_200_000 * 7) / 92, 6);
    // 30000 < 0.8 × 91304.35 = 73043.48: "act", with the agreed action in the "both" lane, named after
    // the leads of both teams in the roster (Maya Lind for marketing, Dana Reyes for sales).
    expect(qpc?.status).toBe('act');
    expect(packet.actions).toContainEqual({
      owner: 'both',
      metric: 'qpc.created.amount',
      text: 'Pipeline council picks the two channels to push this week.',
      ownerNames: ['Dana Reyes', 'Maya Lind'],
    });
    // 30000 / 18750 − 1 = +60%.
    expect(packet.headline.change).toBeCloseTo(0.6, 10);
    expect(packet.headline.text).toMatch(
      /\$30,000 in 1 deals; \+60% vs the previous 4-week mean; target pace \$91,304/,
    );
    // Weekly MQL pace: 400 a month × 12 / 52.
    expect(packet.metrics.find((metric) => metric.id === 'mql.count')?.target).toBeCloseTo(
      (400 * 12) / 52,
      10,
    );
  });

  it('leaves out previous periods that start before the first fact, and compares with none before any', () => {
    // First fact on 10-20: only the weeks of 10-26 and 11-02 start after it: (0 + 40000) / 2.
    const later = packetWith([company, ...DEALS], Date.parse('2026-10-20T12:00:00Z'));
    expect(later.metrics.find((metric) => metric.id === 'qpc.created.amount')?.previous).toEqual({
      mean: 20_000,
      periods: 2,
    });
    const fresh = packetWith([company, ...DEALS], Date.parse('2026-11-10T00:00:00Z'));
    expect(fresh.metrics.find((metric) => metric.id === 'qpc.created.amount')?.previous).toBeUndefined();
    expect(fresh.headline.text).toMatch(/no earlier periods to compare with/);
  });
});
