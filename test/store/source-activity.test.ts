import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ensureTable } from '#local/dynamodb.ts';
import { genericHeaders } from '#local/senders/generic.ts';
import { LOCAL_TABLE_NAME, type Twin } from '#local/twin.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import type { SourceName } from '#shared/config/schema.ts';
import type { SourceDeliveryNote } from '#shared/ports/store.ts';
import { TEST_SECRETS } from '../support/config.ts';
import { post, startTestTwin } from '../support/twin.ts';

const AT = Date.UTC(2026, 10, 30, 15, 0);
const MINUTE = 60_000;

function note(source: SourceName, receivedAt: number, overrides: Partial<SourceDeliveryNote> = {}) {
  return {
    source,
    receivedAt,
    newestEventAt: receivedAt - 1000,
    outcome: 'accepted',
    day: '2026-11-30',
    ...overrides,
  } satisfies SourceDeliveryNote;
}

describe('source markers and packet holds in DynamoDB', () => {
  let twin: Twin;
  let tables = 0;
  let table = LOCAL_TABLE_NAME;
  /** A store on this test's table: each is one Lambda container with a buffer of its own. */
  const store = () => new DynamoDbStore(twin.dynamo.client, table);

  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(async () => {
    await twin.close();
  });
  beforeEach(async () => {
    // A table per test, so no test sees another's markers.
    table = `source-activity-${++tables}`;
    await ensureTable(twin.dynamo.client, table);
  });

  it('adds up the per-day counts of two store instances on one marker', async () => {
    // Prepare
    const first = store();
    const second = store();
    // Act: each instance writes its first note at once and buffers the rest of the minute.
    await first.noteSourceDelivery(note('hubspot', AT));
    await first.noteSourceDelivery(
      note('hubspot', AT + 1000, { outcome: 'quarantined', newestEventAt: undefined }),
    );
    await second.noteSourceDelivery(note('hubspot', AT + 2000));
    await second.noteSourceDelivery(note('hubspot', AT + 3000, { day: '2026-12-01' }));
    await first.flushSourceNotes();
    await second.flushSourceNotes();
    // Assess
    const reader = store();
    const [hubspot, typeform] = await reader.sourceActivity(['hubspot', 'typeform']);
    expect(hubspot).toEqual({
      source: 'hubspot',
      lastDeliveryAt: AT + 3000,
      lastEventAt: AT + 2000,
      acceptedByDay: { '2026-11-30': 2, '2026-12-01': 1 },
      quarantinedByDay: { '2026-11-30': 1 },
    });
    expect(typeform).toEqual({ source: 'typeform', acceptedByDay: {}, quarantinedByDay: {} });
    expect(reader.counters.itemsRead).toBe(1);
  });

  it('writes a source’s marker at most once a minute of receipt time per instance', async () => {
    // Prepare
    const instance = store();
    // Act: ten deliveries within a minute of the first, of two sources.
    for (let index = 0; index < 10; index++) {
      await instance.noteSourceDelivery(note('pipedrive', AT + index * 5000));
    }
    await instance.noteSourceDelivery(note('salesforce', AT + 30_000));
    // Assess: the first delivery of each source is written at once, the rest of the minute buffered.
    expect(instance.counters.writes).toBe(2);
    let [pipedrive] = await store().sourceActivity(['pipedrive']);
    expect(pipedrive?.acceptedByDay).toEqual({ '2026-11-30': 1 });
    expect(pipedrive?.lastDeliveryAt).toBe(AT);
    // Act: 61 s after the last write, one more write carries the buffered nine and this one.
    await instance.noteSourceDelivery(note('pipedrive', AT + 61_000));
    // Assess
    expect(instance.counters.writes).toBe(3);
    [pipedrive] = await store().sourceActivity(['pipedrive']);
    expect(pipedrive?.acceptedByDay).toEqual({ '2026-11-30': 11 });
    expect(pipedrive?.lastDeliveryAt).toBe(AT + 61_000);
    // Act: a flush writes only what is buffered (nothing for pipedrive, nothing for salesforce).
    await instance.flushSourceNotes();
    expect(instance.counters.writes).toBe(3);
  });

  it('writes the buffer on flush', async () => {
    // Prepare
    const instance = store();
    await instance.noteSourceDelivery(note('typeform', AT));
    await instance.noteSourceDelivery(note('typeform', AT + 10_000, { newestEventAt: AT + 9_500 }));
    const before = instance.counters.writes;
    // Act
    await instance.flushSourceNotes();
    await instance.flushSourceNotes();
    // Assess
    expect(instance.counters.writes - before).toBe(1);
    const [typeform] = await store().sourceActivity(['typeform']);
    expect(typeform).toMatchObject({
      lastDeliveryAt: AT + 10_000,
      lastEventAt: AT + 9_500,
      acceptedByDay: { '2026-11-30': 2 },
    });
  });

  it('never moves lastDeliveryAt back when an older note is written after a newer one, and keeps its counts', async () => {
    // Prepare: two instances with a delivery each; the later one's marker is written first.
    const early = store();
    const late = store();
    await late.noteSourceDelivery(note('generic', AT + 5 * MINUTE, { day: '2026-11-30' }));
    // Act: the first note of `early` is written at once, and is older.
    await early.noteSourceDelivery(note('generic', AT, { outcome: 'quarantined', newestEventAt: undefined }));
    // Assess: refused times, counted anyway (one write refused, one retried with the counters only).
    expect(early.counters.writes).toBe(2);
    const [generic] = await store().sourceActivity(['generic']);
    expect(generic).toEqual({
      source: 'generic',
      lastDeliveryAt: AT + 5 * MINUTE,
      lastEventAt: AT + 5 * MINUTE - 1000,
      acceptedByDay: { '2026-11-30': 1 },
      quarantinedByDay: { '2026-11-30': 1 },
    });
  });

  it('keeps a hold’s since, records each later check, and keeps the first release', async () => {
    // Prepare
    const instance = store();
    const hold = { cadence: 'weekly', periodStart: '2026-11-23', since: AT, checkedAt: AT, reasons: ['a'] };
    // Act
    const first = await instance.recordHold(hold);
    const checked = await instance.recordHold({
      ...hold,
      since: AT + MINUTE,
      checkedAt: AT + 2 * MINUTE,
      reasons: ['b'],
    });
    await instance.releaseHold('weekly', '2026-11-23', { at: AT + 3 * MINUTE, by: 'fresh' });
    await instance.releaseHold('weekly', '2026-11-23', {
      at: AT + 4 * MINUTE,
      by: { forcedBy: 'ops@acme.example' },
    });
    await instance.releaseHold('weekly', '2026-11-30', { at: AT, by: 'fresh' });
    // Assess
    expect(first).toEqual(hold);
    expect(checked).toEqual({ ...hold, checkedAt: AT + 2 * MINUTE, reasons: ['b'] });
    expect(await instance.getHold('weekly', '2026-11-23')).toEqual({
      ...hold,
      checkedAt: AT + 2 * MINUTE,
      reasons: ['b'],
      released: { at: AT + 3 * MINUTE, by: 'fresh' },
    });
    // A release of a hold never recorded creates nothing.
    expect(await instance.getHold('weekly', '2026-11-30')).toBeUndefined();
    // A check after the release keeps the release.
    const later = await instance.recordHold({ ...hold, checkedAt: AT + 5 * MINUTE });
    expect(later.released).toEqual({ at: AT + 3 * MINUTE, by: 'fresh' });
    expect(later.since).toBe(AT);
  });

  it('counts deliveries that came through the webhook, accepted and quarantined, once flushed', async () => {
    // Prepare
    const secret = TEST_SECRETS['acme/generic-whsec'];
    const valid = JSON.stringify({
      events: [{ type: 'contact', id: 'fresh-1', at: '2026-11-16T14:03:00Z' }],
    });
    const broken = '{"events": [{"type": "deal", "id": "fresh-2", "at": "yesterday"}]}';
    const [before] = await twin.store.sourceActivity(['generic']);
    const total = (byDay: Record<string, number> = {}) => Object.values(byDay).reduce((sum, n) => sum + n, 0);
    // Act
    expect(JSON.parse((await post(twin, 'generic', valid, genericHeaders(valid, secret))).text).status).toBe(
      'accepted',
    );
    expect(
      JSON.parse((await post(twin, 'generic', broken, genericHeaders(broken, secret))).text).status,
    ).toBe('quarantined');
    await twin.store.flushSourceNotes();
    // Assess
    const [after] = await twin.store.sourceActivity(['generic']);
    expect(total(after?.acceptedByDay) - total(before?.acceptedByDay)).toBe(1);
    expect(total(after?.quarantinedByDay) - total(before?.quarantinedByDay)).toBe(1);
    expect(after?.lastEventAt).toBe(Date.parse('2026-11-16T14:03:00Z'));
    expect(after?.lastDeliveryAt).toBeGreaterThan(Date.now() - MINUTE);
  });
});
