import type { Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuildPacketHandler } from '#functions/build-packet/app.ts';
import { observability } from '#functions/lib/observability.ts';
import type { Twin } from '#local/twin.ts';
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
      metrics: 27,
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
