import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '#local/twin.ts';
import { ValidationError } from '#shared/errors.ts';
import { importGenericLines } from '#shared/ingest/import.ts';
import { ICP_DIMENSIONS, METRIC_IDS } from '#shared/metrics/registry.ts';
import type { Packet } from '#shared/packets/packet.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { built } from '../support/built.ts';
import { exampleConfig } from '../support/config.ts';
import { SMALL_WEEK_AS_OF, SMALL_WEEK_EVENTS } from '../support/small-week.ts';
import { startTestTwin } from '../support/twin.ts';

const AS_OF = SMALL_WEEK_AS_OF;
/** The small week, plus a deal below the qualification stage. */
const EVENTS = [
  ...SMALL_WEEK_EVENTS,
  {
    type: 'deal',
    id: 'd-2',
    at: '2026-11-12T15:00:00Z',
    companyId: 'co-1',
    amount: 9000,
    stage: 'appointmentscheduled',
  },
];

describe('build-packet', () => {
  let twin: Twin;
  const publisher = new InProcessPublisher();
  const deps = () => ({
    config: exampleConfig(),
    store: twin.store,
    publisher,
    clock: () => Date.parse(AS_OF),
  });

  beforeAll(async () => {
    twin = await startTestTwin();
    const summary = await importGenericLines(
      { config: exampleConfig(), store: twin.store, secrets: twin.secrets, clock: () => Date.parse(AS_OF) },
      EVENTS.map((event) => JSON.stringify(event)),
    );
    expect(summary.skipped).toEqual([]);
  });
  afterAll(() => twin.close());

  it('builds the weekly packet of the last complete week with every metric of the contract', async () => {
    const { status, packet } = built(
      await buildAndPublishPacket(deps(), {
        client: 'example',
        cadence: 'weekly',
        asOf: AS_OF,
      }),
    );
    expect(status).toBe('built');
    expect(packet.period).toMatchObject({
      start: '2026-11-09T00:00:00-05:00',
      end: '2026-11-16T00:00:00-05:00',
      timezone: 'America/New_York',
    });
    const ids = packet.metrics.map((metric) => metric.id);
    // The registry has one entry per metric id, the drift of each ICP dimension included.
    expect(METRIC_IDS.filter((id) => id.startsWith('icp.drift.'))).toEqual(
      ICP_DIMENSIONS.map((d) => `icp.drift.${d}`),
    );
    // Every metric but the two that judge a whole ended quarter, which only the quarterly packet carries.
    const quarterlyOnly = ['forecast.accuracy', 'forecast.bias'];
    expect(ids).toHaveLength(METRIC_IDS.length - quarterlyOnly.length);
    expect(new Set(ids)).toEqual(new Set(METRIC_IDS.filter((id) => !quarterlyOnly.includes(id))));
    expect(packet.definitions.metrics.map((entry) => entry.id)).not.toContain('forecast.accuracy');
    for (const metric of packet.metrics) {
      expect(['good', 'watch', 'act', 'none']).toContain(metric.status);
      expect(['marketing', 'sales', 'both']).toContain(metric.owner);
    }
    // d-1 met the bar when created (qualifiedtobuy, 30000 ≥ 5000, company set); d-2 is below the stage.
    // d-1 has no source, so it is credited through its first contact c-1: linkedin-ads → paid_social, marketing.
    const qpc = packet.metrics.find((metric) => metric.id === 'qpc.created.amount');
    expect(qpc).toMatchObject({ value: 30000, n: 1, unit: 'USD', owner: 'both' });
    expect(qpc?.breakdown).toEqual([
      { key: 'channel:paid_social', label: 'Paid social', unit: 'USD', value: 30000, n: 1 },
      { key: 'team:marketing', label: 'Marketing team', unit: 'USD', value: 30000, n: 1 },
    ]);
    // c-1 became MQL on Tue 10:00 New York and was called 60 business minutes later (target 240).
    expect(packet.metrics.find((metric) => metric.id === 'sla.median_business_minutes')?.value).toBe(60);
    // Created in the week: c-1 (mapped), d-1 (credited through c-1), d-2 (no source, no contact).
    expect(packet.dataHealth.unmappedSources).toEqual([{ key: '(none)', n: 1 }]);
  });

  it('finds the stored snapshot on a second run, publishes again, and rebuilds only when forced', async () => {
    const before = publisher.published.length;
    const writes = twin.store.counters.writes;
    const again = built(
      await buildAndPublishPacket(deps(), { client: 'example', cadence: 'weekly', asOf: AS_OF }),
    );
    expect(again.status).toBe('exists');
    expect(twin.store.counters.writes).toBe(writes);
    // Any instant in the next week names the same period, hence the same snapshot.
    const later = built(
      await buildAndPublishPacket(deps(), {
        client: 'example',
        cadence: 'weekly',
        asOf: '2026-11-18T12:00:00-05:00',
      }),
    );
    expect(later.status).toBe('exists');
    expect(later.packet).toEqual(again.packet);
    const forced = built(
      await buildAndPublishPacket(deps(), {
        client: 'example',
        cadence: 'weekly',
        asOf: AS_OF,
        force: true,
      }),
    );
    expect(forced.status).toBe('rebuilt');
    expect(publisher.published.slice(before)).toEqual(
      Array.from({ length: 3 }, () => ({
        type: 'PacketReady',
        client: 'example',
        cadence: 'weekly',
        periodStart: '2026-11-09T00:00:00-05:00',
        definitionsVersion: (again.packet as Packet).definitionsVersion,
      })),
    );
  });

  it('refuses another client and an unknown cadence, naming the field', async () => {
    await expect(buildAndPublishPacket(deps(), { client: 'globex', cadence: 'weekly' })).rejects.toThrow(
      /"example", not "globex"/,
    );
    await expect(buildAndPublishPacket(deps(), { client: 'example', cadence: 'daily' })).rejects.toThrow(
      ValidationError,
    );
    await expect(buildAndPublishPacket(deps(), { client: 'example', cadence: 'daily' })).rejects.toThrow(
      /cadence/,
    );
  });
});

describe('definitions history', () => {
  it('prints when the definitions came into use and notes a change during the period', async () => {
    const twin = await startTestTwin();
    const publisher = new InProcessPublisher();
    try {
      const first = exampleConfig();
      const clockAt = (iso: string) => () => Date.parse(iso);
      const v1 = built(
        await buildAndPublishPacket(
          { config: first, store: twin.store, publisher, clock: clockAt('2026-11-02T13:00:00Z') },
          { client: 'example', cadence: 'weekly' },
        ),
      );
      expect(v1.packet.definitions.since).toBe('2026-11-02T08:00:00-05:00');
      expect(v1.packet.definitions.history).toEqual([]);
      // The qualification bar is raised on Wed 11-11: the week of 11-09 saw the change.
      const raised = exampleConfig();
      raised.qualification.minAmount = 10_000;
      const v2 = built(
        await buildAndPublishPacket(
          { config: raised, store: twin.store, publisher, clock: clockAt('2026-11-11T15:00:00Z') },
          { client: 'example', cadence: 'weekly', asOf: '2026-11-16T13:00:00Z' },
        ),
      );
      expect(v2.packet.definitionsVersion).not.toBe(v1.packet.definitionsVersion);
      expect(v2.packet.definitions).toMatchObject({
        since: '2026-11-11T10:00:00-05:00',
        history: [{ version: v1.packet.definitionsVersion, since: '2026-11-02T08:00:00-05:00' }],
        changedInPeriod: true,
      });
    } finally {
      await twin.close();
    }
  });
});
