import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { genericHeaders } from '#local/senders/generic.ts';
import { localSendDeps, startTwin, type Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { sendPacket } from '#shared/email/send.ts';
import type { Packet } from '#shared/packets/packet.ts';
import { buildAndPublishPacket, runScheduledBuild } from '#shared/packets/run.ts';
import { InProcessPublisher, type PacketReady } from '#shared/ports/publisher.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { post } from '../support/twin.ts';

/*
 * A source that went silent, end to end: deliveries through the twin's HTTP endpoint (their
 * receipt times from the twin's clock), the scheduled runs of the weekly packet, and the mail in
 * the SES emulator. The example client is in New York, open 09:00–17:00 Mon–Fri; Thursday
 * 2026-11-26 is a holiday. The weekly packet of the week of Nov 16 is due Monday Nov 23 08:00.
 */
const local = (iso: string) => Date.parse(`${iso}-05:00`);
const MONDAY = local('2026-11-23T08:00:00');
const TUESDAY = local('2026-11-24T08:00:00');
const WEDNESDAY = local('2026-11-25T08:00:00');
const FRIDAY = local('2026-11-27T08:00:00');
const RECIPIENTS = 5;

const outbox = mkdtempSync(join(tmpdir(), 'samepage-holds-'));
afterAll(() => rmSync(outbox, { recursive: true, force: true }));

interface Harness {
  twin: Twin;
  /** Moves the twin's clock (receipts, builds and sends). */
  at(instant: number): void;
  /** Posts one signed generic event at the current instant; `valid: false` posts one that is quarantined. */
  deliver(id: string, valid?: boolean): Promise<string>;
  scheduled(): ReturnType<typeof runScheduledBuild>;
  build(input?: Record<string, unknown>): ReturnType<typeof buildAndPublishPacket>;
  inbox(): Promise<{ subject: string; to: string }[]>;
  ready: PacketReady[];
}

const harnesses: Harness[] = [];
afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.twin.close();
});

/** The example client with only the generic source, whose silence policy the test sets. */
async function harness(policy: 'hold' | 'warn'): Promise<Harness> {
  const config: ClientConfig = exampleConfig();
  config.sources = {
    generic: { secret: 'acme/generic-whsec', onSilence: policy, maxSilenceBusinessHours: 8 },
  };
  let now = MONDAY;
  const clock = () => now;
  const twin = await startTwin({ config, secrets: testSecrets(), clock, outbox });
  const publisher = new InProcessPublisher();
  const ready: PacketReady[] = [];
  publisher.subscribe(async (event) => {
    ready.push(event);
    await sendPacket(localSendDeps(twin, clock), event);
  });
  const deps = { config, store: twin.store, publisher, clock };
  const mailsOf = async () => {
    const response = await fetch(`${twin.mail?.ses.url}/store`);
    const { emails } = (await response.json()) as {
      emails: { subject: string; destination: { to: string[] } }[];
    };
    return emails.map((mail) => ({ subject: mail.subject, to: mail.destination.to[0] ?? '' }));
  };
  // The SES emulator may hold earlier tests' mail: this harness reads only what came after.
  const earlier = (await mailsOf()).length;
  const created: Harness = {
    twin,
    ready,
    at: (instant) => {
      now = instant;
    },
    async deliver(id, valid = true) {
      const event = valid
        ? { type: 'contact', id, at: new Date(now).toISOString(), stage: 'lead', source: 'webinar' }
        : { type: 'contact', id, at: 'not a time' };
      const body = JSON.stringify({ events: [event] });
      const answer = await post(
        twin,
        'generic',
        body,
        genericHeaders(body, TEST_SECRETS['acme/generic-whsec'], { timestamp: new Date(now) }),
      );
      await twin.store.flushSourceNotes();
      return (JSON.parse(answer.text) as { status: string }).status;
    },
    scheduled: () => runScheduledBuild(deps, { client: 'example', cadence: 'weekly', onScheduledDay: true }),
    build: (input = {}) => buildAndPublishPacket(deps, { client: 'example', cadence: 'weekly', ...input }),
    inbox: async () => (await mailsOf()).slice(earlier),
  };
  harnesses.push(created);
  return created;
}

