import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runSamepage } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'samepage-packet-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const events = join(dir, 'acme.ndjson');
writeFileSync(
  events,
  [
    {
      type: 'company',
      id: 'co-1',
      at: '2026-08-03T15:00:00Z',
      industry: 'Healthcare',
      employees: 400,
      region: 'UK&I',
    },
    {
      type: 'deal',
      id: 'd-1',
      at: '2026-08-04T15:00:00Z',
      companyId: 'co-1',
      amount: 25000,
      stage: 'presentationscheduled',
      source: 'partner',
    },
    { type: 'deal', id: 'd-1', at: '2026-09-15T15:00:00Z', stage: 'closedwon' },
  ]
    .map((event) => JSON.stringify(event))
    .join('\n'),
);

describe('samepage packet', () => {
  it('prints the quarterly packet as JSON for a fixture client loaded from events', async () => {
    // Acme's fiscal year starts in February: Q2 is May–July, Q3 August–October. As of 2026-11-02
    // 13:00Z (08:00 New York) the last complete quarter is Aug–Oct 2026.
    const result = await runSamepage([
      'packet',
      '--client',
      'clients/example.yaml',
      '--events',
      events,
      '--cadence',
      'quarterly',
      '--as-of',
      '2026-11-02T13:00:00Z',
      '--format',
      'json',
    ]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const packet = JSON.parse(result.stdout);
    expect(packet.period.start).toBe('2026-08-01T00:00:00-04:00');
    expect(packet.period.end).toBe('2026-11-01T00:00:00-04:00');
    const value = (id: string) => packet.metrics.find((metric: { id: string }) => metric.id === id);
    // d-1 met the bar on 08-04 (presentationscheduled is past qualifiedtobuy; 25000 ≥ 5000; company set)
    // and was won on 09-15 at 25000: one qualified deal created, one won, all of it partner.
    expect(value('qpc.created.amount')).toMatchObject({ value: 25000, n: 1 });
    expect(value('qpc.won.amount')).toMatchObject({ value: 25000, n: 1 });
    expect(value('qpc.win_rate')).toMatchObject({ value: 1, n: 1, smallSample: true });
    expect(value('qpc.created.amount').breakdown).toContainEqual({
      key: 'team:partner',
      label: 'Partner team',
      unit: 'USD',
      value: 25000,
      n: 1,
    });
    // Healthcare, 400 employees, UK&I fit the ICP's firmographics; the deal has no contact, so no
    // seniority: a missing attribute does not fit.
    expect(value('icp.fit_rate.closed_won')).toMatchObject({ value: 0, n: 1 });
  });

  it('prints the same packet as plain text', async () => {
    const result = await runSamepage([
      'packet',
      '--client',
      'clients/example.yaml',
      '--events',
      events,
      '--cadence',
      'quarterly',
      '--as-of',
      '2026-11-02T13:00:00Z',
    ]);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/Acme Analytics: quarterly ICP and comp review, FY2027 Q3/);
    expect(result.stdout).toMatch(/Qualified pipeline created: \$25,000 \(n 1\)/);
    expect(result.stdout).toMatch(/DEFINITIONS \(version [0-9a-f]{12}\)/);
  });
});
