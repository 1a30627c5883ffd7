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
  it('starts the three runs at 08:00 local on every business weekday, for build-packet to decide the day', () => {
    const all = ['weekly', 'monthly', 'quarterly'].map((cadence) => ({
      client: 'example',
      cadence,
      onScheduledDay: true,
    }));
    // Monday 2026-11-16 08:00 EST = 13:00Z; Tuesday 11-17 too: a held weekly packet is retried.
    expect(dueRuns(config, Date.parse('2026-11-16T13:00:30Z'))).toEqual(all);
    expect(dueRuns(config, Date.parse('2026-11-17T13:00:00Z'))).toEqual(all);
  });

  it('starts nothing at other minutes or on weekends', () => {
    expect(dueRuns(config, Date.parse('2026-11-17T13:01:00Z'))).toEqual([]);
    // Saturday 2026-11-21 08:00 EST.
    expect(dueRuns(config, Date.parse('2026-11-21T13:00:00Z'))).toEqual([]);
  });

  it('starts the weekly run on its day also when that is not a business day, as the stack does', () => {
    const sunday = exampleConfig();
    sunday.schedules.weekly.day = 'sunday';
    // Sunday 2026-11-22 08:00 EST: the weekly run only.
    expect(dueRuns(sunday, Date.parse('2026-11-22T13:00:00Z'))).toEqual([
      { client: 'example', cadence: 'weekly', onScheduledDay: true },
    ]);
    expect(dueRuns(sunday, Date.parse('2026-11-21T13:00:00Z'))).toEqual([]);
  });

  it('reads the time in the client zone, also across a DST change', () => {
    // Monday 2026-11-02 08:00 is EST (UTC−5) after the 11-01 change: 13:00Z, not 12:00Z.
    expect(dueRuns(config, Date.parse('2026-11-02T12:00:00Z'))).toEqual([]);
    expect(dueRuns(config, Date.parse('2026-11-02T13:00:00Z')).map((run) => run.cadence)).toContain('weekly');
  });
});

describe('samepage serve schedules, end to end on the twin', () => {
  /** Starts the twin's scheduler at one instant; answers each run's status and the SES inbox. */
  async function scheduleAt(iso: string) {
    const outbox = mkdtempSync(join(tmpdir(), 'samepage-schedule-'));
    const twin = await startTwin({ config, secrets: testSecrets(), serve: false, outbox });
    const now = () => Date.parse(iso);
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
      const inbox = (await (await fetch(`${twin.mail?.ses.url}/store`)).json()) as {
        emails: { subject: string }[];
      };
      return { statuses, emails: inbox.emails };
    } finally {
      await twin.close();
      rmSync(outbox, { recursive: true, force: true });
    }
  }

  it('builds and mails the weekly packet at Monday 08:00 and leaves monthly and quarterly for their day', async () => {
    const { statuses, emails } = await scheduleAt('2026-11-16T13:00:30Z');
    // Monday 11-16 is not November's first business day (that was 11-02).
    expect(statuses).toEqual({
      weekly: 'built',
      monthly: 'not-scheduled-today',
      quarterly: 'not-scheduled-today',
    });
    expect(emails).toHaveLength(5);
    expect(new Set(emails.map((mail) => mail.subject.split(',')[0]))).toEqual(
      new Set(['Acme Analytics weekly pipeline council']),
    );
  });

  it('builds nothing on Tuesday 08:00 when no packet is held: the weekly run is a hold check only', async () => {
    const { statuses, emails } = await scheduleAt('2026-11-17T13:00:30Z');
    expect(statuses).toEqual({
      weekly: 'not-scheduled-today',
      monthly: 'not-scheduled-today',
      quarterly: 'not-scheduled-today',
    });
    expect(emails).toEqual([]);
  });
});
