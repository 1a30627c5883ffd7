import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSamepage } from '../support/cli.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'samepage-demo-'));
const outbox = mkdtempSync(join(tmpdir(), 'samepage-demo-outbox-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outbox, { recursive: true, force: true });
});

describe('npm run demo', () => {
  it('delivers signed webhooks from all six sources and every answer is the expected one', async () => {
    const result = await runSamepage(['demo', '--data', dataDir, '--outbox', outbox]);
    expect(result.stderr).not.toMatch(/not answered as expected/);
    expect(result.code).toBe(0);
    const accepted = result.stdout
      .split('\n')
      .filter((line) => line.includes('✓') && line.trimEnd().endsWith('accepted'))
      .map((line) => line.trim().split(/\s+/)[1]);
    expect(new Set(accepted)).toEqual(
      new Set(['hubspot', 'hubspot-workflow', 'salesforce', 'pipedrive', 'typeform', 'generic']),
    );
    // 12 deliveries: 9 accepted, the HubSpot retry, the forged one and the broken Typeform body.
    expect(result.stdout).toMatch(/deliveries: 12 · accepted 9 · duplicate 1 · quarantined 1 · refused 1/);
    // HubSpot company 501, Salesforce account, Pipedrive organization; no company in the generic batch.
    expect(result.stdout).toMatch(/projected: 3 companies, 6 contacts, 3 deals, 2 forms, 2 activities/);
    expect(result.stdout).not.toMatch(/✗/);
    // The scripted week's qualified deals: HubSpot 7001 at qualifiedtobuy with 42,000, the Salesforce
    // opportunity at presentationscheduled with 65,000 and Pipedrive deal 9 at stage 2 with 18,000.
    expect(result.stdout).toMatch(
      /weekly packet, Week of [0-9-]+: Qualified pipeline created: \$125,000 in 3 deals/,
    );
    expect(result.stdout).toMatch(/monthly packet, .*\n {2}27 metrics/);
    expect(result.stdout).toMatch(/quarterly packet, .*\n {2}27 metrics/);
    // Each packet went through the local SES to the demo's five addresses on the three lists.
    expect(result.stdout.match(/mailed to 5 addresses \(marketing, sales, leadership\)/g)).toHaveLength(3);
    const packets = readdirSync(join(outbox, 'demo'));
    expect(packets).toHaveLength(3);
    for (const packet of packets) {
      const files = readdirSync(join(outbox, 'demo', packet));
      expect(files.filter((file) => file.endsWith('.eml'))).toHaveLength(5);
      // Gmail clips bodies over 102 KB.
      expect(statSync(join(outbox, 'demo', packet, 'packet.html')).size).toBeLessThan(102 * 1024);
    }
  });

  it('leaves its data for samepage packet, and runs again on its own directory', async () => {
    const packet = await runSamepage([
      'packet',
      '--client',
      'demo',
      '--cadence',
      'weekly',
      '--data',
      dataDir,
      '--format',
      'json',
    ]);
    expect(packet.code).toBe(0);
    const weekly = JSON.parse(packet.stdout);
    expect(weekly.metrics.find((metric: { id: string }) => metric.id === 'qpc.created.amount')).toMatchObject(
      {
        value: 125000,
        n: 3,
      },
    );
    const again = await runSamepage(['demo', '--data', dataDir, '--outbox', outbox]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/accepted 9 · duplicate 1/);
  });

  it('refuses a data directory that is not its own', async () => {
    const other = mkdtempSync(join(tmpdir(), 'samepage-other-'));
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    try {
      const result = await runSamepage(['demo', '--data', other, '--outbox', outbox]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/holds other data/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
