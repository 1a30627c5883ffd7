import { gzipSync } from 'node:zlib';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAME, type Twin } from '#local/twin.ts';
import {
  assertCurrentLayout,
  migrateTableLayout,
  OlderTableLayoutError,
} from '#shared/adapters/dynamodb-migrate.ts';
import { replayDeliveries } from '#shared/ingest/ingest.ts';
import type { RawDelivery } from '#shared/ports/store.ts';
import { testSecrets } from '../support/config.ts';
import { allRaw } from '../support/store.ts';
import { readEntity, startTestTwin } from '../support/twin.ts';

/*
 * A table written before issue 21: raw deliveries at `raw#<deliveryKey>` / `raw` with byCreated
 * keys `raw#<yyyy-mm>`, contacts with byCreated keys, forms with byOwner keys, no first
 * quarantined receipt on the meta item. The items are spelled out here as that version wrote them.
 */
const MARCH = Date.UTC(2026, 2, 10, 9, 30);
const DECEMBER = Date.UTC(2025, 11, 31, 23, 59);
const JULY = Date.UTC(2024, 6, 2, 8, 0);
const NOW = Date.UTC(2026, 10, 30, 12, 0);

function genericBody(id: string, at: number): string {
  return JSON.stringify({ events: [{ type: 'contact', id, at: new Date(at).toISOString(), stage: 'lead' }] });
}

function legacyRaw(deliveryKey: string, receivedAt: number, body: string) {
  const iso = new Date(receivedAt).toISOString();
  return {
    pk: `raw#${deliveryKey}`,
    sk: 'raw',
    deliveryKey,
    source: 'generic',
    receivedAt,
    contentType: 'application/json',
    problems: [],
    body: gzipSync(body),
    g1pk: `raw#${iso.slice(0, 7)}`,
    g1sk: `${iso}#${deliveryKey}`,
  };
}

const KEY_A = 'a'.repeat(40);
const KEY_B = '0123456789abcdef0123456789abcdef01234567';
/** Delivered before the deploy and again after it: in both layouts. */
const KEY_AGAIN = 'f'.repeat(40);
const LATER = Date.UTC(2026, 10, 29, 10, 0);

async function everyItem(twin: Twin): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await twin.dynamo.client.send(
      new ScanCommand({ TableName: LOCAL_TABLE_NAME, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []).map((item) => unmarshall(item)));
    start = page.LastEvaluatedKey;
  } while (start);
  return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

