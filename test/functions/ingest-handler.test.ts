import { createHash, createHmac } from 'node:crypto';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIngestHandler } from '#functions/ingest/app.ts';
import { CUSTOM_METRICS, serviceName } from '#functions/lib/custom-metrics.ts';
import { observability } from '#functions/lib/observability.ts';
import { genericHeaders } from '#local/senders/generic.ts';
import type { Twin } from '#local/twin.ts';
import { MAX_BODY_BYTES } from '#shared/ingest/ingest.ts';
import { systemClock } from '#shared/ports/clock.ts';
import type { Store } from '#shared/ports/store.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { entityRef } from '../support/refs.ts';
import { statesOf } from '../support/shuffle.ts';
import { startTestTwin } from '../support/twin.ts';

const SECRET = TEST_SECRETS['acme/generic-whsec'];
const context = { awsRequestId: 'test', functionName: 'ingest' } as Context;

/** The API Gateway HTTP API event for a delivery, as AWS builds it (payload format 2.0). */
function apiEvent(
  source: string,
  body: string,
  headers: Record<string, string>,
  base64 = false,
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{source}',
    rawPath: `/webhooks/${source}`,
    rawQueryString: '',
    headers,
    pathParameters: { source },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'hooks.acme.example',
      domainPrefix: 'hooks',
      http: {
        method: 'POST',
        path: `/webhooks/${source}`,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'test',
      },
      requestId: 'req',
      routeKey: 'POST /webhooks/{source}',
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body: base64 ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded: base64,
  };
}

type WriteMethod = 'putRawDelivery' | 'putQuarantine' | 'putEntity';

/**
 * The real store, except that the named writes fail the first `failures` times, as DynamoDB does
 * when it throttles. Everything else goes straight through.
 */
function flakyStore(
  inner: Store,
  failures: number,
  failing: readonly WriteMethod[] = ['putRawDelivery', 'putQuarantine', 'putEntity'],
): Store & { failed: number } {
  let failed = 0;
  return new Proxy(inner, {
    get(target, property, receiver) {
      if (property === 'failed') return failed;
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      if (!(failing as readonly PropertyKey[]).includes(property)) return method.bind(target);
      return async (...args: unknown[]) => {
        if (failed < failures) {
          failed++;
          throw Object.assign(new Error('Throughput exceeds the current capacity'), {
            name: 'ThrottlingException',
          });
        }
        return method.apply(target, args);
      };
    },
  }) as Store & { failed: number };
}

