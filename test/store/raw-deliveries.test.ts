import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '#local/twin.ts';
import type { RawDelivery } from '#shared/ports/store.ts';
import { partitionKey, RAW_SHARDS, rawShardPartition } from '#shared/store/table.ts';
import { startTestTwin } from '../support/twin.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1);

/** One delivery a day for 80 days, spread over the shards by their keys. */
const DELIVERIES: RawDelivery[] = Array.from({ length: 80 }, (_, n) => ({
  deliveryKey: `delivery-${n}`,
  source: 'generic',
  receivedAt: START + n * DAY,
  contentType: 'application/json',
  body: `{"n":${n}}`,
  problems: [],
}));

describe('raw deliveries kept in shards', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin();
    for (const delivery of DELIVERIES) expect(await twin.store.putRawDelivery(delivery)).toBe('new');
  });
  afterAll(() => twin?.close());

  it('uses more than one shard for these keys (else the listing below would prove little)', () => {
    const used = new Set(DELIVERIES.map((delivery) => partitionKey.raw(delivery.deliveryKey)));
    expect(used.size).toBeGreaterThan(8);
    expect([...used].every((partition) => RAW_SHARDS.map(rawShardPartition).includes(partition))).toBe(true);
  });

  it('lists those received in a range from every shard, and pays for reading every kept one', async () => {
    const range = { from: START + 10 * DAY, to: START + 45 * DAY };
    const before = twin.store.counters.itemsRead;
    const found: RawDelivery[] = [];
    for await (const delivery of twin.store.rawDeliveries(range)) found.push(delivery);
    const byReceipt = (a: RawDelivery, b: RawDelivery) => a.receivedAt - b.receivedAt;
    expect(found.sort(byReceipt)).toEqual(DELIVERIES.slice(10, 45));
    // The range filters: the read covers all 80 items the shards hold.
    expect(twin.store.counters.itemsRead - before).toBe(DELIVERIES.length);
  });

  it('stops cleanly when the reader stops early, and the same bytes again are a duplicate', async () => {
    const taken: string[] = [];
    for await (const delivery of twin.store.rawDeliveries({ from: START, to: START + 100 * DAY })) {
      taken.push(delivery.deliveryKey);
      if (taken.length === 3) break;
    }
    expect(taken).toHaveLength(3);
    const first = DELIVERIES[7] as RawDelivery;
    expect(await twin.store.putRawDelivery({ ...first, receivedAt: first.receivedAt + DAY })).toBe(
      'duplicate',
    );
    expect(await twin.store.rawDeliveryReceivedAt(first.deliveryKey)).toBe(first.receivedAt);
  });
});
