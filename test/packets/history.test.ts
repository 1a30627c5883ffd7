import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '#local/twin.ts';
import { importGenericLines } from '#shared/ingest/import.ts';
import type { Packet, TrendPoint } from '#shared/packets/packet.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { built } from '../support/built.ts';
import { exampleConfig } from '../support/config.ts';
import { startTestTwin } from '../support/twin.ts';

/** Monday 08:00 in New York, the weekly schedule's instant: the packet covers Nov 9–15. */
const AS_OF = '2026-11-16T13:00:00Z';
const CURRENT_WEEK = '2026-11-09T00:00:00-05:00';
const WEEK = 7 * 86_400_000;

/** A qualified deal (qualifiedtobuy, USD, with its company) worth `amount`, created at `at`. */
const deal = (id: string, at: string, amount: number) => ({
  type: 'deal',
  id,
  at,
  companyId: 'co-1',
  amount,
  currency: 'USD',
  stage: 'qualifiedtobuy',
  source: 'webinar',
});

/**
 * Six weeks of the example client (New York, weeks from Monday) before the packet's week: the
 * first fact on Thu Oct 1 (week of Sep 28), a qualified deal in every week but the one of Oct 12,
 * and the change to winter time on Nov 1 inside the week of Oct 26.
 */
const EVENTS = [
  {
    type: 'company',
    id: 'co-1',
    at: '2026-10-01T15:00:00Z',
    industry: 'Software',
    employees: 850,
    region: 'North America',
  },
  deal('d-1', '2026-10-01T16:00:00Z', 10_000),
  deal('d-2', '2026-10-07T15:00:00Z', 20_000),
  deal('d-3', '2026-10-21T15:00:00Z', 30_000),
  deal('d-4', '2026-10-28T15:00:00Z', 40_000),
  deal('d-5', '2026-11-04T16:00:00Z', 50_000),
  deal('d-6', '2026-11-11T16:00:00Z', 60_000),
];

/** The weeks from the first fact's week to the packet's, by hand: Sep 28, Oct 5, 12, 19, 26, Nov 2. */
const EARLIER_WEEKS = [
  '2026-09-28T00:00:00-04:00',
  '2026-10-05T00:00:00-04:00',
  '2026-10-12T00:00:00-04:00',
  '2026-10-19T00:00:00-04:00',
  '2026-10-26T00:00:00-04:00',
  '2026-11-02T00:00:00-05:00',
];

async function twinWithEvents(): Promise<Twin> {
  const twin = await startTestTwin();
  const summary = await importGenericLines(
    { config: exampleConfig(), store: twin.store, secrets: twin.secrets, clock: () => Date.parse(AS_OF) },
    EVENTS.map((event) => JSON.stringify(event)),
  );
  expect(summary.skipped).toEqual([]);
  return twin;
}

const qpcOf = (packet: Pick<Packet, 'metrics'>) =>
  packet.metrics.find((metric) => metric.id === 'qpc.created.amount');

const trendOf = (packet: Packet): TrendPoint[] => qpcOf(packet)?.trend ?? [];