describe('ingest handler called as a plain function', () => {
  let twin: Twin;
  const tools = observability('test');
  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(() => twin.close());

  const handlerWith = (store: Store) =>
    createIngestHandler(
      { config: exampleConfig(), store, secrets: testSecrets(), clock: systemClock },
      tools,
    );

  it('decodes a base64 body before verifying it', async () => {
    const body = JSON.stringify({
      events: [{ type: 'company', id: 'co-b64', at: '2026-06-01T00:00:00Z', name: 'Umbrella' }],
    });
    const answer = await handlerWith(twin.store)(
      apiEvent('generic', body, genericHeaders(body, SECRET), true),
      context,
    );
    expect(answer.statusCode).toBe(200);
    expect((await twin.store.getEntities([entityRef('company#generic:co-b64')])).size).toBe(1);
  });

  it('verifies a base64 body over the bytes that arrived, also when they are not UTF-8', async () => {
    // "Café" in Latin-1: the byte 0xE9 alone is not UTF-8, so decoding it first loses the byte
    // the sender signed. Each signature is computed here over the raw bytes, as the senders do.
    const latin1 = (before: string, after: string) =>
      Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from(after)]);
    const at = Date.parse('2026-06-03T00:00:00Z');
    const now = String(Date.now());
    const hubspotSecret = TEST_SECRETS['acme/hubspot-client-secret'];
    const deliveries: [string, Buffer, (bytes: Buffer) => Record<string, string>][] = [
      [
        'generic',
        latin1(
          '{"events":[{"type":"company","id":"co-latin1","at":"2026-06-03T00:00:00Z","name":"Caf',
          '"}]}',
        ),
        (bytes) => {
          const seconds = String(Math.floor(Date.now() / 1000));
          const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
          const mac = createHmac('sha256', key)
            .update(`msg_latin1.${seconds}.`)
            .update(bytes)
            .digest('base64');
          return {
            'webhook-id': 'msg_latin1',
            'webhook-timestamp': seconds,
            'webhook-signature': `v1,${mac}`,
          };
        },
      ],
      [
        'typeform',
        latin1('{"event_id":"e-latin1","event_type":"form_caf', '"}'),
        (bytes) => ({
          'typeform-signature': `sha256=${createHmac('sha256', TEST_SECRETS['acme/typeform-secret']).update(bytes).digest('base64')}`,
        }),
      ],
      [
        'hubspot',
        latin1(
          `[{"subscriptionType":"contact.propertyChange","portalId":33,"objectId":9101,"propertyName":"jobtitle","occurredAt":${at},"propertyValue":"Caf`,
          '"}]',
        ),
        (bytes) => ({
          'x-hubspot-request-timestamp': now,
          'x-hubspot-signature-v3': createHmac('sha256', hubspotSecret)
            .update('POSThttps://hooks.acme.example/webhooks/hubspot')
            .update(bytes)
            .update(now)
            .digest('base64'),
        }),
      ],
      [
        'hubspot-workflow',
        latin1('{"objectId":9102,"properties":{"jobtitle":"Caf', '"}}'),
        (bytes) => ({
          'x-hubspot-signature-version': 'v2',
          'x-hubspot-signature': createHash('sha256')
            .update(`${hubspotSecret}POSThttps://hooks.acme.example/webhooks/hubspot-workflow`)
            .update(bytes)
            .digest('hex'),
        }),
      ],
    ];
    for (const [source, bytes, sign] of deliveries) {
      const event = {
        ...apiEvent(source, '', { 'content-type': 'application/octet-stream', ...sign(bytes) }),
        body: bytes.toString('base64'),
        isBase64Encoded: true,
      };
      const answer = await handlerWith(twin.store)(event, context);
      expect(answer.statusCode, `${source}: ${answer.body}`).toBe(200);
    }
    expect((await twin.store.getEntities([entityRef('company#generic:co-latin1')])).size).toBe(1);
    expect((await twin.store.getEntities([entityRef('contact#hubspot:9101')])).size).toBe(1);
    expect((await twin.store.getEntities([entityRef('contact#hubspot:9102')])).size).toBe(1);
  });

  it('answers 404 for a source the client does not use, before any store access', async () => {
    const store = flakyStore(twin.store, Number.POSITIVE_INFINITY);
    const reads = twin.store.counters.itemsRead;
    const answer = await handlerWith(store)(apiEvent('marketo', '{}', {}), context);
    expect(answer.statusCode).toBe(404);
    expect(store.failed).toBe(0);
    expect(twin.store.counters.itemsRead).toBe(reads);
  });

  it('answers 413 for a body over the limit without verifying it', async () => {
    const body = 'x'.repeat(MAX_BODY_BYTES + 1);
    const answer = await handlerWith(twin.store)(apiEvent('generic', body, {}), context);
    expect(answer.statusCode).toBe(413);
  });

  it('answers 500 when the store throttles half-way, and the retry converges to the same state', async () => {
    const events = {
      events: [
        { type: 'contact', id: 'c-retry', at: '2026-06-02T00:00:00Z', stage: 'mql', source: 'webinar' },
        { type: 'company', id: 'co-retry', at: '2026-06-02T00:00:00Z', name: 'Vandelay' },
      ],
    };
    const body = JSON.stringify(events);
    const keys = ['contact#generic:c-retry', 'company#generic:co-retry'];
    // The raw delivery is kept, then the first entity write throttles: a half-applied delivery.
    const flaky = flakyStore(twin.store, 1, ['putEntity']);
    const first = await handlerWith(flaky)(apiEvent('generic', body, genericHeaders(body, SECRET)), context);
    expect(first.statusCode).toBe(500);
    expect(JSON.parse(first.body ?? '{}').error).toBe('internal');
    const retry = await handlerWith(flaky)(apiEvent('generic', body, genericHeaders(body, SECRET)), context);
    expect(retry.statusCode).toBe(200);
    expect(JSON.parse(retry.body ?? '{}').status).toBe('duplicate');
    const afterRetries = await statesOf(twin, keys);

    const clean = await startTestTwin();
    try {
      await handlerWith(clean.store)(apiEvent('generic', body, genericHeaders(body, SECRET)), context);
      expect(await statesOf(clean, keys)).toEqual(afterRetries);
    } finally {
      await clean.close();
    }
  });
});

describe('ingest metrics', () => {
  it('publishes only a quarantine, under its listed name: accepted and refused deliveries are in the log alone', async () => {
    const twin = await startTestTwin();
    const previous = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      const tools = observability(serviceName('ingest'));
      const handler = createIngestHandler(
        { config: exampleConfig(), store: twin.store, secrets: testSecrets(), clock: systemClock },
        tools,
      );
      const accepted = JSON.stringify({
        events: [{ type: 'company', id: 'co-m', at: '2026-06-01T00:00:00Z', name: 'Stark' }],
      });
      await handler(apiEvent('generic', accepted, genericHeaders(accepted, SECRET)), context);
      await handler(
        apiEvent('generic', accepted, {
          'webhook-id': 'x',
          'webhook-timestamp': '1',
          'webhook-signature': 'v1,x',
        }),
        context,
      );
      // A lifecycle stage the example config does not map: verified, then quarantined.
      const unmapped = JSON.stringify({
        events: [{ type: 'contact', id: 'c-m', at: '2026-06-01T00:00:00Z', stage: 'webinar_attendee' }],
      });
      const answer = await handler(apiEvent('generic', unmapped, genericHeaders(unmapped, SECRET)), context);
      expect(JSON.parse(answer.body ?? '{}').status).toBe('quarantined');
    } finally {
      process.stdout.write = write;
      process.env.POWERTOOLS_METRICS_DISABLED = previous;
      await twin.close();
    }
    const records = written
      .flatMap((line) => line.split('\n'))
      .filter((line) => line.includes('"_aws"'))
      .map((line) => JSON.parse(line) as { _aws: { CloudWatchMetrics: { Metrics: { Name: string }[] }[] } });
    const published = records.map((record) =>
      record._aws.CloudWatchMetrics.flatMap((directive) => directive.Metrics.map((metric) => metric.Name)),
    );
    expect(published).toEqual([['DeliveriesQuarantined']]);
    expect(records[0]).toMatchObject({ service: 'samepage-ingest', DeliveriesQuarantined: 1 });
    expect(CUSTOM_METRICS.DeliveriesQuarantined.emittedBy).toBe('ingest');
  });
});
