import { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { CUSTOM_METRICS, type MetricOf } from '#functions/lib/custom-metrics.ts';
import { counterFor, publishCounts } from '#functions/lib/observability.ts';

const context = { functionName: 'test', awsRequestId: 'r' } as Context;

describe('the custom metrics a function may publish', () => {
  it('lets each function count only the names the list gives it (checked by tsc)', () => {
    expectTypeOf<MetricOf<'ingest'>>().toEqualTypeOf<'DeliveriesQuarantined'>();
    expectTypeOf<MetricOf<'build-packet'>>().toEqualTypeOf<'PacketsHeld'>();
    expectTypeOf<MetricOf<'send-packet'>>().toEqualTypeOf<'RecipientsNotConfirmed' | 'WeeklyPacketsSent'>();
    expectTypeOf(counterFor('ingest')).parameter(1).toEqualTypeOf<'DeliveriesQuarantined'>();
    // The same, read from the list at run time.
    expect(
      Object.entries(CUSTOM_METRICS)
        .filter(([, metric]) => metric.emittedBy === 'send-packet')
        .map(([name]) => name)
        .sort(),
    ).toEqual(['RecipientsNotConfirmed', 'WeeklyPacketsSent']);
  });

  it('publishes a count above zero, and nothing at all for an invocation that counted nothing', async () => {
    const metrics = new Metrics({ serviceName: 'samepage-send-packet', namespace: 'samepage/test' });
    const count = counterFor('send-packet');
    const added = vi.spyOn(metrics, 'addMetric');
    const published = vi.spyOn(metrics, 'publishStoredMetrics');
    const handler = middy<{ notConfirmed: number }, void>()
      .use(publishCounts(metrics))
      .handler(async (event) => {
        count(metrics, 'RecipientsNotConfirmed', event.notConfirmed);
      });

    await handler({ notConfirmed: 0 }, context);
    expect(added).not.toHaveBeenCalled();
    expect(published).not.toHaveBeenCalled();

    await handler({ notConfirmed: 2 }, context);
    expect(added.mock.calls.map(([name, , value]) => [name, value])).toEqual([['RecipientsNotConfirmed', 2]]);
    expect(published).toHaveBeenCalledTimes(1);
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('publishes what a failed invocation counted before it failed', async () => {
    const metrics = new Metrics({ serviceName: 'samepage-build-packet', namespace: 'samepage/test' });
    const count = counterFor('build-packet');
    const published = vi.spyOn(metrics, 'publishStoredMetrics');
    const handler = middy<unknown, void>()
      .use(publishCounts(metrics))
      .handler(async () => {
        count(metrics, 'PacketsHeld');
        throw new Error('later failure');
      });
    await expect(handler({}, context)).rejects.toThrow('later failure');
    expect(published).toHaveBeenCalledTimes(1);
  });
});
