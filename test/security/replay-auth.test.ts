import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { constantTimeEqual } from '#shared/sources/wire.ts';
import { exampleConfig, TEST_SECRETS } from '../support/config.ts';
import {
  DIRECT_BASE_URL,
  deliver,
  otherClient,
  type SecurityStack,
  SOURCES,
  signedFor,
  startSecurityStack,
} from './support.ts';

/** One valid body per source for the example client (Salesforce's carries the org it is sent as). */
function validBody(source: (typeof SOURCES)[number], config: ClientConfig): string {
  const at = '2026-11-16T14:03:00Z';
  switch (source) {
    case 'generic':
      return JSON.stringify({ events: [{ type: 'company', id: `co-${Math.random()}`, at, name: 'Globex' }] });
    case 'hubspot':
      return JSON.stringify([
        {
          subscriptionType: 'contact.creation',
          portalId: config.sources.hubspot?.portalId,
          occurredAt: Date.parse(at),
          objectId: 1,
        },
      ]);
    case 'hubspot-workflow':
      return JSON.stringify({
        objectId: 7,
        properties: { jobtitle: 'VP', lastmodifieddate: String(Date.parse(at)) },
      });
    case 'salesforce':
      return `<?xml version="1.0"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${config.sources.salesforce?.organizationId}</OrganizationId><Notification><Id>04l000000000001AAA</Id><sObject xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="sf:Account"><Id>001xx000003DGb2AAG</Id><Name>Globex</Name></sObject></Notification></notifications></soapenv:Body></soapenv:Envelope>`;
    case 'pipedrive':
      return JSON.stringify({
        meta: { action: 'change', entity: 'organization', entity_id: '5', timestamp: at },
        data: { id: 5, name: 'Globex' },
        previous: null,
      });
    case 'typeform':
      return JSON.stringify({
        event_id: 'e1',
        event_type: 'form_response',
        form_response: { form_id: 'f', token: `t${Math.random()}`, submitted_at: at, answers: [] },
      });
  }
}

describe('replay: a delivery sent again after its window is refused with a reason', () => {
  let now = Date.now();
  let stack: SecurityStack;
  beforeAll(async () => {
    stack = await startSecurityStack({ clock: () => now });
  });
  afterAll(() => stack.close());

  it('HubSpot v3: accepted at 4 min 59 s, refused at 5 min 1 s (X-HubSpot-Request-Timestamp), store untouched', async () => {
    const signedAt = Date.now();
    const body = validBody('hubspot', stack.config);
    const { headers } = signedFor(stack, 'hubspot', body, { baseUrl: DIRECT_BASE_URL, now: signedAt });

    now = signedAt + 5 * 60_000 + 1_000;
    stack.counting.reset();
    const late = await deliver(stack, 'direct', 'hubspot', body, headers);
    expect(late.status).toBe(401);
    expect(JSON.parse(late.text)).toEqual({
      error: 'unauthorized',
      check: 'timestamp',
      reason: 'X-HubSpot-Request-Timestamp is more than 5 minutes away from now',
    });
    expect(stack.counting.calls).toEqual([]);

    now = signedAt - 5 * 60_000 - 1_000;
    expect((await deliver(stack, 'direct', 'hubspot', body, headers)).status).toBe(401);

    now = signedAt + 4 * 60_000 + 59_000;
    const inTime = await deliver(stack, 'direct', 'hubspot', body, headers);
    expect(inTime.status).toBe(200);
    // The same bytes again inside the window: answered, but nothing new is kept.
    stack.counting.reset();
    const again = await deliver(stack, 'direct', 'hubspot', body, headers);
    expect(JSON.parse(again.text)).toMatchObject({ status: 'duplicate' });
    now = Date.now();
  });

  it('Standard Webhooks: refused 6 minutes late and 6 minutes early (webhook-timestamp), store untouched', async () => {
    now = Date.now();
    for (const offset of [-6 * 60_000, 6 * 60_000]) {
      const body = validBody('generic', stack.config);
      const { headers } = signedFor(stack, 'generic', body, { baseUrl: DIRECT_BASE_URL, now: now + offset });
      stack.counting.reset();
      const answer = await deliver(stack, 'direct', 'generic', body, headers);
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)).toEqual({
        error: 'unauthorized',
        check: 'timestamp',
        reason: 'webhook-timestamp is more than 5 minutes away from now',
      });
      expect(stack.counting.calls).toEqual([]);
    }
    const body = validBody('generic', stack.config);
    const fresh = signedFor(stack, 'generic', body, { baseUrl: DIRECT_BASE_URL, now: now - 4 * 60_000 });
    expect((await deliver(stack, 'direct', 'generic', body, fresh.headers)).status).toBe(200);
  });
});

