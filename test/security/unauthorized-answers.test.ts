import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIngestHandler } from '#functions/ingest/app.ts';
import { hubspotHeaders } from '#local/senders/hubspot.ts';
import { salesforceEndpointQuery, salesforceHeaders } from '#local/senders/salesforce.ts';
import type { SourceName } from '#shared/config/schema.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import {
  apiEvent,
  DIRECT_BASE_URL,
  deliver,
  organizationOf,
  type SecurityStack,
  signedFor,
  startSecurityStack,
  withOrganization,
} from './support.ts';

/*
 * Issue 13, "401 answers tell a prober too much": a refused delivery's answer names the check
 * that failed (signature, timestamp, credentials) and nothing about the stack behind it: not
 * whether a token is configured, not the URL the signature was checked against, not whether an
 * org id was right. The full reason goes to the logs and the metrics instead.
 */

/** A query a prober might add: a secret-looking value that must never come back. */
const PROBE_QUERY = '?token=probe-7f3a9c&next=https%3A%2F%2Fevil.example%2F';
const CHECKS = ['signature', 'timestamp', 'credentials'];

/** What a 401 answer must never contain, whatever the source. */
function forbiddenIn(stack: SecurityStack): string[] {
  const organizationId = organizationOf(stack.config);
  return [
    'http',
    new URL(DIRECT_BASE_URL).host,
    new URL(stack.server.url).host,
    '/webhooks',
    'probe-7f3a9c',
    'evil.example',
    'configured',
    organizationId.slice(0, 15),
    '00Dxx0000009zzz',
    ...Object.values(stack.secretValues),
  ];
}

function expectTerse(stack: SecurityStack, text: string, check: string): void {
  const answer = JSON.parse(text) as Record<string, unknown>;
  expect(Object.keys(answer).sort()).toEqual(['check', 'error', 'reason']);
  expect(answer.error).toBe('unauthorized');
  expect(answer.check).toBe(check);
  expect(CHECKS).toContain(answer.check);
  expect(answer.reason).toEqual(expect.any(String));
  for (const word of forbiddenIn(stack)) expect(String(answer.reason)).not.toContain(word);
}

const BODIES: Record<SourceName, (stack: SecurityStack) => string> = {
  generic: () =>
    JSON.stringify({
      events: [{ type: 'company', id: 'co-401', at: '2026-11-16T14:03:00Z', name: 'Globex' }],
    }),
  hubspot: (stack) =>
    JSON.stringify([
      {
        subscriptionType: 'contact.creation',
        portalId: stack.config.sources.hubspot?.portalId,
        occurredAt: Date.parse('2026-11-16T14:03:00Z'),
        objectId: 401,
      },
    ]),
  'hubspot-workflow': () => JSON.stringify({ objectId: 401, properties: { jobtitle: 'VP' } }),
  salesforce: (stack) => withOrganization(stack.config, '<Notification/>'),
  pipedrive: () =>
    JSON.stringify({
      meta: { action: 'change', entity: 'organization', entity_id: '5', timestamp: '2026-11-16T14:03:00Z' },
      data: { id: 5, name: 'Globex' },
      previous: null,
    }),
  typeform: () => JSON.stringify({ event_id: 'e401', event_type: 'form_response', form_response: {} }),
};

