import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTwin } from '#local/twin.ts';
import { emailHasher } from '#shared/privacy.ts';
import { runSamepage } from '../support/cli.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { SMALL_WEEK_AS_OF, SMALL_WEEK_EVENTS } from '../support/small-week.ts';
import { allRaw, everyStoredText } from '../support/store.ts';

const dir = mkdtempSync(join(tmpdir(), 'samepage-forget-'));
const data = join(dir, 'data');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PAT = 'pat@globex.example';
const events = join(dir, 'week.ndjson');
writeFileSync(
  events,
  [
    ...SMALL_WEEK_EVENTS,
    // c-1 as the CRM knows the person, and a demo request pat sent (linked by email only).
    { type: 'contact', id: 'c-1', at: '2026-11-10T15:00:00Z', email: PAT, title: 'VP Marketing' },
    { type: 'form', id: 'f-1', at: '2026-11-10T14:50:00Z', formId: 'demo-request', email: PAT },
  ]
    .map((event) => JSON.stringify(event))
    .join('\n'),
);

const client = ['--client', 'clients/example.yaml'];
const packetJson = async () => {
  const result = await runSamepage([
    'packet',
    ...client,
    '--cadence',
    'weekly',
    '--as-of',
    SMALL_WEEK_AS_OF,
    '--data',
    data,
    '--format',
    'json',
  ]);
  expect(result.code).toBe(0);
  return JSON.parse(result.stdout).metrics;
};

describe('samepage forget', () => {
  let metricsBefore: unknown;

  it('erases the contact, prints what it removed, and the packet keeps its numbers', async () => {
    const imported = await runSamepage(['import', ...client, '--file', events, '--data', data]);
    expect(imported.code).toBe(0);
    metricsBefore = await packetJson();

    const result = await runSamepage(['forget', ...client, '--contact', 'generic:c-1', '--data', data]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^forgot generic:c-1$/m);
    expect(result.stdout).toMatch(/contact fields removed: emailHash, title/);
    expect(result.stdout).toMatch(/forms: email hash removed from 1/);
    // The import kept one batch holding everyone's events: c-1's items are taken out of it.
    expect(result.stdout).toMatch(/raw deliveries: 0 deleted, 1 with its items taken out/);

    expect(await packetJson()).toEqual(metricsBefore);
    const twin = await startTwin({
      config: exampleConfig(),
      dataDir: data,
      serve: false,
      secrets: testSecrets(),
    });
    try {
      const hash = emailHasher(TEST_SECRETS['acme/email-hash-key'])(PAT);
      const stored = (await everyStoredText(twin)).join('\n');
      expect(stored).not.toContain(hash);
      expect(stored).not.toContain('VP Marketing');
      // c-1's own events left the kept batch; everyone else's stay there for a replay.
      const [batch, ...others] = await allRaw(twin);
      expect(others).toEqual([]);
      const kept = JSON.parse(batch?.body ?? '{}').events as { type: string; id: string }[];
      expect(kept.map((event) => `${event.type} ${event.id}`)).toEqual([
        'company co-1',
        'activity a-1',
        'deal d-1',
      ]);
    } finally {
      await twin.close();
    }
  });

  it('removes nothing the second time and says so', async () => {
    const result = await runSamepage(['forget', ...client, '--contact', 'generic:c-1', '--data', data]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/nothing left to remove for generic:c-1: already forgotten/);
  });

  it('refuses a contact id without its system, and --table without --region (exit 2)', async () => {
    const bare = await runSamepage(['forget', ...client, '--contact', 'c-1', '--data', data]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toMatch(/--contact: expected a contact id as <system>:<id>/);
    const table = await runSamepage(['forget', ...client, '--contact', 'generic:c-1', '--table', 'samepage']);
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/--table needs --region/);
  });
});
