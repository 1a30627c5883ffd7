import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { salesforceHeaders, salesforceOutboundMessage } from '#local/senders/salesforce.ts';
import type { QuarantinedDelivery } from '#shared/ports/store.ts';
import { entityRef } from '../support/refs.ts';
import {
  deliver,
  fuzzParameters,
  isStored,
  organizationOf,
  type SecurityStack,
  signedFor,
  startSecurityStack,
} from './support.ts';

/**
 * The Salesforce SOAP endpoint against XML's own weapons: entity expansion (billion laughs,
 * quadratic blowup), external entities (XXE), parameter entities, and undeclared references.
 * Invariants: answered 200 with the SOAP Ack when the ?token= and OrganizationId are right (401 and no store
 * call otherwise), kept in quarantine byte for byte (nothing expanded, nothing fetched), fast.
 */

let stack: SecurityStack;
beforeAll(async () => {
  stack = await startSecurityStack();
});
afterAll(() => stack.close());

/** The ?token= Salesforce sends: with it, the OrganizationId decides. */
const token = () => signedFor(stack, 'salesforce', '', { baseUrl: '' }).query;

function envelope(prolog: string, title: string, organizationId = organizationOf(stack.config)): string {
  const message = salesforceOutboundMessage(organizationId, [
    { type: 'Lead', fields: { Id: '00Qxx0000001abcEAA', Title: 'PLACEHOLDER' } },
  ]);
  return message
    .replace('<?xml version="1.0" encoding="UTF-8"?>', `<?xml version="1.0"?>\n${prolog}`)
    .replace('PLACEHOLDER', title);
}

const BILLION_LAUGHS = `<!DOCTYPE lolz [
 <!ENTITY lol "lol">
${Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('\n')}
]>`;

async function quarantinedBody(deliveryKey: string): Promise<QuarantinedDelivery | undefined> {
  for await (const item of stack.counting.store.quarantinedDeliveries({
    from: Date.now() - 3_600_000,
    to: Date.now() + 60_000,
  })) {
    if (item.deliveryKey === deliveryKey) return item;
  }
  return undefined;
}

/** Sends a body carrying the right OrganizationId and expects it kept in quarantine, unexpanded. */
async function expectQuarantinedVerbatim(body: string): Promise<QuarantinedDelivery> {
  stack.counting.reset();
  const started = performance.now();
  const answer = await deliver(stack, 'http', 'salesforce', body, salesforceHeaders(), token());
  expect(performance.now() - started).toBeLessThan(5_000);
  expect(answer.status, answer.text).toBe(200);
  expect(answer.text).toContain('<Ack>true</Ack>');
  expect(stack.counting.kept.map((kept) => kept.kind)).toEqual(['quarantine']);
  const [kept] = stack.counting.kept;
  if (!kept) throw new Error('nothing kept');
  expect(await isStored(stack, kept)).toBe(true);
  const stored = await quarantinedBody(kept.deliveryKey);
  expect(stored?.body).toBe(body);
  return stored as QuarantinedDelivery;
}

describe('XML bombs against the Salesforce endpoint', () => {
  it('keeps a billion-laughs message in quarantine, unexpanded, refused for its DOCTYPE', async () => {
    const body = envelope(BILLION_LAUGHS, '&lol9;');
    expect(body.length).toBeLessThan(2_000);
    const stored = await expectQuarantinedVerbatim(body);
    expect(stored.error).toMatch(/DOCTYPE/);
    expect(stored.error).not.toContain('lollollol');
  });

  it('never reads an external entity (file or URL) and echoes nothing of it', async () => {
    for (const system of [
      'file:///etc/passwd',
      'http://127.0.0.1:9/steal',
      'php://filter/resource=/etc/hostname',
    ]) {
      const body = envelope(`<!DOCTYPE x [<!ENTITY xxe SYSTEM "${system}">]>`, '&xxe;');
      const stored = await expectQuarantinedVerbatim(body);
      expect(JSON.stringify(stored)).not.toMatch(/root:|daemon:/);
    }
  });

  it('refuses parameter entities and a DOCTYPE in any letter case or position', async () => {
    for (const prolog of [
      '<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>',
      '<!doctype x [<!entity a "b">]>',
      '<!DocType soapenv:Envelope SYSTEM "http://127.0.0.1:9/x.dtd">',
    ]) {
      await expectQuarantinedVerbatim(envelope(prolog, 'VP'));
    }
    const inside = envelope('', 'VP').replace('<soapenv:Body>', '<soapenv:Body><!ENTITY a "b">');
    await expectQuarantinedVerbatim(inside);
  });

  it('keeps undeclared entity references as written, never expanded', async () => {
    const body = envelope('', '&lol9;&amp;&#x41;&#0;&#xD800;');
    stack.counting.reset();
    const answer = await deliver(stack, 'http', 'salesforce', body, salesforceHeaders(), token());
    expect(answer.status, answer.text).toBe(200);
    expect(stack.counting.kept.length).toBeGreaterThan(0);
    const lead = (
      await stack.counting.store.getEntities([entityRef('contact#salesforce:00Qxx0000001abcEAA')])
    ).get('contact#salesforce:00Qxx0000001abcEAA');
    if (lead) {
      const title = lead.state.fields.title?.at(-1)?.value;
      expect(title).toBe('&lol9;&A&#0;&#xD800;');
    } else {
      expect(stack.counting.kept.map((kept) => kept.kind)).toContain('quarantine');
    }
  });

  it('refuses a bomb from another org with 401 before any store call', async () => {
    stack.counting.reset();
    const answer = await deliver(
      stack,
      'http',
      'salesforce',
      envelope(BILLION_LAUGHS, '&lol9;', '00Dxx0000009zzzZZZ'),
      salesforceHeaders(),
      token(),
    );
    expect(answer.status).toBe(401);
    expect(stack.counting.calls).toEqual([]);
  });

  it('quarantines any DTD with any entity references, verbatim (property)', async () => {
    const name = fc.stringMatching(/^[a-z][a-z0-9]{0,6}$/);
    const declaration = fc.oneof(
      fc
        .tuple(name, fc.array(name, { maxLength: 6 }))
        .map(([entity, refs]) => `<!ENTITY ${entity} "${refs.map((ref) => `&${ref};`).join('')}x">`),
      name.map((entity) => `<!ENTITY ${entity} SYSTEM "file:///etc/${entity}">`),
      name.map((entity) => `<!ENTITY % ${entity} "<!ENTITY x 'y'>"> %${entity};`),
      fc.constant('<!ELEMENT a ANY>'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(declaration, { minLength: 1, maxLength: 8 }),
        fc.array(name, { maxLength: 5 }),
        fc.constantFrom('DOCTYPE', 'doctype', 'DocType'),
        async (declarations, refs, keyword) => {
          const body = envelope(
            `<!${keyword} soapenv:Envelope [\n${declarations.join('\n')}\n]>`,
            refs.map((ref) => `&${ref};`).join(''),
          );
          await expectQuarantinedVerbatim(body);
        },
      ),
      fuzzParameters(40),
    );
  }, 120_000);
});