describe('build-packet with history', () => {
  let twin: Twin;
  const publisher = new InProcessPublisher();
  const deps = () => ({
    config: exampleConfig(),
    store: twin.store,
    publisher,
    clock: () => Date.parse(AS_OF),
  });

  beforeAll(async () => {
    twin = await twinWithEvents();
  });
  afterAll(() => twin.close());

  it('keeps the packet of every earlier week since the first fact, publishes only this one, and trends read them', async () => {
    // Prepare: the number of weeks from the first fact's week (Sep 28) to the packet's (Nov 9).
    const weeks = (Date.UTC(2026, 10, 9) - Date.UTC(2026, 8, 28)) / WEEK;
    expect(weeks).toBe(EARLIER_WEEKS.length);

    // Act
    const result = built(
      await buildAndPublishPacket(deps(), {
        client: 'example',
        cadence: 'weekly',
        asOf: AS_OF,
        history: true,
      }),
    );

    // Assess: the earlier packets are kept, not published.
    expect(result.status).toBe('built');
    expect(result.history).toEqual({ built: weeks, kept: 0 });
    expect(publisher.published).toEqual([
      {
        type: 'PacketReady',
        client: 'example',
        cadence: 'weekly',
        periodStart: CURRENT_WEEK,
        definitionsVersion: result.packet.definitionsVersion,
      },
    ]);

    const stored = new Map<string, Packet>();
    for (const start of EARLIER_WEEKS) {
      const snapshot = await twin.store.getPacketSnapshot('weekly', start);
      expect(snapshot, start).toBeDefined();
      stored.set(start, JSON.parse(snapshot?.packet ?? '{}') as Packet);
    }
    // Each was built as of its scheduled run, the Monday 08:00 after its week.
    expect(stored.get('2026-10-26T00:00:00-04:00')?.asOf).toBe('2026-11-02T08:00:00-05:00');
    expect(stored.get('2026-09-28T00:00:00-04:00')?.asOf).toBe('2026-10-05T08:00:00-04:00');
    expect(EARLIER_WEEKS.map((start) => qpcOf(stored.get(start) ?? { metrics: [] })?.value)).toEqual([
      10_000, 20_000, 0, 30_000, 40_000, 50_000,
    ]);

    // 13 weeks, oldest first: 6 before the first fact, 6 from their stored packets, this one.
    const trend = trendOf(result.packet);
    expect(trend).toHaveLength(13);
    expect(trend.at(-1)).toMatchObject({
      periodStart: CURRENT_WEEK,
      value: 60_000,
      n: 1,
      from: 'this packet',
    });
    const before = trend.slice(0, 6);
    expect(before.map((point) => point.periodStart)).toEqual([
      '2026-08-17T00:00:00-04:00',
      '2026-08-24T00:00:00-04:00',
      '2026-08-31T00:00:00-04:00',
      '2026-09-07T00:00:00-04:00',
      '2026-09-14T00:00:00-04:00',
      '2026-09-21T00:00:00-04:00',
    ]);
    for (const point of before) expect(point).toMatchObject({ value: null, from: 'none' });
    const kept = trend.slice(6, 12);
    expect(kept.map((point) => point.periodStart)).toEqual(EARLIER_WEEKS);
    for (const point of kept) {
      const metric = qpcOf(stored.get(point.periodStart) ?? { metrics: [] });
      expect(point, point.periodStart).toEqual({
        periodStart: point.periodStart,
        label: `Week of ${point.periodStart.slice(0, 10)}`,
        value: metric?.value,
        n: metric?.n,
        from: 'snapshot',
      });
    }
  });

  it('builds nothing the second time and keeps them all', async () => {
    const before = publisher.published.length;
    const again = built(
      await buildAndPublishPacket(deps(), {
        client: 'example',
        cadence: 'weekly',
        asOf: AS_OF,
        history: true,
      }),
    );
    expect(again.status).toBe('exists');
    expect(again.history).toEqual({ built: 0, kept: EARLIER_WEEKS.length });
    expect(publisher.published.slice(before).map((event) => event.periodStart)).toEqual([CURRENT_WEEK]);
  });

  it('getPacketSnapshots returns only the stored packets asked for, oldest first', async () => {
    const asked = [
      CURRENT_WEEK,
      ...[...EARLIER_WEEKS].reverse(),
      '2026-09-21T00:00:00-04:00',
      '2026-08-17T00:00:00-04:00',
      EARLIER_WEEKS[2] ?? '',
    ];
    const snapshots = await twin.store.getPacketSnapshots('weekly', asked);
    expect(snapshots.map((snapshot) => snapshot.periodStart)).toEqual([...EARLIER_WEEKS, CURRENT_WEEK]);
    for (const snapshot of snapshots) {
      expect(snapshot.cadence).toBe('weekly');
      expect((JSON.parse(snapshot.packet) as Packet).period.start).toBe(snapshot.periodStart);
    }
    expect(await twin.store.getPacketSnapshots('monthly', asked)).toEqual([]);
  });
});

describe('build-packet without earlier packets', () => {
  let twin: Twin;

  beforeAll(async () => {
    twin = await twinWithEvents();
  });
  afterAll(() => twin.close());

  it('takes the 4 comparison weeks from the facts it read, and nothing older', async () => {
    const publisher = new InProcessPublisher();
    const { packet } = built(
      await buildAndPublishPacket(
        { config: exampleConfig(), store: twin.store, publisher, clock: () => Date.parse(AS_OF) },
        { client: 'example', cadence: 'weekly', asOf: AS_OF },
      ),
    );
    const trend = trendOf(packet);
    expect(trend).toHaveLength(13);
    expect(trend.map((point) => point.from)).toEqual([
      ...Array.from({ length: 8 }, () => 'none'),
      'facts',
      'facts',
      'facts',
      'facts',
      'this packet',
    ]);
    // Weeks of Sep 28 and Oct 5 have facts, but they lie outside this packet's comparison periods.
    for (const point of trend.slice(0, 8)) expect(point).toEqual({ ...point, value: null, from: 'none' });
    expect(trend.slice(8).map((point) => [point.periodStart, point.value, point.n])).toEqual([
      ['2026-10-12T00:00:00-04:00', 0, 0],
      ['2026-10-19T00:00:00-04:00', 30_000, 1],
      ['2026-10-26T00:00:00-04:00', 40_000, 1],
      ['2026-11-02T00:00:00-05:00', 50_000, 1],
      [CURRENT_WEEK, 60_000, 1],
    ]);
  });
});
