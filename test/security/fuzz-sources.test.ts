import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SourceName } from '#shared/config/schema.ts';
import { MAX_BODY_BYTES } from '#shared/ingest/ingest.ts';
import { anyBody, contentType, hostileText, mutated, shapedBody } from './arbitraries.ts';
import {
  baseUrlOf,
  deliver,
  fuzzParameters,
  isStored,
  type Mode,
  type SecurityStack,
  SOURCES,
  signedFor,
  startSecurityStack,
  withOrganization,
} from './support.ts';

/**
 * Fuzzing every webhook source through the real ingest handler on dynalite, over HTTP (the twin's
 * webhook server) and in-process. Invariants:
 *  - no input, however broken, gets a 5xx or crashes the process;
 *  - a correctly signed delivery is answered 200 and kept, raw or in quarantine (read back from dynalite);
 *  - an unsigned or wrongly signed one is answered 401 and the store is never called.
 */

const TIMEOUT = 120_000;
let stack: SecurityStack;

beforeAll(async () => {
  stack = await startSecurityStack();
});
afterAll(() => stack.close());

/** Header names that carry each source's credential. */
const CREDENTIAL_HEADERS: Readonly<Record<SourceName, readonly string[]>> = {
  generic: ['webhook-id', 'webhook-timestamp', 'webhook-signature'],
  hubspot: ['x-hubspot-signature-v3', 'x-hubspot-request-timestamp', 'x-hubspot-signature-version'],
  'hubspot-workflow': ['x-hubspot-signature-version', 'x-hubspot-signature'],
  salesforce: ['soapaction', 'authorization'],
  pipedrive: ['authorization'],
  typeform: ['typeform-signature'],
};

/** The header each source's signature (or credential) is in; Salesforce has none. */
const SIGNATURE_HEADER: Readonly<Record<Exclude<SourceName, 'salesforce'>, string>> = {
  generic: 'webhook-signature',
  hubspot: 'x-hubspot-signature-v3',
  'hubspot-workflow': 'x-hubspot-signature',
  pipedrive: 'authorization',
  typeform: 'typeform-signature',
};

/**
 * Any body the sender could sign. For Salesforce, whose credential is the body's OrganizationId,
 * anything wrapped around the configured org is "signed"; its own OrganizationId tags are renamed
 * in edited bodies so the wrapper's stays the only one.
 */
function signableBody(source: SourceName): fc.Arbitrary<string> {
  const body = anyBody(source, stack.config);
  if (source !== 'salesforce') return body;
  return fc.oneof(
    shapedBody(source, stack.config),
    body.map((text) => withOrganization(stack.config, text.replaceAll('OrganizationId', 'OrgId'))),
  );
}

/** Values that look almost like credentials, and anything else. */
const headerValue = fc.oneof(
  hostileText,
  fc.constantFrom('v1', 'v2', 'v3', 'sha256=', 'Basic ', 'v1,', ''),
  fc.base64String({ maxLength: 60 }).map((text) => `sha256=${text}`),
  fc.base64String({ maxLength: 60 }).map((text) => `v1,${text}`),
  fc.base64String({ maxLength: 60 }).map((text) => `Basic ${text}`),
  fc.stringMatching(/^[0-9a-f]{64}$/),
  fc.constant(String(Date.now())),
  fc.constant(String(Math.floor(Date.now() / 1000))),
);

/** A value fetch accepts as an HTTP header (visible latin-1, no line breaks). */
const httpHeaderValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((code) => String.fromCharCode(code)) }),
  headerValue.filter((value) => /^[\x20-\x7e]*$/.test(value)),
);

async function expectKept(mode: Mode, source: SourceName, body: string, type: string): Promise<void> {
  const { headers, query } = signedFor(stack, source, body, { baseUrl: baseUrlOf(stack, mode) });
  stack.counting.reset();
  const answer = await deliver(stack, mode, source, body, { ...headers, 'content-type': type }, query);
  expect(answer.status, answer.text).toBe(200);
  expect(stack.counting.kept.length).toBeGreaterThan(0);
  for (const kept of stack.counting.kept) expect(await isStored(stack, kept)).toBe(true);
}

