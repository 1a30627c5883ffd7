import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dueRuns, startScheduler } from '#local/scheduler.ts';
import { localSendDeps, startTwin } from '#local/twin.ts';
import { sendPacket } from '#shared/email/send.ts';
import { runScheduledBuild } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';

// Acme (New York): weekly on Monday 08:00, monthly and quarterly at 08:00 on Mon–Fri.
const config = exampleConfig();

describe('the local scheduler', () => {
  it('starts the weekly run on Monday 08:00 local and the day checks of monthly and quarterly', () => {
    // Monday 2026-11-16 08:00 EST = 13:00Z.
    expect(dueRuns(config, Date.parse('2026-11-16T13:00:30Z'))).toEqual([
      { client: 'example', cadence: 'weekly' },
      { client: 'example', cadence: 'monthly', onScheduledDay: true },
      { client: 'example', cadence: 'quarterly', onScheduledDay: true },
    ]);
  });

  it('starts only the business-day checks on other weekdays, and nothing at other minutes or on weekends', () => {
    // Tuesday 2026-11-17 08:00 EST.
    expect(dueRuns(config, Date.parse('2026-11-17T13:00:00Z')).map((run) => run.cadence)).toEqual([
      'monthly',
      'quarterly',
    ]);
    expect(dueRuns(config, Date.parse('2026-11-17T13:01:00Z'))).toEqual([]);
    // Saturday 2026-11-21 08:00 EST.
    expect(dueRuns(config, Date.parse('2026-11-21T13:00:00Z'))).toEqual([]);
  });

  it('reads the time in the client zone, also across a DST change', () => {
    // Monday 2026-11-02 08:00 is EST (UTC−5) after the 11-01 change: 13:00Z, not 12:00Z.
    expect(dueRuns(config, Date.parse('2026-11-02T12:00:00Z'))).toEqual([]);
    expect(dueRuns(config, Date.parse('2026-11-02T13:00:00Z')).map((run) => run.cadence)).toContain('weekly');
  });
});

describe('samepage serve schedules, end to end on the twin', () => {
  it('builds and mails the weekly packet at Monday 08:00 and leaves monthly and quarterly for their day', async () => {
    const outbox = mkdtempSync(join(tmpdir(), 'samepage-schedule-'));
    const twin = await startTwin({ config, secrets: testSecrets(), serve: false, outbox });
    const now = () => Date.parse('2026-11-16T13:00:30Z');
    try {
      await fetch(`${twin.mail?.ses.url}/clear-store`, { method: 'POST' });
      const publisher = new InProcessPublisher();
      publisher.subscribe(async (event) => {
        await sendPacket(localSendDeps(twin, now), event);
      });
      const statuses: Record<string, string> = {};
      const runs: Promise<void>[] = [];
      const stop = startScheduler(
        config,
        (input) => {
          const run = runScheduledBuild({ config, store: twin.store, publisher, clock: now }, input).then(
            (result) => {
              statuses[input.cadence] = result.status;
            },
          );
          runs.push(run);
          return run;
        },
        now,
      );
      stop();
      await Promise.all(runs);
      // Monday 11-16 is not November's first business day (that was 11-02).
      expect(statuses).toEqual({
        weekly: 'built',
        monthly: 'not-scheduled-today',
        quarterly: 'not-scheduled-today',
      });
      const inbox = (await (await fetch(`${twin.mail?.ses.url}/store`)).json()) as {
        emails: { subject: string }[];
      };
      expect(inbox.emails).toHaveLength(5);
      expect(new Set(inbox.emails.map((mail) => mail.subject.split(',')[0]))).toEqual(
        new Set(['Acme Analytics weekly pipeline council']),
      );
    } finally {
      await twin.close();
      rmSync(outbox, { recursive: true, force: true });
    }
  });
});