describe('a 401 answer names the failed check and nothing about the stack', () => {
  let stack: SecurityStack;
  beforeAll(async () => {
    stack = await startSecurityStack();
  });
  afterAll(() => stack.close());

  /** Every way each source's credential can be wrong, with the check the answer must name. */
  const cases: [SourceName, string, (body: string) => Record<string, string>, string][] = [
    ['generic', 'no signature headers', () => ({}), 'signature'],
    [
      'generic',
      'a signature by another secret',
      (body) =>
        signedFor(
          {
            config: stack.config,
            secretValues: { ...stack.secretValues, 'acme/generic-whsec': 'whsec_b3RoZXI=' },
          },
          'generic',
          body,
          { baseUrl: DIRECT_BASE_URL },
        ).headers,
      'signature',
    ],
    [
      'generic',
      'a timestamp ten minutes old',
      (body) =>
        signedFor(stack, 'generic', body, { baseUrl: DIRECT_BASE_URL, now: Date.now() - 10 * 60_000 })
          .headers,
      'timestamp',
    ],
    ['hubspot', 'no signature', () => ({}), 'signature'],
    [
      'hubspot',
      'a signature over another URL',
      (body) =>
        hubspotHeaders(body, TEST_SECRETS['acme/hubspot-client-secret'], {
          uri: 'https://elsewhere.example/x',
        }),
      'signature',
    ],
    [
      'hubspot',
      'a timestamp ten minutes old',
      (body) =>
        signedFor(stack, 'hubspot', body, { baseUrl: DIRECT_BASE_URL, now: Date.now() - 10 * 60_000 })
          .headers,
      'timestamp',
    ],
    ['hubspot-workflow', 'no signature', () => ({ 'x-hubspot-signature-version': 'v2' }), 'signature'],
    [
      'hubspot-workflow',
      'a signature over another URL',
      () => ({ 'x-hubspot-signature-version': 'v2', 'x-hubspot-signature': 'ab'.repeat(32) }),
      'signature',
    ],
    ['pipedrive', 'no Authorization header', () => ({}), 'credentials'],
    [
      'pipedrive',
      'wrong Basic credentials',
      () => ({ authorization: `Basic ${Buffer.from('samepage:nope').toString('base64')}` }),
      'credentials',
    ],
    ['typeform', 'no signature', () => ({}), 'signature'],
    ['typeform', 'a wrong signature', () => ({ 'typeform-signature': 'sha256=AAAA' }), 'signature'],
    ['salesforce', 'a probing ?token=', () => salesforceHeaders(), 'credentials'],
  ];

  it.each(cases)(
    '%s, %s: 401 naming the check, no URL, token state, org id or secret',
    async (source, _what, headersFor, check) => {
      const body = BODIES[source](stack);
      for (const mode of ['direct', 'http'] as const) {
        stack.counting.reset();
        const answer = await deliver(stack, mode, source, body, headersFor(body), PROBE_QUERY);
        expect(answer.status, answer.text).toBe(401);
        expectTerse(stack, answer.text, check);
        expect(stack.counting.calls).toEqual([]);
      }
    },
  );

  it('salesforce: a wrong org id reads exactly like a wrong token, with or without a token', async () => {
    const token = signedFor(stack, 'salesforce', '', { baseUrl: DIRECT_BASE_URL }).query;
    const right = withOrganization(stack.config, '<Notification/>');
    const wrong = right.replace(organizationOf(stack.config), '00Dxx0000009zzzZZZ');
    const text = async (body: string, query: string) => {
      stack.counting.reset();
      const answer = await deliver(stack, 'direct', 'salesforce', body, salesforceHeaders(), query);
      expect(answer.status, answer.text).toBe(401);
      expectTerse(stack, answer.text, 'credentials');
      expect(stack.counting.calls).toEqual([]);
      return answer.text;
    };
    const wrongToken = salesforceEndpointQuery('not-the-token');
    // Without the token nothing about the body is read: the right org and a wrong one answer alike.
    expect(await text(wrong, '')).toBe(await text(right, ''));
    expect(await text(wrong, wrongToken)).toBe(await text(right, wrongToken));
    // With the right token a wrong org id is refused in the very words of a wrong token.
    expect(await text(wrong, token)).toBe(await text(right, wrongToken));
  });
});

describe('the detailed reason goes to the logs', () => {
  const written: string[] = [];
  afterEach(() => {
    vi.restoreAllMocks();
    written.length = 0;
  });

  it('logs a HubSpot signature refusal with the URL it was checked against, and publishes no metric', async () => {
    const disabled = process.env.POWERTOOLS_METRICS_DISABLED;
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const metrics = new Metrics({ serviceName: 'samepage-ingest-401', namespace: 'samepage-test' });
    if (disabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
    else process.env.POWERTOOLS_METRICS_DISABLED = disabled;
    const logger = new Logger({ serviceName: 'samepage-ingest-401', logLevel: 'WARN' });
    const handler = createIngestHandler(
      { config: exampleConfig(), store: undefined as never, secrets: testSecrets(), clock: systemClock },
      { logger, metrics },
    );
    // Warnings go to stderr, the embedded-metric records to stdout (as in Lambda).
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
        written.push(String(chunk));
        return true;
      });
    }
    const body = '[]';
    const headers = hubspotHeaders(body, 'not-the-secret', { uri: 'https://elsewhere.example/x' });
    const answer = await handler(apiEvent('hubspot', body, headers, PROBE_QUERY), {
      awsRequestId: 'r401',
      functionName: 'ingest',
    } as Context);
    vi.restoreAllMocks();

    expect(answer.statusCode).toBe(401);
    expect(JSON.parse(answer.body ?? '{}')).toMatchObject({ check: 'signature' });
    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const log = records.find((record) => record.message === 'delivery refused');
    expect(log).toMatchObject({ check: 'signature', statusCode: 401 });
    // The log keeps what the answer leaves out: the URL the signature was checked against.
    expect(String(log?.reason)).toContain('https://hooks.acme.example/webhooks/hubspot');
    expect(String(log?.reason)).toMatch(/X-HubSpot-Signature-v3 does not match/);
    // Refusals are API Gateway's 4xx, a free metric: no custom metric is published for them.
    expect(records.filter((record) => '_aws' in record)).toEqual([]);
  });
});