async function expectRefused(
  mode: Mode,
  source: SourceName,
  body: string,
  headers: Record<string, string>,
  query = '',
): Promise<void> {
  stack.counting.reset();
  const answer = await deliver(stack, mode, source, body, headers, query);
  expect(answer.status, answer.text).toBe(401);
  expect(JSON.parse(answer.text)).toMatchObject({ error: 'unauthorized', reason: expect.any(String) });
  expect(stack.counting.calls).toEqual([]);
}

describe.each(SOURCES)('fuzzing the %s endpoint', (source) => {
  it(
    'keeps every correctly signed delivery, raw or quarantined, whatever its body and content type (HTTP)',
    async () => {
      await fc.assert(
        fc.asyncProperty(signableBody(source), contentType, (body, type) =>
          expectKept('http', source, body, type),
        ),
        fuzzParameters(25),
      );
    },
    TIMEOUT,
  );

  it(
    'keeps every correctly signed delivery (in-process handler, more runs)',
    async () => {
      await fc.assert(
        fc.asyncProperty(signableBody(source), contentType, (body, type) =>
          expectKept('direct', source, body, type),
        ),
        fuzzParameters(60),
      );
    },
    TIMEOUT,
  );

  it(
    'refuses random credential headers with 401 and never touches the store',
    async () => {
      const headers = fc.dictionary(fc.constantFrom(...CREDENTIAL_HEADERS[source]), headerValue, {
        maxKeys: 4,
      });
      const body =
        source === 'salesforce'
          ? fc.oneof(
              anyBody(source, stack.config).map((text) => text.replaceAll('OrganizationId', 'OrgId')),
              fc
                .stringMatching(/^[A-Za-z0-9]{18}$/)
                .filter((org) => org.slice(0, 15) !== '00Dxx0000001gER')
                .map((org) => `<OrganizationId>${org}</OrganizationId>`),
            )
          : anyBody(source, stack.config);
      await fc.assert(
        fc.asyncProperty(body, headers, (text, random) => expectRefused('direct', source, text, random)),
        fuzzParameters(60),
      );
      await fc.assert(
        fc.asyncProperty(
          body,
          fc.dictionary(fc.constantFrom(...CREDENTIAL_HEADERS[source]), httpHeaderValue, { maxKeys: 4 }),
          (text, random) => expectRefused('http', source, text, random),
        ),
        fuzzParameters(20),
      );
    },
    TIMEOUT,
  );

  it(
    'refuses a delivery signed with another secret, or whose body changed after signing',
    async () => {
      if (source === 'salesforce') {
        // Its credential is in the body: another org's outbound message is the "other secret".
        await fc.assert(
          fc.asyncProperty(
            shapedBody(source, stack.config),
            fc.stringMatching(/^00D[A-Za-z0-9]{15}$/),
            async (body, org) => {
              fc.pre(org.slice(0, 15) !== '00Dxx0000001gER');
              const foreign = body.replace('00Dxx0000001gEREAY', org);
              // With the right ?token=: only the org id differs.
              const { headers, query } = signedFor(stack, source, foreign, { baseUrl: '' });
              await expectRefused('http', source, foreign, headers, query);
            },
          ),
          fuzzParameters(30),
        );
        return;
      }
      await fc.assert(
        fc.asyncProperty(
          anyBody(source, stack.config),
          fc.string({ minLength: 1, maxLength: 40 }),
          async (body, secret) => {
            const values = Object.fromEntries(
              Object.keys(stack.secretValues).map((name) => [
                name,
                name.endsWith('generic-whsec')
                  ? `whsec_${Buffer.from(secret).toString('base64')}`
                  : name.endsWith('pipedrive-basic-auth')
                    ? `samepage:${secret}`
                    : secret,
              ]),
            );
            fc.pre(Object.entries(values).every(([name, value]) => stack.secretValues[name] !== value));
            const { headers } = signedFor({ config: stack.config, secretValues: values }, source, body, {
              baseUrl: baseUrlOf(stack, 'direct'),
            });
            await expectRefused('direct', source, body, headers);
          },
        ),
        fuzzParameters(40),
      );
      await fc.assert(
        fc.asyncProperty(
          fc
            .tuple(shapedBody(source, stack.config), mutated(shapedBody(source, stack.config)))
            .filter(([a, b]) => a !== b),
          async ([signedBody, sentBody]) => {
            const { headers } = signedFor(stack, source, signedBody, { baseUrl: baseUrlOf(stack, 'direct') });
            await expectRefused(
              'direct',
              source,
              sentBody,
              source === 'pipedrive' ? { 'content-type': 'application/json' } : headers,
            );
          },
        ),
        fuzzParameters(30),
      );
    },
    TIMEOUT,
  );

  it(
    'refuses a signature with one character changed',
    async () => {
      if (source === 'salesforce') {
        expect(signedFor(stack, source, '', { baseUrl: '' }).headers).not.toHaveProperty('authorization');
        return;
      }
      const header = SIGNATURE_HEADER[source];
      await fc.assert(
        fc.asyncProperty(
          shapedBody(source, stack.config),
          fc.nat(),
          fc.constantFrom(...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=,'),
          async (body, position, replacement) => {
            const { headers } = signedFor(stack, source, body, { baseUrl: baseUrlOf(stack, 'http') });
            const signature = headers[header] ?? '';
            const at = position % signature.length;
            const changed = signature.slice(0, at) + replacement + signature.slice(at + 1);
            // HubSpot v2 hex is compared case-insensitively; a case change is the same signature.
            fc.pre(changed.toLowerCase() !== signature.toLowerCase());
            await expectRefused('http', source, body, { ...headers, [header]: changed });
          },
        ),
        fuzzParameters(25),
      );
    },
    TIMEOUT,
  );

  it(
    'answers 413 before any store call to a body over 1 MB or one that stays over 320 KB gzipped; keeps signed ones under both',
    async () => {
      const oversized = 'x'.repeat(MAX_BODY_BYTES + 1);
      const over = signedFor(stack, source, oversized, { baseUrl: baseUrlOf(stack, 'http') });
      stack.counting.reset();
      const refused = await deliver(stack, 'http', source, oversized, over.headers, over.query);
      expect(refused.status).toBe(413);
      expect(stack.counting.calls).toEqual([]);

      // Random bytes as base64 barely shrink: gzipped they would not fit in one DynamoDB item.
      const wrap = (filler: string) =>
        source === 'salesforce'
          ? withOrganization(stack.config, `<x>${filler}</x>`)
          : JSON.stringify({ filler });
      const noise = wrap(randomBytes(Math.floor(((MAX_BODY_BYTES - 200) * 3) / 4)).toString('base64'));
      expect(Buffer.byteLength(noise)).toBeLessThanOrEqual(MAX_BODY_BYTES);
      const signedNoise = signedFor(stack, source, noise, { baseUrl: baseUrlOf(stack, 'http') });
      stack.counting.reset();
      const tooLarge = await deliver(stack, 'http', source, noise, signedNoise.headers, signedNoise.query);
      expect(tooLarge.status, tooLarge.text).toBe(413);
      expect(JSON.parse(tooLarge.text)).toMatchObject({
        error: 'too_large',
        reason: expect.stringMatching(/Compressed body/),
      });
      expect(stack.counting.calls).toEqual([]);

      // Text that compresses, up to the limit, and noise that fits gzipped: both kept.
      await expectKept(
        'http',
        source,
        wrap('samepage '.repeat((MAX_BODY_BYTES - 200) / 9)),
        'application/json',
      );
      await expectKept('http', source, wrap(randomBytes(200 * 1024).toString('base64')), 'application/json');
    },
    TIMEOUT,
  );

  it(
    'quarantines 100,000 nested arrays (or elements) without a crash',
    async () => {
      const depth = 100_000;
      const deep =
        source === 'salesforce'
          ? withOrganization(stack.config, `${'<a>'.repeat(depth)}${'</a>'.repeat(depth)}`)
          : `${'['.repeat(depth)}${']'.repeat(depth)}`;
      await expectKept('http', source, deep, 'application/json');
      expect(stack.counting.kept.map((kept) => kept.kind)).toEqual(['quarantine']);
      const deepObject = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      if (source !== 'salesforce') await expectKept('direct', source, deepObject, 'application/json');
    },
    TIMEOUT,
  );
});
