import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createBuildPacketHandler } from '#functions/build-packet/app.ts';
import { observability } from '#functions/lib/observability.ts';
import type { Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { metricIdsOf } from '#shared/metrics/registry.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { exampleConfig } from '../support/config.ts';
import { startTestTwin } from '../support/twin.ts';

const context = { awsRequestId: 'test', functionName: 'build-packet' } as Context;

describe('build-packet handler called as a plain function', () => {
  let twin: Twin;
  const publisher = new InProcessPublisher();
  const tools = observability('test');
  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(() => twin.close());

  const handler = () =>
    createBuildPacketHandler(
      {
        config: exampleConfig(),
        store: twin.store,
        publisher,
        clock: () => Date.parse('2026-12-01T13:00:00Z'),
      },
      tools,
    );

  it('builds the monthly packet for the scheduler event, then finds it on the retry', async () => {
    // As of Tue 2026-12-01 08:00 New York the last complete month is November.
    const first = await handler()({ client: 'example', cadence: 'monthly' }, context);
    expect(first).toEqual({
      status: 'built',
      cadence: 'monthly',
      period: '2026-11-01T00:00:00-04:00',
      metrics: metricIdsOf('monthly').length,
    });
    const retry = await handler()({ client: 'example', cadence: 'monthly' }, context);
    expect(retry.status).toBe('exists');
    expect(publisher.published.map((event) => event.periodStart)).toEqual([
      '2026-11-01T00:00:00-04:00',
      '2026-11-01T00:00:00-04:00',
    ]);
  });

  it('throws on a malformed event so the scheduler retries and dead-letters it', async () => {
    await expect(handler()({ client: 'example', cadence: 'monthly', asOf: 'soon' }, context)).rejects.toThrow(
      /asOf/,
    );
  });
});

describe('build-packet on the weekday schedules', () => {
  it('builds the monthly packet on the first business day and skips the other weekdays', async () => {
    const twin = await startTestTwin();
    const publisher = new InProcessPublisher();
    const tools = observability('test');
    const at = (iso: string) =>
      createBuildPacketHandler(
        { config: exampleConfig(), store: twin.store, publisher, clock: () => Date.parse(iso) },
        tools,
      );
    try {
      // Tue 2026-12-01 is December's first business day in New York; Wed 12-02 is not.
      const skipped = await at('2026-12-02T13:00:00Z')(
        { client: 'example', cadence: 'monthly', onScheduledDay: true },
        context,
      );
      expect(skipped).toEqual({ status: 'not-scheduled-today' });
      expect(publisher.published).toHaveLength(0);
      const built = await at('2026-12-01T13:00:00Z')(
        { client: 'example', cadence: 'monthly', onScheduledDay: true },
        context,
      );
      expect(built).toMatchObject({ status: 'built', period: '2026-11-01T00:00:00-04:00' });
    } finally {
      await twin.close();
    }
  });
});

describe('build-packet and held weekly packets (issue 16)', () => {
  // Mon 2026-11-16 08:00 New York: the weekly run of Nov 9–15.
  const monday = '2026-11-16T13:00:00Z';
  const weekly = { client: 'example', cadence: 'weekly', onScheduledDay: true };

  /** The example client with HubSpot alone, held when it is silent for a business day. */
  function hubspotOnHold(): ClientConfig {
    const config = exampleConfig();
    const hubspot = config.sources.hubspot;
    if (!hubspot) throw new Error('the example config has no HubSpot source');
    config.sources = { hubspot: { ...hubspot, onSilence: 'hold', maxSilenceBusinessHours: 8 } };
    return config;
  }

  it('holds the weekly packet of a silent source: answers held, warns with the reasons, counts it, sends nothing', async () => {
    const config = hubspotOnHold();
    const twin = await startTestTwin({ config });
    const publisher = new InProcessPublisher();
    const tools = observability('test');
    const warn = vi.spyOn(tools.logger, 'warn');
    const addMetric = vi.spyOn(tools.metrics, 'addMetric');
    try {
      // HubSpot's last delivery: Thu 2026-11-05, more than a week of business hours before the run.
      const last = Date.parse('2026-11-05T15:00:00Z');
      await twin.store.noteSourceDelivery({
        source: 'hubspot',
        receivedAt: last,
        newestEventAt: last,
        outcome: 'accepted',
        day: '2026-11-05',
      });
      await twin.store.flushSourceNotes();
      const handler = createBuildPacketHandler(
        { config, store: twin.store, publisher, clock: () => Date.parse(monday) },
        tools,
      );
      const answer = await handler(weekly, context);
      expect(answer).toEqual({ status: 'held', cadence: 'weekly', period: '2026-11-09T00:00:00-05:00' });
      expect(publisher.published).toEqual([]);
      expect(await twin.store.getPacketSnapshot('weekly', '2026-11-09T00:00:00-05:00')).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(
        'packet held',
        expect.objectContaining({
          cadence: 'weekly',
          period: '2026-11-09T00:00:00-05:00',
          since: expect.any(String),
          reasons: [expect.stringMatching(/hubspot/i)],
        }),
      );
      const counted = addMetric.mock.calls.map(([name, , value]) => [name, value]);
      expect(counted).toEqual([['PacketsHeld', 1]]);
    } finally {
      await twin.close();
    }
  });

  it('builds the weekly packet on its day as before, counting no hold', async () => {
    const config = exampleConfig();
    // Under `warn` nothing is held, whatever the sources' silence in this empty twin.
    for (const source of Object.values(config.sources)) source.onSilence = 'warn';
    const twin = await startTestTwin({ config });
    const publisher = new InProcessPublisher();
    const tools = observability('test');
    const addMetric = vi.spyOn(tools.metrics, 'addMetric');
    try {
      const handler = createBuildPacketHandler(
        { config, store: twin.store, publisher, clock: () => Date.parse(monday) },
        tools,
      );
      const answer = await handler(weekly, context);
      expect(answer).toMatchObject({
        status: 'built',
        cadence: 'weekly',
        period: '2026-11-09T00:00:00-05:00',
      });
      // A built packet is in the log (`packet`), not a metric: no alarm reads it.
      expect(addMetric).not.toHaveBeenCalled();
      expect(publisher.published).toHaveLength(1);
    } finally {
      await twin.close();
    }
  });

  it('builds nothing on a business weekday other than the weekly day when nothing is held', async () => {
    const twin = await startTestTwin();
    const publisher = new InProcessPublisher();
    try {
      // Tue 2026-11-17 08:00 New York: the weekly schedule fires to retry holds only.
      const handler = createBuildPacketHandler(
        {
          config: exampleConfig(),
          store: twin.store,
          publisher,
          clock: () => Date.parse('2026-11-17T13:00:00Z'),
        },
        observability('test'),
      );
      expect(await handler(weekly, context)).toEqual({ status: 'not-scheduled-today' });
      expect(publisher.published).toEqual([]);
    } finally {
      await twin.close();
    }
  });
});
