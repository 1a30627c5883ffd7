import { ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { createIngestHandler } from '#functions/ingest/app.ts';
import { observability } from '#functions/lib/observability.ts';
import { genericHeaders } from '#local/senders/generic.ts';
import { LOCAL_TABLE_NAME, type Twin } from '#local/twin.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import {
  DYNAMO_FAULTS,
  type FaultRule,
  injectFaults,
  networkFault,
  on,
  tableItems,
} from '../support/faults.ts';
import { startTestTwin } from '../support/twin.ts';

const SECRET = TEST_SECRETS['acme/generic-whsec'];
const context = { awsRequestId: 'faults', functionName: 'ingest' } as Context;
const tools = observability('samepage-ingest');
/** The sender's first attempt, and its retries a minute apart (webhook timestamps stay fresh). */
const FIRST = Date.now();
const attempt = (n: number) => FIRST + n * 60_000;

/** One delivery touching every kind of write: raw, quarantine (one bad event), first fact, four entities. */
const BODY = JSON.stringify({
  events: [
    { type: 'company', id: 'co-f', at: '2026-06-01T14:00:00Z', name: 'Initech', industry: 'Software' },
    {
      type: 'contact',
      id: 'c-f',
      at: '2026-06-02T14:00:00Z',
      companyId: 'co-f',
      stage: 'mql',
      source: 'webinar',
      owner: 'rep-1',
    },
    {
      type: 'activity',
      id: 'a-f',
      at: '2026-06-02T15:00:00Z',
      contactId: 'c-f',
      kind: 'call',
      owner: 'rep-1',
    },
    {
      type: 'deal',
      id: 'd-f',
      at: '2026-06-03T14:00:00Z',
      companyId: 'co-f',
      contactIds: ['c-f'],
      amount: 12000,
      currency: 'USD',
      stage: 'qualifiedtobuy',
    },
    { type: 'contact', at: '2026-06-03T14:00:00Z', stage: 'mql' },
  ],
});

function apiEvent(at: number): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{source}',
    rawPath: '/webhooks/generic',
    rawQueryString: '',
    headers: genericHeaders(BODY, SECRET, { timestamp: new Date(at) }),
    pathParameters: { source: 'generic' },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'hooks.acme.example',
      domainPrefix: 'hooks',
      http: {
        method: 'POST',
        path: '/webhooks/generic',
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'test',
      },
      requestId: 'req',
      routeKey: 'POST /webhooks/{source}',
      stage: '$default',
      time: '01/Jun/2026:10:00:00 +0000',
      timeEpoch: at,
    },
    body: BODY,
    isBase64Encoded: false,
  };
}

/** The ingest Lambda of one container: one store for every delivery, as at module scope in AWS. */
function ingestLambda(twin: Twin) {
  let now = FIRST;
  const handler = createIngestHandler(
    { config: exampleConfig(), store: twin.store, secrets: testSecrets(), clock: () => now },
    tools,
  );
  return async (at: number) => {
    now = at;
    const answer = await handler(apiEvent(at), context);
    return {
      statusCode: answer.statusCode,
      body: JSON.parse(answer.body ?? '{}') as Record<string, unknown>,
    };
  };
}

const isMarker = (item: Record<string, unknown>) => String(item.pk).startsWith('source#');
/**
 * The table's items but the source's freshness marker: it counts receipts (a retry that kept the
 * delivery again is another receipt, at its own time), so a retried delivery's marker differs from
 * a clean one's by design. Its own test is below.
 */
const items = async (twin: Twin) =>
  (await tableItems(twin.dynamo.client, LOCAL_TABLE_NAME)).filter((item) => !isMarker(item));

/** The table after one fault-free delivery received at `at`. */
const clean = new Map<number, Promise<Record<string, unknown>[]>>();
function cleanRun(at: number): Promise<Record<string, unknown>[]> {
  let found = clean.get(at);
  if (!found) {
    found = (async () => {
      const twin = await startTestTwin();
      try {
        expect((await ingestLambda(twin)(at)).statusCode).toBe(200);
        return await items(twin);
      } finally {
        await twin.close();
      }
    })();
    clean.set(at, found);
  }
  return found;
}

