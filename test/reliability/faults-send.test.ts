import { SESClient } from '@aws-sdk/client-ses';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { observability } from '#functions/lib/observability.ts';
import { createSendPacketHandler } from '#functions/send-packet/app.ts';
import { startTwin, type Twin } from '#local/twin.ts';
import { SesMailer } from '#shared/adapters/ses-mailer.ts';
import { type RecipientReport, RetryableSendError, recipientHash } from '#shared/email/send.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import type { MailRecord } from '#shared/ports/store.ts';
import { exampleConfig, testSecrets } from '../support/config.ts';
import {
  DYNAMO_FAULTS,
  type FaultCall,
  type FaultInjector,
  type FaultRule,
  injectFaults,
  networkFault,
  SES_FAULTS,
  sesUnverified,
} from '../support/faults.ts';
import { asTheRuntimeLogsIt } from '../support/runtime-log.ts';
import { SMALL_WEEK_AS_OF } from '../support/small-week.ts';

const context = { awsRequestId: 'faults', functionName: 'send-packet' } as Context;
const clock = () => Date.parse(SMALL_WEEK_AS_OF);
const PERIOD_START = '2026-11-09T00:00:00-05:00';
/** The example client's five addresses; ceo@ is on the leadership list only. */
const RECIPIENTS = [
  'cmo@acme.example',
  'demandgen@acme.example',
  'vp-sales@acme.example',
  'sdr-lead@acme.example',
  'ceo@acme.example',
];
const READY = {
  version: '0',
  id: 'e-1',
  'detail-type': 'PacketReady',
  source: 'samepage',
  account: '123456789012',
  time: '2026-11-16T13:00:05Z',
  region: 'eu-west-1',
  resources: [],
  detail: {
    type: 'PacketReady',
    client: 'example',
    cadence: 'weekly',
    periodStart: PERIOD_START,
    definitionsVersion: 'v',
  },
};

/** How many messages the emulator holds for each address (its store is one per process). */
async function inboxCounts(twin: Twin): Promise<Record<string, number>> {
  const response = await fetch(`${twin.mail?.ses.url}/store`);
  const { emails } = (await response.json()) as { emails: { destination: { to: string[] } }[] };
  const counts: Record<string, number> = {};
  for (const email of emails) {
    for (const to of email.destination.to) counts[to] = (counts[to] ?? 0) + 1;
  }
  return counts;
}

const once = (addresses: string[]) => Object.fromEntries(addresses.map((address) => [address, 1]));
const outcomes = (report: RecipientReport[]) =>
  Object.fromEntries(report.map((r) => [r.recipient, r.outcome]));
const sendTo = (address: string) => (call: FaultCall) =>
  call.command === 'SendRawEmailCommand' &&
  (call.input as { Destinations?: string[] }).Destinations?.[0] === address;

async function recordOf(twin: Twin, address: string): Promise<MailRecord | undefined> {
  const records = await twin.store.mailsOf({ cadence: 'weekly', periodStart: PERIOD_START });
  return records.find((record) => record.recipientHash === recipientHash(address));
}

