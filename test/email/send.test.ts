import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localSendDeps, startTwin, type Twin } from '#local/twin.ts';
import { GMAIL_CLIP_BYTES } from '#shared/email/render.ts';
import { RetryableSendError, recipientHash, sendPacket } from '#shared/email/send.ts';
import { formatMetric, formatNumber } from '#shared/packets/format.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { type Mailer, PermanentMailError, TransientMailError } from '#shared/ports/mailer.ts';
import { InProcessPublisher, type PacketReady } from '#shared/ports/publisher.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';
import { asTheRuntimeLogsIt } from '../support/runtime-log.ts';
import { publishSmallWeek, SMALL_WEEK_AS_OF } from '../support/small-week.ts';

const AS_OF = SMALL_WEEK_AS_OF;
const outbox = mkdtempSync(join(tmpdir(), 'samepage-outbox-'));
afterAll(() => rmSync(outbox, { recursive: true, force: true }));

interface EmulatedMail {
  messageId: string;
  destination: { to: string[] };
  subject: string;
  body: { html?: string; text?: string };
  attachments: { filename?: string; contentType: string; content: string }[];
}

async function inbox(twin: Twin): Promise<EmulatedMail[]> {
  const response = await fetch(`${twin.mail?.ses.url}/store`);
  return ((await response.json()) as { emails: EmulatedMail[] }).emails;
}

/** The example client's five addresses across marketing, sales and leadership. */
const RECIPIENTS = [
  'cmo@acme.example',
  'demandgen@acme.example',
  'vp-sales@acme.example',
  'sdr-lead@acme.example',
  'ceo@acme.example',
];

describe('sending packets through the SES emulator', () => {
  let twin: Twin;
  let ready: PacketReady;
  const clock = () => Date.parse(AS_OF);

  beforeAll(async () => {
    twin = await startTwin({ config: exampleConfig(), secrets: testSecrets(), serve: false, outbox });
    ready = await publishSmallWeek(twin, async (event) => {
      await sendPacket(localSendDeps(twin, clock), event);
    });
  });
  afterAll(() => twin.close());

  it('delivers one mail to each address of the three lists, with the CSV attached', async () => {
    const mails = await inbox(twin);
    expect(mails.map((mail) => mail.destination.to[0]).sort()).toEqual([...RECIPIENTS].sort());
    expect(new Set(mails.map((mail) => mail.subject)).size).toBe(1);
    expect(mails[0]?.subject).toBe(
      'Acme Analytics weekly pipeline council, Nov 9–15: QPC $30K, no earlier periods yet',
    );
    expect(mails[0]?.attachments.map((a) => a.filename)).toEqual(['example-weekly-2026-11-09.csv']);
  });

  it('never sends twice when the event is delivered again', async () => {
    const report = await sendPacket(localSendDeps(twin, clock), ready);
    expect(report.map((entry) => entry.outcome)).toEqual(RECIPIENTS.map(() => 'already-sent'));
    expect(await inbox(twin)).toHaveLength(RECIPIENTS.length);
  });

  it("carries the meeting's numbers in the HTML and the text and every metric in the CSV, under the clip size", async () => {
    const [mail] = await inbox(twin);
    const snapshot = await twin.store.getPacketSnapshot('weekly', ready.periodStart);
    const packet = JSON.parse(snapshot?.packet ?? '{}') as import('#shared/packets/packet.ts').Packet;
    const html = mail?.body.html ?? '';
    const text = mail?.body.text ?? '';
    const csv = Buffer.from(mail?.attachments[0]?.content ?? '', 'base64').toString('utf8');
    expect(Buffer.byteLength(html)).toBeLessThan(GMAIL_CLIP_BYTES);
    const shown = new Set([...packet.statusTable, ...packet.sections.flatMap((section) => section.metrics)]);
    expect(shown.size).toBeGreaterThan(10);
    for (const metric of packet.metrics) {
      // Every metric is a row of the CSV, with its label and value as the JSON has them.
      expect(csv, metric.id).toContain(
        `${metric.id},${metric.label},metric,,${metric.value ?? ''},${metric.n}`,
      );
      if (!shown.has(metric.id)) continue;
      // The meeting's metrics: the value with its n, formatted from the JSON, e.g. "$30,000 (n 1)".
      expect(text, metric.id).toContain(formatMetric(metric));
      expect(html, metric.id).toContain(formatNumber(metric.value, metric.unit).replace('&', '&amp;'));
      expect(html, metric.id).toContain(metric.label);
    }
    expect(html).toContain(packet.definitionsVersion);
    expect(html).not.toMatch(/<script|<img/i);
  });

  it('keeps the rendered packet and every message in outbox/', () => {
    const files = readdirSync(join(outbox, 'example', 'weekly-2026-11-09')).sort();
    expect(files).toEqual(
      [
        'example-weekly-2026-11-09.csv',
        'packet.html',
        'packet.json',
        'packet.txt',
        ...RECIPIENTS.map((r) => `${r}.eml`),
      ].sort(),
    );
  });
});

