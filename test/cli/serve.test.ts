import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { genericHeaders } from '#local/senders/generic.ts';
import { startTwin } from '#local/twin.ts';
import { fieldValue } from '#shared/projection/state.ts';
import { runSamepage, startServe } from '../support/cli.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { entityRef } from '../support/refs.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'samepage-cli-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Reads an entity from the on-disk data the CLI left behind. */
async function stateOnDisk(key: string) {
  const twin = await startTwin({ config: exampleConfig(), dataDir, secrets: testSecrets(), serve: false });
  try {
    return (await twin.store.getEntities([entityRef(key)])).get(key)?.state;
  } finally {
    await twin.close();
  }
}

describe('samepage CLI', () => {
  it('serve accepts a signed delivery over HTTP and keeps it on disk under --data', async () => {
    const serve = await startServe(['--client', 'clients/example.yaml', '--port', '0', '--data', dataDir]);
    try {
      const body = JSON.stringify({
        events: [
          { type: 'contact', id: 'c-cli', at: '2026-09-01T12:00:00Z', stage: 'mql', source: 'webinar' },
        ],
      });
      const response = await fetch(`${serve.url}/webhooks/generic`, {
        method: 'POST',
        body,
        headers: genericHeaders(body, TEST_SECRETS['acme/generic-whsec']),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'accepted', events: 1 });
      const unknown = await fetch(`${serve.url}/webhooks/marketo`, { method: 'POST', body: '{}' });
      expect(unknown.status).toBe(404);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.stopped;
    }
    const contact = await stateOnDisk('contact#generic:c-cli');
    expect(contact?.milestones.mql).toBe(Date.parse('2026-09-01T12:00:00Z'));
    expect(contact && fieldValue(contact, 'source')).toBe('webinar');
  });

  it('serve names each configured secret that is not set, and a delivery needing it fails with the same words', async () => {
    // The Typeform secret is not set (an empty variable is unset); every other one is.
    const words = 'Secret "acme/typeform-secret" not found (set SAMEPAGE_SECRET_ACME_TYPEFORM_SECRET)';
    const serve = await startServe(['--client', 'clients/example.yaml', '--port', '0'], {
      SAMEPAGE_SECRET_ACME_TYPEFORM_SECRET: '',
      POWERTOOLS_LOG_LEVEL: 'ERROR',
    });
    try {
      expect(serve.output()).toContain(
        `secrets not set (a delivery that needs one answers 500 "misconfigured"):\n  typeform: ${words}\n  POST`,
      );
      // It names the route the mails' web links open, which answers a link without a packet 404.
      await expect
        .poll(() => serve.output())
        .toContain(`web copies (the links in the mails and chat posts): GET ${serve.url}/packets/view`);
      expect((await fetch(`${serve.url}/packets/view?p=weekly-2020-01-06&t=${'A'.repeat(43)}`)).status).toBe(
        404,
      );
      const response = await fetch(`${serve.url}/webhooks/typeform`, {
        method: 'POST',
        body: '{"event_id":"x","event_type":"form_response","form_response":{}}',
        headers: { 'content-type': 'application/json', 'typeform-signature': 'sha256=AAAA' },
      });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ error: 'misconfigured' });
      // The log line of the failed delivery says the same words as the start did.
      await new Promise((resolve) => setTimeout(resolve, 200));
      const failures = serve
        .output()
        .split('\n')
        .filter((line) => line.startsWith('{'))
        .map((line) => JSON.parse(line) as { message: string; error?: { message: string } })
        .filter((entry) => entry.message === 'delivery failed');
      expect(failures.map((entry) => entry.error?.message)).toEqual([words]);
    } finally {
      serve.child.kill('SIGTERM');
      await serve.stopped;
    }
  });

  it('import applies valid rows, lists bad rows with line numbers and exits 1', async () => {
    const file = join(dataDir, 'history.ndjson');
    writeFileSync(
      file,
      [
        JSON.stringify({
          type: 'company',
          id: 'co-imp',
          at: '2026-08-01T09:00:00Z',
          name: 'Hooli',
          employees: 1200,
        }),
        JSON.stringify({
          type: 'deal',
          id: 'd-imp',
          at: '2026-08-02T09:00:00Z',
          amount: '9000',
          stage: 'qualifiedtobuy',
        }),
        '{not json',
        '',
        JSON.stringify({
          type: 'deal',
          id: 'd-imp2',
          at: '2026-08-03T09:00:00Z',
          amount: 9000,
          companyId: 'co-imp',
        }),
      ].join('\n'),
    );
    const result = await runSamepage([
      'import',
      '--client',
      'clients/example.yaml',
      '--file',
      file,
      '--data',
      dataDir,
    ]);
    expect(result.stdout).toMatch(/rows read: 5, applied: 2, skipped: 2/);
    expect(result.stdout).toMatch(/line 2: amount: Invalid input: expected number, received string/);
    expect(result.stdout).toMatch(/line 3: not JSON/);
    expect(result.code).toBe(1);
    expect((await stateOnDisk('company#generic:co-imp'))?.fields.employees?.[0]?.value).toBe(1200);
    expect(await stateOnDisk('deal#generic:d-imp')).toBeUndefined();
    const deal = await stateOnDisk('deal#generic:d-imp2');
    expect(deal && fieldValue(deal, 'companyId')).toBe('generic:co-imp');
  });

  it('refuses a broken config naming the field, with exit code 2', async () => {
    const broken = join(dataDir, 'broken.yaml');
    writeFileSync(broken, 'client: Acme Corp\n');
    const result = await runSamepage(['replay', '--client', broken]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/- client: expected lowercase letters/);
    expect(result.stderr).toMatch(/- timezone: /);
  });

  it('refuses a config file whose client is not its file name, with exit code 2', async () => {
    const copied = join(dataDir, 'globex.yaml');
    writeFileSync(
      copied,
      readFileSync(fileURLToPath(new URL('../../clients/example.yaml', import.meta.url)), 'utf8'),
    );
    const result = await runSamepage(['replay', '--client', copied]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/- client: is "example" but the file is globex\.yaml/);
  });
});

describe('samepage import of CRM exports', () => {
  it('imports a HubSpot contacts CSV, listing ignored columns and the rows kept out', async () => {
    const file = fileURLToPath(new URL('../fixtures/backfill/hubspot-contacts.csv', import.meta.url));
    const result = await runSamepage([
      'import',
      '--client',
      'clients/example.yaml',
      '--file',
      file,
      '--data',
      dataDir,
    ]);
    // 4 data rows; the last has an unreadable Create Date.
    expect(result.stdout).toMatch(/rows read: 5, applied: 3, skipped: 1/);
    expect(result.stdout).toMatch(/columns ignored: First Name/);
    expect(result.stdout).toMatch(/line 5: Create Date: "not a date" is not a date/);
    expect(result.code).toBe(1);
    const pat = await stateOnDisk('contact#hubspot:1001');
    expect(pat?.milestones.mql).toBe(Date.parse('2026-03-03T15:00:00Z'));
  });

  it('refuses --table without --region', async () => {
    const result = await runSamepage([
      'import',
      '--client',
      'clients/example.yaml',
      '--file',
      'x.csv',
      '--table',
      'samepage',
    ]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--table needs --region/);
  });
});