/** Captures what the function writes (EMF metrics and JSON logs) while `act` runs. */
async function captured<T>(
  act: () => Promise<T>,
): Promise<{ result: T | unknown; lines: Record<string, unknown>[] }> {
  const written: string[] = [];
  const stdout = process.stdout.write.bind(process.stdout);
  const stderr = process.stderr.write.bind(process.stderr);
  const keep = ((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = keep;
  process.stderr.write = keep;
  let result: T | unknown;
  try {
    result = await act().catch((error: unknown) => error);
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  const lines = written
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { result, lines };
}

/** Runs `act` with metrics and logs on, as in AWS, and returns what the function wrote. */
async function withTelemetry<T>(act: () => Promise<T>) {
  const previous = { ...process.env };
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  process.env.POWERTOOLS_METRICS_NAMESPACE = 'samepage/acme';
  try {
    return await captured(act);
  } finally {
    process.env = previous;
  }
}

describe('SES and DynamoDB faults while sending (the SES emulator and dynalite through the AWS SDK)', () => {
  let twin: Twin | undefined;
  afterEach(async () => {
    await twin?.close();
    twin = undefined;
  });

  /**
   * A twin with the weekly packet stored, and the send-packet Lambda with the SES client the stack
   * builds (maxAttempts 6, adaptive retries), pointed at the emulator. The inbox starts empty.
   */
  async function sendLambda(sesRules: FaultRule[], dynamoRules: FaultRule[] = []) {
    twin = await startTwin({
      config: exampleConfig(),
      secrets: testSecrets(),
      serve: false,
      outbox: 'unused',
    });
    const url = twin.mail?.ses.url ?? '';
    await fetch(`${url}/clear-store`, { method: 'POST' });
    await buildAndPublishPacket(
      { config: twin.config, store: twin.store, publisher: new InProcessPublisher(), clock },
      { client: 'example', cadence: 'weekly' },
    );
    const ses = new SESClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 6,
      retryMode: 'adaptive',
    });
    const sesFaults = injectFaults(ses, sesRules);
    const dynamoFaults = injectFaults(twin.dynamo.client, dynamoRules);
    const deps = { config: twin.config, store: twin.store, mailer: new SesMailer(ses), clock };
    const current = twin;
    // Observability is read when the handler is built, so a test can turn metrics and logs on.
    const invoke = () => createSendPacketHandler(deps, observability('samepage-send-packet'))(READY, context);
    return { twin: current, ses, sesFaults, dynamoFaults, invoke };
  }

  const sesAttempts = (faults: FaultInjector, address: string) =>
    faults.calls.filter((call) => sendTo(address)(call)).length;

  it('SES throttles one address twice: the SDK retries it, every address gets exactly one message', async () => {
    const { twin, sesFaults, invoke } = await sendLambda([
      { when: sendTo('vp-sales@acme.example'), fault: SES_FAULTS.throttling, times: 2 },
    ]);
    const report = await invoke();
    expect(Object.values(outcomes(report))).toEqual(Array(5).fill('sent'));
    expect(sesAttempts(sesFaults, 'vp-sales@acme.example')).toBe(3);
    expect(sesFaults.calls).toHaveLength(5 + 2);
    expect(await inboxCounts(twin)).toEqual(once(RECIPIENTS));
    expect(await recordOf(twin, 'vp-sales@acme.example')).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('SES unavailable for one address past the SDK retries: RetryableSendError, the others are served once; the retries never resend, and the address is served once SES is back', async () => {
    const { twin, sesFaults, invoke } = await sendLambda([
      { when: sendTo('vp-sales@acme.example'), fault: SES_FAULTS.unavailable },
    ]);
    const first = await invoke().catch((error: unknown) => error);
    expect(first).toBeInstanceOf(RetryableSendError);
    expect(outcomes((first as RetryableSendError).report)['vp-sales@acme.example']).toBe('failed');
    expect(sesAttempts(sesFaults, 'vp-sales@acme.example')).toBe(6);
    const others = RECIPIENTS.filter((address) => address !== 'vp-sales@acme.example');
    expect(await inboxCounts(twin)).toEqual(once(others));
    expect(await recordOf(twin, 'vp-sales@acme.example')).toMatchObject({ state: 'failed', attempts: 1 });

    // Lambda's asynchronous retries (2 by default) while SES is still down.
    for (const retry of [2, 3]) {
      const again = await invoke().catch((error: unknown) => error);
      expect(again).toBeInstanceOf(RetryableSendError);
      expect(outcomes((again as RetryableSendError).report)).toEqual({
        ...Object.fromEntries(others.map((address) => [address, 'already-sent'])),
        'vp-sales@acme.example': 'failed',
      });
      expect(await recordOf(twin, 'vp-sales@acme.example')).toMatchObject({
        state: 'failed',
        attempts: retry,
      });
    }
    expect(sesAttempts(sesFaults, 'vp-sales@acme.example')).toBe(18);
    expect(await inboxCounts(twin)).toEqual(once(others));

    sesFaults.heal();
    const last = await invoke();
    expect(outcomes(last)['vp-sales@acme.example']).toBe('sent');
    expect(await inboxCounts(twin)).toEqual(once(RECIPIENTS));
    expect(sesFaults.calls.filter((call) => !call.faulted)).toHaveLength(5);
  });

  it('SES refuses one address for good: recorded failed-permanent, counted as RecipientsNotConfirmed for the NotDelivered alarm, never retried or resent', async () => {
    const { twin, sesFaults, invoke } = await sendLambda([
      { when: sendTo('ceo@acme.example'), fault: SES_FAULTS.rejected },
    ]);
    const run = await withTelemetry(() => invoke());
    const report = run.result as RecipientReport[];
    expect(outcomes(report)['ceo@acme.example']).toBe('failed-permanent');
    // A client error: the SDK does not retry it.
    expect(sesAttempts(sesFaults, 'ceo@acme.example')).toBe(1);
    expect(await recordOf(twin, 'ceo@acme.example')).toMatchObject({
      state: 'failed-permanent',
      attempts: 1,
      detail: 'PermanentMailError: MessageRejected: Email address is not verified.',
    });
    // What infra/constructs/ops-alarms.ts reads: RecipientsNotConfirmed of service
    // samepage-send-packet, and nothing else (the mails sent are in the log, at no metric cost).
    const emf = run.lines.filter((line) => '_aws' in line);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({ service: 'samepage-send-packet', RecipientsNotConfirmed: 1 });
    expect(JSON.stringify(emf[0]?._aws)).toContain('"Namespace":"samepage/acme"');
    expect(emf[0]).not.toHaveProperty('WeeklyPacketsSent');
    expect(emf[0]).not.toHaveProperty('MailsSent');
    expect(run.lines.find((line) => line.message === 'packet sent')).toMatchObject({
      sent: 4,
      'failed-permanent': 1,
    });
    const error = run.lines.find((line) => line.level === 'ERROR');
    expect(error).toMatchObject({ message: 'packet not delivered', lists: ['leadership'] });

    const again = await invoke();
    expect(outcomes(again)['ceo@acme.example']).toBe('failed-permanent');
    expect(sesAttempts(sesFaults, 'ceo@acme.example')).toBe(1);
    expect(await inboxCounts(twin)).toEqual(
      once(RECIPIENTS.filter((address) => address !== 'ceo@acme.example')),
    );
  });

  it('logs lists and counts, never a recipient address: the logger lines, the metrics and what the runtime logs of the thrown error', async () => {
    const { invoke } = await sendLambda([
      { when: sendTo('vp-sales@acme.example'), fault: SES_FAULTS.unavailable },
      { when: sendTo('ceo@acme.example'), fault: sesUnverified('ceo@acme.example') },
    ]);
    const run = await withTelemetry(() => invoke());
    expect(run.result).toBeInstanceOf(RetryableSendError);
    const written = JSON.stringify(run.lines);
    const thrown = asTheRuntimeLogsIt(run.result);
    for (const address of RECIPIENTS) {
      expect(written).not.toContain(address);
      expect(thrown).not.toContain(address);
    }
    expect(thrown).toContain('"errorMessage":"1 recipient on sales failed and will be retried"');
    const errors = run.lines.filter((line) => line.level === 'ERROR');
    expect(errors).toEqual([
      expect.objectContaining({
        message: 'packet not delivered',
        lists: ['leadership'],
        details: [
          'PermanentMailError: MessageRejected: Email address is not verified. The following identities failed the check in region US-EAST-1: <leadership recipient>',
        ],
      }),
    ]);
    expect(run.lines.find((line) => line.message === 'packet sent')).toMatchObject({
      sent: 3,
      failed: 1,
      'failed-permanent': 1,
    });
  });

  it('the connection to SES drops before the request arrives: the SDK retries, one message each', async () => {
    const { twin, sesFaults, invoke } = await sendLambda([
      { when: sendTo('sdr-lead@acme.example'), fault: networkFault(false), times: 2 },
    ]);
    expect(Object.values(outcomes(await invoke()))).toEqual(Array(5).fill('sent'));
    expect(sesAttempts(sesFaults, 'sdr-lead@acme.example')).toBe(3);
    expect(await inboxCounts(twin)).toEqual(once(RECIPIENTS));
  });

  it('the connection to SES drops after SES accepted the message: the SDK retry sends it again', async () => {
    const { twin, sesFaults, invoke } = await sendLambda([
      { when: sendTo('sdr-lead@acme.example'), fault: networkFault(true), times: 1 },
    ]);
    expect(Object.values(outcomes(await invoke()))).toEqual(Array(5).fill('sent'));
    expect(sesAttempts(sesFaults, 'sdr-lead@acme.example')).toBe(2);
    expect((await inboxCounts(twin))['sdr-lead@acme.example']).toBe(2);
  });

  const finishSent = (address: string) => (call: FaultCall) => {
    if (call.command !== 'UpdateItemCommand') return false;
    const input = call.input as {
      Key?: { sk?: { S?: string } };
      ExpressionAttributeValues?: Record<string, { S?: string }>;
    };
    return (
      input.Key?.sk?.S === recipientHash(address) && input.ExpressionAttributeValues?.[':state']?.S === 'sent'
    );
  };

  it('DynamoDB fails to record "sent" for a delivered message (past the SDK retries): the claim stays sending, it is never resent, and every invocation logs it as an error and counts it in RecipientsNotConfirmed', async () => {
    const { twin, dynamoFaults, invoke } = await sendLambda(
      [],
      // Exactly the SDK's 3 attempts: the next write to the table (before the fix: "failed") succeeds.
      [{ when: finishSent('vp-sales@acme.example'), fault: DYNAMO_FAULTS.throughputExceeded, times: 3 }],
    );
    const runs = await withTelemetry(async () => [await invoke(), await invoke(), await invoke()]);
    const [first, ...retries] = runs.result as RecipientReport[][];
    expect(dynamoFaults.injected).toBe(3);
    expect(first?.find((entry) => entry.recipient === 'vp-sales@acme.example')).toMatchObject({
      outcome: 'in-flight',
      detail: expect.stringMatching(/^sent as .+, not recorded: ProvisionedThroughputExceededException: /),
    });
    for (const retry of retries) {
      expect(outcomes(retry)).toEqual({
        ...Object.fromEntries(RECIPIENTS.map((address) => [address, 'already-sent'])),
        'vp-sales@acme.example': 'in-flight',
      });
    }
    expect(await inboxCounts(twin)).toEqual(once(RECIPIENTS));
    expect(await recordOf(twin, 'vp-sales@acme.example')).toMatchObject({ state: 'sending', attempts: 1 });
    const errors = runs.lines.filter((line) => line.level === 'ERROR');
    expect(errors.map((line) => [line.message, line.lists])).toEqual(
      Array(3).fill(['packet delivery not confirmed', ['sales']]),
    );
    const emf = runs.lines.filter((line) => '_aws' in line);
    expect(emf.map((line) => line.RecipientsNotConfirmed)).toEqual([1, 1, 1]);
    expect(emf.some((line) => 'WeeklyPacketsSent' in line)).toBe(false);
  });
});