describe('send failures', () => {
  let twin: Twin;
  const clock = () => Date.parse(AS_OF);
  beforeAll(async () => {
    twin = await startTwin({ config: exampleConfig(), secrets: testSecrets(), serve: false, outbox });
    // The emulator keeps one inbox per process: start this part from an empty one.
    await fetch(`${twin.mail?.ses.url}/clear-store`, { method: 'POST' });
    await buildAndPublishPacket(
      { config: twin.config, store: twin.store, publisher: new InProcessPublisher(), clock },
      { client: 'example', cadence: 'weekly', asOf: AS_OF },
    );
  });
  afterAll(() => twin.close());

  const event: PacketReady = {
    type: 'PacketReady',
    client: 'example',
    cadence: 'weekly',
    periodStart: '2026-11-09T00:00:00-05:00',
    definitionsVersion: 'x',
  };

  /** SES that fails for some addresses: transiently once, or for good. */
  function failingMailer(inner: Mailer, transientOnce: string[], permanent: string[]): Mailer {
    const failedOnce = new Set<string>();
    return {
      send: async (mail) => {
        if (permanent.includes(mail.to))
          throw new PermanentMailError('MessageRejected: Address blacklisted.');
        if (transientOnce.includes(mail.to) && !failedOnce.has(mail.to)) {
          failedOnce.add(mail.to);
          throw new TransientMailError('Throttling: Maximum sending rate exceeded.');
        }
        return inner.send(mail);
      },
    };
  }

  it('retries a recipient that failed for now without resending to the others, and records a permanent failure', async () => {
    const deps = localSendDeps(twin, clock);
    const mailer = failingMailer(deps.mailer, ['vp-sales@acme.example'], ['ceo@acme.example']);
    const first = await sendPacket({ ...deps, mailer }, event).catch((error: unknown) => error);
    expect(first).toBeInstanceOf(RetryableSendError);
    const outcomes = Object.fromEntries(
      (first as RetryableSendError).report.map((r) => [r.recipient, r.outcome]),
    );
    expect(outcomes).toEqual({
      'cmo@acme.example': 'sent',
      'demandgen@acme.example': 'sent',
      'vp-sales@acme.example': 'failed',
      'sdr-lead@acme.example': 'sent',
      'ceo@acme.example': 'failed-permanent',
    });
    expect((await inbox(twin)).length).toBe(3);

    const retry = await sendPacket({ ...deps, mailer }, event);
    expect(Object.fromEntries(retry.map((r) => [r.recipient, r.outcome]))).toEqual({
      'cmo@acme.example': 'already-sent',
      'demandgen@acme.example': 'already-sent',
      'vp-sales@acme.example': 'sent',
      'sdr-lead@acme.example': 'already-sent',
      'ceo@acme.example': 'failed-permanent',
    });
    const mails = await inbox(twin);
    expect(mails.map((mail) => mail.destination.to[0]).sort()).toEqual(
      ['cmo@acme.example', 'demandgen@acme.example', 'sdr-lead@acme.example', 'vp-sales@acme.example'].sort(),
    );
    const records = await twin.store.mailsOf({ cadence: 'weekly', periodStart: event.periodStart });
    const ceo = records.find((record) => record.recipientHash === recipientHash('ceo@acme.example'));
    expect(ceo).toMatchObject({
      state: 'failed-permanent',
      attempts: 1,
      detail: 'PermanentMailError: MessageRejected: Address blacklisted.',
    });
    expect(
      records.find((record) => record.recipientHash === recipientHash('vp-sales@acme.example')),
    ).toMatchObject({
      state: 'sent',
      attempts: 2,
    });
    // Recipients are kept as hashes only.
    expect(JSON.stringify(records)).not.toContain('@');
  });
});

describe('what a failed send leaves for the logs', () => {
  let twin: Twin;
  const clock = () => Date.parse(AS_OF);
  beforeAll(async () => {
    twin = await startTwin({ config: exampleConfig(), secrets: testSecrets(), serve: false, outbox });
    await buildAndPublishPacket(
      { config: twin.config, store: twin.store, publisher: new InProcessPublisher(), clock },
      { client: 'example', cadence: 'weekly', asOf: AS_OF },
    );
  });
  afterAll(() => twin.close());

  it('names lists and counts, never a recipient address: the thrown error, its report details and the mail records', async () => {
    const deps = localSendDeps(twin, clock);
    // SES names the refused identity in its message (the sandbox refuses unverified recipients).
    const mailer: Mailer = {
      send: async (mail) => {
        if (mail.to === 'vp-sales@acme.example')
          throw new TransientMailError('ServiceUnavailable: Service is unavailable.');
        if (mail.to === 'ceo@acme.example')
          throw new PermanentMailError(
            `MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: ${mail.to}`,
          );
        return deps.mailer.send(mail);
      },
    };
    const event: PacketReady = {
      type: 'PacketReady',
      client: 'example',
      cadence: 'weekly',
      periodStart: '2026-11-09T00:00:00-05:00',
      definitionsVersion: 'x',
    };
    const error = await sendPacket({ ...deps, mailer }, event).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(RetryableSendError);
    const logged = asTheRuntimeLogsIt(error);
    for (const address of RECIPIENTS) expect(logged).not.toContain(address);
    expect((error as Error).message).toBe('1 recipient on sales failed and will be retried');
    expect(inspect(error)).not.toContain('@acme.example');

    // The caller still gets every outcome; a detail names the lists instead of the address.
    const report = (error as RetryableSendError).report;
    expect(report.map((entry) => entry.outcome)).toEqual([
      'sent',
      'sent',
      'failed',
      'sent',
      'failed-permanent',
    ]);
    expect(report.find((entry) => entry.outcome === 'failed-permanent')?.detail).toBe(
      'PermanentMailError: MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: <leadership recipient>',
    );
    for (const address of RECIPIENTS)
      expect(JSON.stringify(report.map((entry) => entry.detail))).not.toContain(address);
    const records = await twin.store.mailsOf({ cadence: 'weekly', periodStart: event.periodStart });
    expect(JSON.stringify(records)).not.toContain('@');
  });
});
