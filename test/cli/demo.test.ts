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

/** A smaller story than `npm run demo`'s, on a fixed day, so the suite stays quick and repeatable. */
const AS_OF = '2026-10-05T13:00:00Z';
const DEMO = ['demo', '--contacts', '300', '--as-of', AS_OF, '--data', dataDir, '--outbox', outbox];

describe('npm run demo', () => {
  let output = '';

  // Building the story's earlier packets for the trends (~70 of them) takes most of the time.
  it('delivers the generated story from every source, each answer as expected, and mails the three packets', {
    timeout: 90_000,
  }, async () => {
    const result = await runSamepage(DEMO);
    output = result.stdout;
    expect(result.stderr).not.toMatch(/not answered as expected/);
    expect(result.code).toBe(0);
    expect(output).not.toMatch(/✗/);
    // One HubSpot batch is sent twice, one generic delivery is forged, one Typeform body is broken.
    expect(output).toMatch(/deliveries: \d+ · accepted \d+ · duplicate 1 · quarantined 1 · refused 1/);
    for (const source of ['hubspot', 'hubspot-workflow', 'salesforce', 'pipedrive', 'typeform', 'generic']) {
      expect(output).toMatch(new RegExp(`by source: .*\\b${source} \\d+`));
    }
    expect(output.match(/mailed to 5 addresses \(marketing, sales, leadership\)/g)).toHaveLength(3);
    // The story starts on 2025-09-05: every earlier period since then is kept (not mailed), for the trends.
    const weeks = Number(/^ {2}trend history: (\d+) earlier weekly packets built$/m.exec(output)?.[1]);
    expect(weeks).toBeGreaterThanOrEqual(52);
    expect(output).toMatch(/^ {2}trend history: 12 earlier monthly packets built$/m);
    expect(output).toMatch(/^ {2}trend history: 4 earlier quarterly packets built$/m);
    const packets = readdirSync(join(outbox, 'demo'));
    expect(packets.sort()).toEqual(['monthly-2026-09-01', 'quarterly-2026-07-01', 'weekly-2026-09-28']);
    for (const packet of packets) {
      const files = readdirSync(join(outbox, 'demo', packet));
      expect(files.filter((file) => file.endsWith('.eml'))).toHaveLength(5);
      // Gmail clips bodies over 102 KB.
      expect(statSync(join(outbox, 'demo', packet, 'packet.html')).size).toBeLessThan(102 * 1024);
    }
  });

  it('leaves its data for samepage packet, which prints the same numbers', async () => {
    const headline = /weekly packet, [^:]+: Qualified pipeline created: \$([\d,]+) in (\d+) deals/.exec(
      output,
    );
    expect(headline).not.toBeNull();
    const packet = await runSamepage([
      'packet',
      '--client',
      'demo',
      '--cadence',
      'weekly',
      '--as-of',
      AS_OF,
      '--data',
      dataDir,
      '--format',
      'json',
    ]);
    expect(packet.code).toBe(0);
    const qpc = JSON.parse(packet.stdout).metrics.find(
      (metric: { id: string }) => metric.id === 'qpc.created.amount',
    );
    expect(qpc.value).toBe(Number(headline?.[1]?.replace(/,/g, '')));
    expect(qpc.n).toBe(Number(headline?.[2]));
  });

  it('refuses a data directory that is not its own', async () => {
    const other = mkdtempSync(join(tmpdir(), 'samepage-other-'));
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    try {
      const result = await runSamepage(['demo', '--contacts', '50', '--data', other, '--outbox', outbox]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/holds other data/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