describe("auth: one client's credentials open no other client's stack", () => {
  let acme: SecurityStack;
  let globex: SecurityStack;
  beforeAll(async () => {
    acme = await startSecurityStack();
    globex = await startSecurityStack(otherClient());
  });
  afterAll(async () => {
    await acme.close();
    await globex.close();
  });

  it.each(SOURCES)(
    '%s: signed for acme is refused by globex (401, no store call) and the reverse',
    async (source) => {
      for (const [signer, target] of [
        [acme, globex],
        [globex, acme],
      ] as const) {
        const body = validBody(source, signer.config);
        const { headers, query } = signedFor(signer, source, body, { baseUrl: target.server.url });
        target.counting.reset();
        const answer = await deliver(target, 'http', source, body, headers, query);
        expect(answer.status, answer.text).toBe(401);
        expect(JSON.parse(answer.text).reason).toEqual(expect.any(String));
        expect(target.counting.calls).toEqual([]);

        // Its own client's stack takes the same delivery.
        const own = signedFor(signer, source, body, { baseUrl: signer.server.url });
        expect((await deliver(signer, 'http', source, body, own.headers, own.query)).status).toBe(200);
      }
    },
  );

  it('the two configs really differ in every credential', () => {
    const secrets = (config: ClientConfig) => JSON.stringify(config.sources);
    expect(secrets(acme.config)).not.toBe(secrets(globex.config));
    for (const value of Object.values(globex.secretValues)) {
      expect(Object.values(TEST_SECRETS)).not.toContain(value);
    }
  });
});

describe('a source the client does not use answers 404 before any store access', () => {
  let stack: SecurityStack;
  beforeAll(async () => {
    const config = exampleConfig();
    delete config.sources.typeform;
    delete config.sources.pipedrive;
    stack = await startSecurityStack({ config });
  });
  afterAll(() => stack.close());

  it.each([
    'typeform',
    'pipedrive',
    'marketo',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    '%2e%2e',
    'generic%00',
  ])('%s → 404, zero store calls', async (source) => {
    const body = '{"event_type":"form_response"}';
    const signed = signedFor({ config: exampleConfig(), secretValues: TEST_SECRETS }, 'typeform', body, {
      baseUrl: stack.server.url,
    });
    stack.counting.reset();
    const answer = await deliver(stack, 'http', source, body, signed.headers);
    expect(answer.status).toBe(404);
    expect(stack.counting.calls).toEqual([]);
    stack.counting.reset();
    const direct = await deliver(stack, 'direct', source, body, signed.headers);
    expect(direct.status).toBe(404);
    expect(stack.counting.calls).toEqual([]);
  });
});

describe('constant-time comparison of credentials', () => {
  it('constantTimeEqual answers right for equal, unequal and different-length inputs', () => {
    expect(constantTimeEqual('sha256=abc', 'sha256=abc')).toBe(true);
    expect(constantTimeEqual(Buffer.from('user:pw'), 'user:pw')).toBe(true);
    expect(constantTimeEqual('', '')).toBe(true);
    expect(constantTimeEqual('sha256=abc', 'sha256=abd')).toBe(false);
    expect(constantTimeEqual('sha256=abc', 'sha256=ab')).toBe(false);
    expect(constantTimeEqual('a', 'a'.repeat(10_000))).toBe(false);
    expect(constantTimeEqual('', 'x')).toBe(false);
    expect(constantTimeEqual('é', Buffer.from('é', 'latin1'))).toBe(false);
  });

  const SOURCES_DIR = fileURLToPath(new URL('../../shared/sources/', import.meta.url));
  const CREDENTIAL = /signature|secret|token|expected|credential|password|digest|hmac|auth/i;
  /** A literal on one side makes the comparison a presence or shape check, not a credential compare. */
  const LITERAL = /^(undefined|null|true|false|-?\d[\d_.]*|'[^']*'|"[^"]*"|`[^`]*`)$/;
  const COMPARISON = /([\w$.[\]'"`?]+)\s*([!=]==?)\s*([\w$.[\]'"`?]+)/g;

  /** Comparisons with == / != / === / !== whose operands both look like credential values. */
  function credentialComparisons(source: string): string[] {
    const found: string[] = [];
    for (const [whole, left = '', , right = ''] of source.matchAll(COMPARISON)) {
      if (LITERAL.test(left) || LITERAL.test(right) || /\.length$/.test(left) || /\.length$/.test(right))
        continue;
      if (CREDENTIAL.test(left) || CREDENTIAL.test(right)) found.push(whole);
    }
    return found;
  }

  it('the detector itself flags a plain comparison of signatures', () => {
    expect(credentialComparisons('if (signature === expected) return;')).toEqual(['signature === expected']);
    expect(credentialComparisons('if (header !== typeformSignature(body, secret)) throw')).toHaveLength(1);
    expect(credentialComparisons('if (token === undefined) throw')).toEqual([]);
  });

  it('no source adapter compares a signature, token or secret with === / !== ', () => {
    const files = readdirSync(SOURCES_DIR).filter((name) => name.endsWith('.ts'));
    expect(files.length).toBeGreaterThanOrEqual(6);
    const offenders = files.flatMap((name) =>
      credentialComparisons(readFileSync(`${SOURCES_DIR}${name}`, 'utf8')).map((hit) => `${name}: ${hit}`),
    );
    expect(offenders).toEqual([]);
  });

  it('every adapter that checks a secret itself does it through constantTimeEqual (crypto.timingSafeEqual)', () => {
    const wire = readFileSync(`${SOURCES_DIR}wire.ts`, 'utf8');
    expect(wire).toMatch(/import \{[^}]*timingSafeEqual[^}]*\} from 'node:crypto'/);
    expect(wire).toMatch(/return timingSafeEqual\(/);
    for (const name of [
      'hubspot.ts',
      'hubspot-workflow.ts',
      'typeform.ts',
      'pipedrive.ts',
      'salesforce.ts',
      // Standard Webhooks is verified here over the raw bytes, not by the standardwebhooks package.
      'generic.ts',
    ]) {
      expect(readFileSync(`${SOURCES_DIR}${name}`, 'utf8'), name).toMatch(/constantTimeEqual\(/);
    }
  });
});