const isRaw = (pk: string) => pk.startsWith('raw#');
const isQuarantine = (pk: string) => pk.startsWith('quarantine#');
const isEntity = (prefix: string) => (pk: string) => pk.startsWith(prefix);
const keysOf = (found: Record<string, unknown>[]) => found.map((item) => String(item.pk));

describe('DynamoDB faults during ingest (dynalite through the AWS SDK, maxAttempts 3)', () => {
  let twin: Twin | undefined;
  afterEach(async () => {
    await twin?.close();
    twin = undefined;
  });

  async function faulted(rules: FaultRule[]) {
    twin = await startTestTwin();
    return { twin, faults: injectFaults(twin.dynamo.client, rules), deliver: ingestLambda(twin) };
  }

  it('the clean delivery marks its source as delivering', async () => {
    const cleanTwin = await startTestTwin();
    try {
      await ingestLambda(cleanTwin)(attempt(0));
      const markers = (await tableItems(cleanTwin.dynamo.client, LOCAL_TABLE_NAME)).filter(isMarker);
      expect(markers.map((item) => [item.pk, item.lastDeliveryAt])).toEqual([['source#generic', attempt(0)]]);
    } finally {
      await cleanTwin.close();
    }
  });

  it('the clean delivery stores 7 items besides its marker: raw, quarantine, first fact, 4 entities', async () => {
    expect(keysOf(await cleanRun(attempt(0))).map((pk) => pk.split('#')[0])).toEqual([
      'activity',
      'client',
      'company',
      'contact',
      'deal',
      'quarantine',
      'raw',
    ]);
  });

  it('first write throttled past the SDK retries: 500, nothing stored; the retry stores what a clean delivery does', async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('PutItemCommand', isRaw), fault: DYNAMO_FAULTS.throughputExceeded },
    ]);
    const first = await deliver(attempt(0));
    expect(first).toEqual({
      statusCode: 500,
      body: { error: 'internal', reason: 'temporary failure, please retry' },
    });
    // The SDK tried the write 3 times (maxAttempts), then gave up; nothing after it ran.
    expect(faults.attemptsOf('PutItemCommand', 'faulted')).toBe(3);
    expect(faults.calls.map((call) => call.command)).toEqual(Array(3).fill('PutItemCommand'));
    expect(await items(twin)).toEqual([]);

    faults.heal();
    const retry = await deliver(attempt(1));
    expect(retry.statusCode).toBe(200);
    expect(retry.body.status).toBe('accepted');
    // Nothing was kept the first time, so the retry is the delivery: received at its own time.
    expect(await items(twin)).toEqual(await cleanRun(attempt(1)));
  });

  it('entity write throttled after the raw delivery was kept: 500 with a half-applied delivery; two retries later the state is the clean one', async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('PutItemCommand', isEntity('contact#')), fault: DYNAMO_FAULTS.throttling },
    ]);
    expect((await deliver(attempt(0))).statusCode).toBe(500);
    const half = keysOf(await items(twin));
    expect(half.some(isRaw)).toBe(true);
    expect(half.some(isEntity('contact#'))).toBe(false);
    expect(faults.attemptsOf('PutItemCommand', 'faulted')).toBe(3);

    // The sender retries while the table still throttles, then once it has recovered.
    expect((await deliver(attempt(1))).statusCode).toBe(500);
    expect(faults.attemptsOf('PutItemCommand', 'faulted')).toBe(6);
    faults.heal();
    const last = await deliver(attempt(2));
    expect(last.statusCode).toBe(200);
    expect(last.body.status).toBe('duplicate');
    // The first receipt is the one of record: the same 7 items as a clean delivery at attempt 0.
    const after = await items(twin);
    expect(after).toHaveLength(7);
    expect(after).toEqual(await cleanRun(attempt(0)));
  });

  it('quarantine write unavailable (503): 500; the retry converges', async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('PutItemCommand', isQuarantine), fault: DYNAMO_FAULTS.unavailable },
    ]);
    expect((await deliver(attempt(0))).statusCode).toBe(500);
    expect(faults.attemptsOf('PutItemCommand', 'faulted')).toBe(3);
    expect(keysOf(await items(twin)).filter((pk) => !isRaw(pk))).toEqual([]);
    faults.heal();
    expect((await deliver(attempt(1))).statusCode).toBe(200);
    expect(await items(twin)).toEqual(await cleanRun(attempt(0)));
  });

  it('entity read (BatchGetItem) fails with a 500 from DynamoDB: 500; the retry converges', async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('BatchGetItemCommand'), fault: DYNAMO_FAULTS.internal },
    ]);
    expect((await deliver(attempt(0))).statusCode).toBe(500);
    expect(faults.attemptsOf('BatchGetItemCommand', 'faulted')).toBe(3);
    expect(faults.attemptsOf('PutItemCommand')).toBe(2); // raw and quarantine, nothing projected
    faults.heal();
    expect((await deliver(attempt(1))).statusCode).toBe(200);
    expect(await items(twin)).toEqual(await cleanRun(attempt(0)));
  });

  it('first-fact read (GetItem client#meta) fails once past the SDK retries: the next delivery on the same container succeeds', async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('GetItemCommand', (pk) => pk === 'client#meta'), fault: DYNAMO_FAULTS.internal },
    ]);
    expect((await deliver(attempt(0))).statusCode).toBe(500);
    expect(faults.attemptsOf('GetItemCommand', 'faulted')).toBe(3);
    faults.heal();
    const retry = await deliver(attempt(1));
    expect(retry.statusCode).toBe(200);
    expect(await items(twin)).toEqual(await cleanRun(attempt(0)));
  });

  it('throttled twice, the SDK absorbs it: 200 on the first delivery after 3 attempts of the write', async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('PutItemCommand', isEntity('deal#')), fault: DYNAMO_FAULTS.throughputExceeded, times: 2 },
    ]);
    const first = await deliver(attempt(0));
    expect(first.statusCode).toBe(200);
    expect(first.body.status).toBe('accepted');
    expect(faults.injected).toBe(2);
    expect(faults.calls.filter((call) => call.command === 'PutItemCommand')).toHaveLength(2 + 6);
    expect(await items(twin)).toEqual(await cleanRun(attempt(0)));
  });

  it("an entity write's answer is lost after DynamoDB applied it: the SDK's retry meets the version condition and the projection re-reads; 200, clean state", async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('PutItemCommand', isEntity('contact#')), fault: networkFault(true), times: 1 },
    ]);
    const first = await deliver(attempt(0));
    expect(first.statusCode).toBe(200);
    expect(faults.injected).toBe(1);
    // One applied write whose answer was lost, one conditional retry refused by the version check.
    expect(
      faults.calls.filter(
        (call) =>
          call.command === 'PutItemCommand' && String(JSON.stringify(call.input)).includes('"contact#'),
      ),
    ).toHaveLength(2);
    expect(await items(twin)).toEqual(await cleanRun(attempt(0)));
  });

  it("the raw write's answer is lost after DynamoDB applied it: the delivery completes as a duplicate of itself, clean state", async () => {
    const { twin, faults, deliver } = await faulted([
      { when: on('PutItemCommand', isRaw), fault: networkFault(true), times: 1 },
    ]);
    const first = await deliver(attempt(0));
    expect(first.statusCode).toBe(200);
    expect(first.body.status).toBe('duplicate');
    expect(faults.injected).toBe(1);
    expect(await items(twin)).toEqual(await cleanRun(attempt(0)));
  });

  it('the SDK surfaces the throttle as its own exception class (the fault is parsed like a real answer)', async () => {
    const { twin, faults } = await faulted([
      { when: on('GetItemCommand'), fault: DYNAMO_FAULTS.throughputExceeded },
    ]);
    const error = await twin.store.firstFactAt().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProvisionedThroughputExceededException);
    expect((error as ProvisionedThroughputExceededException).$metadata.attempts).toBe(3);
    expect(faults.injected).toBe(3);
  });
});