describe('a packet built on a silent source', () => {
  it('is held under `hold`, re-checked each business day, and sent once the source delivers again', async () => {
    const h = await harness('hold');
    // Last delivery Thursday 15:40: 80 minutes that day + 8 hours Friday > 8 business hours by Monday.
    h.at(local('2026-11-19T15:40:00'));
    expect(await h.deliver('c-1')).toBe('accepted');

    h.at(MONDAY);
    const monday = await h.scheduled();
    expect(monday.status).toBe('held');
    if (monday.status !== 'held') throw new Error('expected a hold');
    expect(monday.hold.since).toBe(MONDAY);
    expect(monday.hold.reasons[0]).toMatch(/^The generic endpoint has been silent since Thu Nov 19, 15:40/);
    expect(await h.twin.store.getPacketSnapshot('weekly', monday.periodStart)).toBeUndefined();

    // Tuesday: still silent. The hold keeps its start; nothing is stored or sent.
    h.at(TUESDAY);
    const tuesday = await h.scheduled();
    expect(tuesday.status).toBe('held');
    if (tuesday.status === 'held')
      expect([tuesday.hold.since, tuesday.hold.checkedAt]).toEqual([MONDAY, TUESDAY]);
    expect(await h.inbox()).toEqual([]);

    // The source delivers again Tuesday 10:00; Wednesday's run sends the packet, built as of then.
    h.at(local('2026-11-24T10:00:00'));
    expect(await h.deliver('c-2')).toBe('accepted');
    h.at(WEDNESDAY);
    const wednesday = await h.scheduled();
    expect(wednesday.status).toBe('built');
    if (wednesday.status === 'held' || !('packet' in wednesday)) throw new Error('expected a packet');
    const packet: Packet = wednesday.packet;
    expect(packet.asOf).toBe('2026-11-25T08:00:00-05:00');
    expect(packet.period.start).toBe('2026-11-16T00:00:00-05:00');
    expect(packet.banner).toBeUndefined();
    expect(packet.definitions.held).toEqual({
      since: '2026-11-23T08:00:00-05:00',
      until: '2026-11-25T08:00:00-05:00',
      reasons: monday.hold.reasons,
      releasedBy: 'the sources delivering again',
    });
    expect(await h.inbox()).toHaveLength(RECIPIENTS);
    const hold = await h.twin.store.getHold('weekly', monday.periodStart);
    expect(hold?.released).toEqual({ at: WEDNESDAY, by: 'fresh' });

    // Friday (Thursday is a holiday): the hold is released and it is not the weekly day.
    h.at(FRIDAY);
    expect((await h.scheduled()).status).toBe('not-scheduled-today');
    // A redelivered PacketReady sends nothing new.
    const again = await sendPacket(
      localSendDeps(h.twin, () => FRIDAY),
      h.ready[0] as PacketReady,
    );
    expect(again.every((entry) => entry.outcome === 'already-sent')).toBe(true);
    expect(await h.inbox()).toHaveLength(RECIPIENTS);
  });

  it('goes out once when ops release the hold, naming who did', async () => {
    const h = await harness('hold');
    h.at(local('2026-11-19T15:40:00'));
    await h.deliver('c-1');
    h.at(MONDAY);
    expect((await h.scheduled()).status).toBe('held');

    h.at(local('2026-11-23T11:30:00'));
    const released = await h.build({ releaseHold: { by: 'Dana Reyes (ops)' } });
    expect(released.status).toBe('built');
    if (!('packet' in released)) throw new Error('expected a packet');
    // Still silent: the packet carries the banner, and its appendix says who released it.
    expect(released.packet.banner).toMatch(/^Data may be incomplete\. The generic endpoint has been silent/);
    expect(released.packet.definitions.held?.releasedBy).toBe(
      'Dana Reyes (ops), who sent it while a source was still broken',
    );
    const hold = await h.twin.store.getHold('weekly', '2026-11-16T00:00:00-05:00');
    expect(hold?.released).toEqual({
      at: local('2026-11-23T11:30:00'),
      by: { forcedBy: 'Dana Reyes (ops)' },
    });
    const mails = await h.inbox();
    expect(mails).toHaveLength(RECIPIENTS);
    expect(mails[0]?.subject).toMatch(/^Data may be incomplete: /);

    // A second release, and Tuesday's scheduled run, send nothing more.
    expect((await h.build({ releaseHold: { by: 'Dana Reyes (ops)' } })).status).toBe('exists');
    h.at(TUESDAY);
    expect((await h.scheduled()).status).toBe('not-scheduled-today');
    expect(await h.inbox()).toHaveLength(RECIPIENTS);
  });

  it('is sent with a banner under `warn`', async () => {
    const h = await harness('warn');
    h.at(local('2026-11-19T15:40:00'));
    await h.deliver('c-1');
    h.at(MONDAY);
    const result = await h.scheduled();
    expect(result.status).toBe('built');
    if (!('packet' in result)) throw new Error('expected a packet');
    expect(result.packet.banner).toBe(
      'Data may be incomplete. The generic endpoint has been silent since Thu Nov 19, 15:40; it feeds every number here (its contacts, deals and activities).',
    );
    expect(result.packet.dataHealth.sources?.[0]).toMatchObject({
      source: 'generic',
      state: 'silent',
      accepted: 1,
    });
    expect(await h.inbox()).toHaveLength(RECIPIENTS);
    expect(await h.twin.store.getHold('weekly', '2026-11-16T00:00:00-05:00')).toBeUndefined();
  });

  it('is held when a quarantine spike breaks the source', async () => {
    const h = await harness('hold');
    // Friday: 3 accepted and 3 quarantined deliveries, 50% > the 20% default, 6 ≥ 5 deliveries.
    h.at(local('2026-11-20T16:00:00'));
    for (const n of [1, 2, 3]) expect(await h.deliver(`c-${n}`)).toBe('accepted');
    for (const n of [4, 5, 6]) expect(await h.deliver(`c-${n}`, false)).toBe('quarantined');
    h.at(MONDAY);
    const result = await h.scheduled();
    expect(result.status).toBe('held');
    if (result.status === 'held') {
      expect(result.hold.reasons).toEqual([
        'The generic endpoint had 50.0% of its deliveries quarantined (3 of 6); it feeds every number here (its contacts, deals and activities)',
      ]);
    }
    expect(await h.inbox()).toEqual([]);
  });
});
