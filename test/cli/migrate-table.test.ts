import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { LOCAL_TABLE_NAME, startTwin } from '#local/twin.ts';
import { runSamepage } from '../support/cli.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';
import { allRaw } from '../support/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'samepage-migrate-'));
const data = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const client = ['--client', 'clients/example.yaml'];
const KEY = 'c0ffee'.repeat(6).slice(0, 40);
const RECEIVED = Date.UTC(2026, 4, 20, 7, 45);
const BODY = JSON.stringify({
  events: [{ type: 'contact', id: 'c-1', at: '2026-05-20T07:40:00Z', stage: 'lead' }],
});

const openTwin = () =>
  startTwin({ config: exampleConfig(), dataDir: data, serve: false, secrets: testSecrets() });

describe('samepage migrate-table', () => {
  it('moves the raw deliveries of a twin kept before issue 21, then has nothing left to move', async () => {
    // Prepare: a raw delivery as the older version kept it, in the twin's data directory.
    const twin = await openTwin();
    try {
      const iso = new Date(RECEIVED).toISOString();
      await DynamoDBDocumentClient.from(twin.dynamo.client).send(
        new PutCommand({
          TableName: LOCAL_TABLE_NAME,
          Item: {
            pk: `raw#${KEY}`,
            sk: 'raw',
            deliveryKey: KEY,
            source: 'generic',
            receivedAt: RECEIVED,
            contentType: 'application/json',
            problems: [],
            body: gzipSync(BODY),
            g1pk: `raw#${iso.slice(0, 7)}`,
            g1sk: `${iso}#${KEY}`,
          },
        }),
      );
      await twin.store.noteFactTime(RECEIVED - 300_000);
      expect(await allRaw(twin)).toEqual([]);
    } finally {
      await twin.close();
    }
    // Forget would miss the older delivery: it refuses until the table is migrated.
    const forget = ['forget', ...client, '--contact', 'generic:c-1', '--data', data];
    const early = await runSamepage(forget);
    expect(early.code).toBe(1);
    expect(early.stderr).toMatch(
      /still holds raw deliveries kept before issue 21.*run samepage migrate-table first/,
    );

    // Act
    const first = await runSamepage(['migrate-table', ...client, '--data', data]);
    const second = await runSamepage(['migrate-table', ...client, '--data', data]);

    // Assess
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      /^migrated example: 1 raw deliveries moved to their shards, 0 were there already; 1 old items deleted \(no quarantined delivery; \d+ receipt months read in [\d.]+ s\)$/m,
    );
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/^nothing to migrate for example: no raw delivery of the older layout/m);
    const after = await openTwin();
    try {
      expect(await allRaw(after)).toEqual([
        {
          deliveryKey: KEY,
          source: 'generic',
          receivedAt: RECEIVED,
          contentType: 'application/json',
          problems: [],
          body: BODY,
        },
      ]);
    } finally {
      await after.close();
    }
    // Now forget finds the contact in the moved delivery (its only item: the delivery goes).
    const late = await runSamepage(forget);
    expect(late.stderr).toBe('');
    expect(late.code).toBe(0);
    expect(late.stdout).toMatch(/raw deliveries: 1 deleted, 0 with its items taken out/);
  });

  it('needs a table or a twin, and --region with --table (exit 2)', async () => {
    const neither = await runSamepage(['migrate-table', ...client]);
    expect(neither.code).toBe(2);
    expect(neither.stderr).toMatch(/migrate-table needs --data, or --table and --region/);
    const table = await runSamepage(['migrate-table', ...client, '--table', 'samepage']);
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/--table needs --region/);
  });
});
