import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runSamepage } from '../support/cli.ts';

const dir = mkdtempSync(join(tmpdir(), 'samepage-send-cli-'));
const data = join(dir, 'data');
const outbox = join(dir, 'outbox');
const events = join(dir, 'events.ndjson');
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(
  events,
  [
    {
      type: 'company',
      id: 'co-1',
      at: '2026-11-02T15:00:00Z',
      industry: 'Software',
      employees: 850,
      region: 'North America',
    },
    {
      type: 'deal',
      id: 'd-1',
      at: '2026-11-11T15:00:00Z',
      companyId: 'co-1',
      amount: 48000,
      stage: 'qualifiedtobuy',
      source: 'webinar',
    },
  ]
    .map((event) => JSON.stringify(event))
    .join('\n'),
);
const AS_OF = '2026-11-16T13:00:00Z';

describe('samepage send and preview', () => {
  it('mails the packet once per address, and a second send finds it already sent', async () => {
    const imported = await runSamepage([
      'import',
      '--client',
      'clients/example.yaml',
      '--file',
      events,
      '--data',
      data,
    ]);
    expect(imported.code).toBe(0);
    const args = [
      'send',
      '--client',
      'clients/example.yaml',
      '--cadence',
      'weekly',
      '--as-of',
      AS_OF,
      '--data',
      data,
      '--outbox',
      outbox,
    ];
    const first = await runSamepage(args);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/weekly packet Week of 2026-11-09 \(built\)/);
    expect(first.stdout.match(/^ {2}sent /gm)).toHaveLength(5);
    const second = await runSamepage(args);
    expect(second.stdout).toMatch(/\(exists\)/);
    expect(second.stdout.match(/^ {2}already-sent /gm)).toHaveLength(5);
  });

  it('with --history keeps the packets of the earlier weeks and mails only this one', async () => {
    // Prepare: facts from Thu Oct 1, so 6 weeks (Sep 28 to Nov 2) come before the week of Nov 9.
    const historyData = join(dir, 'history-data');
    const historyOutbox = join(dir, 'history-outbox');
    const historyEvents = join(dir, 'history.ndjson');
    writeFileSync(
      historyEvents,
      [
        { type: 'company', id: 'co-1', at: '2026-10-01T15:00:00Z', industry: 'Software' },
        ...['2026-10-07', '2026-10-21', '2026-11-11'].map((day, index) => ({
          type: 'deal',
          id: `d-${index + 1}`,
          at: `${day}T15:00:00Z`,
          companyId: 'co-1',
          amount: 20000,
          stage: 'qualifiedtobuy',
          source: 'webinar',
        })),
      ]
        .map((event) => JSON.stringify(event))
        .join('\n'),
    );
    const imported = await runSamepage([
      'import',
      '--client',
      'clients/example.yaml',
      '--file',
      historyEvents,
      '--data',
      historyData,
    ]);
    expect(imported.code).toBe(0);

    // Act
    const args = ['send', '--client', 'clients/example.yaml', '--cadence', 'weekly', '--as-of', AS_OF];
    const sent = await runSamepage([...args, '--history', '--data', historyData, '--outbox', historyOutbox]);

    // Assess
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(
      /^trend history: 6 earlier weekly packets built, 0 kept from before \(not sent\)$/m,
    );
    expect(sent.stdout).toMatch(/weekly packet Week of 2026-11-09 \(built\)/);
    expect(sent.stdout.match(/^ {2}sent /gm)).toHaveLength(5);
    expect(readdirSync(join(historyOutbox, 'example'))).toEqual(['weekly-2026-11-09']);
  });

  it('previews the HTML without storing or sending, and prints its path', async () => {
    const result = await runSamepage([
      'preview',
      '--client',
      'clients/example.yaml',
      '--cadence',
      'weekly',
      '--as-of',
      AS_OF,
      '--events',
      events,
      '--outbox',
      outbox,
    ]);
    expect(result.code).toBe(0);
    // d-1 qualified on 11-11 with 48,000: QPC $48K in the week of Nov 9–15, no earlier data.
    expect(result.stdout).toMatch(
      /subject: Acme Analytics weekly pipeline council, Nov 9–15: QPC \$48K, no earlier periods yet/,
    );
    const path = result.stdout.trim().split('\n').at(-1) ?? '';
    const html = readFileSync(join(REPO_ROOT, path), 'utf8');
    expect(existsSync(join(REPO_ROOT, path))).toBe(true);
    // The value is bold and its n beside it: read as a person sees it, tags aside.
    expect(html.replace(/<[^>]+>/g, '')).toContain('$48,000 (n 1)');
  });
});