describe('samepage migrate-table: a table of the layout before issue 21', () => {
  let twin: Twin;
  const legacy = [
    legacyRaw(KEY_A, MARCH, genericBody('c-march', MARCH)),
    legacyRaw(KEY_B, DECEMBER, genericBody('c-december', DECEMBER)),
    legacyRaw(KEY_AGAIN, MARCH, genericBody('c-again', MARCH)),
  ];

  beforeAll(async () => {
    twin = await startTestTwin();
    const documents = DynamoDBDocumentClient.from(twin.dynamo.client);
    const put = (item: Record<string, unknown>) =>
      documents.send(new PutCommand({ TableName: LOCAL_TABLE_NAME, Item: item }));
    for (const item of legacy) await put(item);
    await put({
      pk: 'quarantine#q-1',
      sk: 'quarantine',
      deliveryKey: 'q-1',
      source: 'generic',
      receivedAt: JULY,
      contentType: 'application/json',
      error: 'body is not JSON (syntax error at character 3)',
      problems: [],
      body: gzipSync('{"e'),
      g1pk: 'quarantine#2024-07',
      g1sk: `${new Date(JULY).toISOString()}#q-1`,
    });
    await put({
      pk: 'contact#generic:c-old',
      sk: 'state',
      version: 1,
      state: JSON.stringify({
        entity: 'contact',
        id: 'generic:c-old',
        firstAt: MARCH,
        lastAt: MARCH,
        fields: {},
        milestones: {},
      }),
      g1pk: 'contact#created#2026-03',
      g1sk: `${new Date(MARCH).toISOString()}#generic:c-old`,
    });
    // The older version recorded the first fact as this one does.
    await twin.store.noteFactTime(DECEMBER - 3_600_000);
    // The same bytes delivered again after the deploy: kept in its shard, its body since erased.
    await twin.store.putRawDelivery({
      deliveryKey: KEY_AGAIN,
      source: 'generic',
      receivedAt: LATER,
      contentType: 'application/json',
      body: '{"events":[]}',
      problems: [],
    });
  });
  afterAll(() => twin?.close());

  it('moves every raw delivery into its shard, keeps the first receipt, and records the first quarantine', async () => {
    // Before: the new layout lists only the delivery kept after the deploy.
    expect((await allRaw(twin)).map((raw) => raw.deliveryKey)).toEqual([KEY_AGAIN]);
    expect(await twin.store.firstQuarantinedAt()).toBeUndefined();
    // Replay, forget and minimize refuse to run on it: they would miss the older deliveries.
    await expect(assertCurrentLayout(twin.dynamo.client, LOCAL_TABLE_NAME, NOW)).rejects.toBeInstanceOf(
      OlderTableLayoutError,
    );

    // Act
    const report = await migrateTableLayout(twin.dynamo.client, LOCAL_TABLE_NAME, { now: NOW });

    // Assess: three found, one of them already in its shard; every month since 2000 read.
    expect(report).toEqual({
      rawFound: 3,
      rawAlreadyInShard: 1,
      firstQuarantinedAt: JULY,
      monthsRead: (2026 - 2000) * 12 + 11,
    });
    const raw = new Map((await allRaw(twin)).map((delivery) => [delivery.deliveryKey, delivery]));
    const expected = (item: (typeof legacy)[number], body: string): RawDelivery => ({
      deliveryKey: item.deliveryKey,
      source: 'generic',
      receivedAt: item.receivedAt,
      contentType: 'application/json',
      problems: [],
      body,
    });
    expect(raw.get(KEY_A)).toEqual(
      expected(legacy[0] as (typeof legacy)[number], genericBody('c-march', MARCH)),
    );
    expect(raw.get(KEY_B)).toEqual(
      expected(legacy[1] as (typeof legacy)[number], genericBody('c-december', DECEMBER)),
    );
    // The erased body stays; the first receipt is the one of record.
    expect(raw.get(KEY_AGAIN)).toEqual(expected(legacy[2] as (typeof legacy)[number], '{"events":[]}'));
    expect(raw.size).toBe(3);

    const items = await everyItem(twin);
    expect(items.filter((item) => item.sk === 'raw')).toEqual([]);
    expect(items.filter((item) => String(item.g1pk ?? '').startsWith('raw#'))).toEqual([]);
    // Found by key where ingest looks for a repeat, and refused as one.
    expect(await twin.store.rawDeliveryReceivedAt(KEY_A)).toBe(MARCH);
    expect(
      await twin.store.putRawDelivery({
        ...expected(legacy[0] as (typeof legacy)[number], 'x'),
        receivedAt: NOW,
      }),
    ).toBe('duplicate');
    expect(await twin.store.firstQuarantinedAt()).toBe(JULY);
    await expect(assertCurrentLayout(twin.dynamo.client, LOCAL_TABLE_NAME, NOW)).resolves.toBeUndefined();
    // The entity item is left as it was: its old creation key costs no write until it is rewritten.
    expect(items.find((item) => item.pk === 'contact#generic:c-old')?.g1pk).toBe('contact#created#2026-03');
  });

  it('changes nothing the second time', async () => {
    const before = await everyItem(twin);
    const report = await migrateTableLayout(twin.dynamo.client, LOCAL_TABLE_NAME, { now: NOW });
    expect(report).toMatchObject({ rawFound: 0, rawAlreadyInShard: 0, firstQuarantinedAt: JULY });
    expect(await everyItem(twin)).toEqual(before);
  });

  it('replays what was moved: the deliveries of before the deploy project again', async () => {
    const result = await replayDeliveries(
      { config: twin.config, store: twin.store, secrets: testSecrets() },
      { from: Date.UTC(2000, 0, 1), to: NOW },
    );
    expect(result).toMatchObject({ deliveries: 4, stillQuarantined: 1 });
    expect((await readEntity(twin, 'contact#generic:c-march'))?.firstAt).toBe(MARCH);
    expect((await readEntity(twin, 'contact#generic:c-december'))?.firstAt).toBe(DECEMBER);
  });
});
