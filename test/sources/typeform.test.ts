import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { typeformBody, typeformHeaders } from '#local/senders/typeform.ts';
import type { Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { emailHasher } from '#shared/privacy.ts';
import { fieldValue } from '#shared/projection/state.ts';
import { typeformAdapter } from '#shared/sources/typeform.ts';
import type { WebhookRequest } from '#shared/sources/types.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { expectNoneOf, keptAndParsedTheSame } from '../support/keep.ts';
import { shuffled, statesOf } from '../support/shuffle.ts';
import { allQuarantined, allRaw, everyStoredText } from '../support/store.ts';
import { post, readEntity, startTestTwin } from '../support/twin.ts';

const SECRET = TEST_SECRETS['acme/typeform-secret'];
const hash = emailHasher(TEST_SECRETS['acme/email-hash-key']);

/** The example client with one Typeform form id mapped to the config's form id. */
function typeformConfig(): ClientConfig {
  const config = exampleConfig();
  config.sources.typeform = { secret: 'acme/typeform-secret', forms: { g8hcyeXS: 'demo-request' } };
  return config;
}

const send = (twin: Twin, body: string, secret: string = SECRET) =>
  post(twin, 'typeform', body, typeformHeaders(body, secret));

describe('typeform source: Typeform-Signature', () => {
  // Typeform publishes no secret/body/signature vector (see /tmp/research/vendors.md section 3).
  // This one is computed by hand from the HMAC definition: base64(HMAC-SHA256(key = secret,
  // message = raw body)), prefixed "sha256=". The body is the actionsflow example payload; the
  // literal was recomputed independently with python3 hmac/hashlib.
  const body =
    '{"event_id":"01EK4R5PFZZP6C8H14RTP4YW6C","event_type":"form_response","form_response":{"form_id":"g8hcyeXS","token":"x71for1wr6irs2rx71fotn12b3izh25v","landed_at":"2020-09-26T08:23:47Z","submitted_at":"2020-09-26T08:23:49Z","definition":{"id":"g8hcyeXS","title":"Feedback","fields":[{"id":"M8JLOd0nIQPU","title":"What\'s your name?","type":"short_text","ref":"9a489f17-8765-494b-933e-3624c645bd0c","properties":{}}]},"answers":[{"type":"text","text":"test1","field":{"id":"M8JLOd0nIQPU","type":"short_text","ref":"9a489f17-8765-494b-933e-3624c645bd0c"}}]}}';
  const signature = 'sha256=ZV0d7wvvC7VJNwhSF6SkEq8aymqlmkQCpddML/z0Z4Q=';
  const hexDigest = '655d1def0bef0bb54937085217a4a412af1aca6aa59a4402a5d74c2ffcf46784';
  const request = (header?: string): WebhookRequest => ({
    method: 'POST',
    url: 'https://hooks.acme.example/webhooks/typeform',
    headers: header === undefined ? {} : { 'typeform-signature': header },
    body: Buffer.from(body),
    receivedAt: Date.UTC(2026, 10, 16),
  });
  const context = () => ({ config: exampleConfig(), secrets: testSecrets(), now: Date.UTC(2026, 10, 16) });

  it('matches the HMAC definition and the sender helper', () => {
    const digest = createHmac('sha256', 'typeform-test-secret').update(body, 'utf8').digest();
    expect(digest.toString('hex')).toBe(hexDigest);
    expect(`sha256=${digest.toString('base64')}`).toBe(signature);
    expect(typeformHeaders(body, SECRET)['typeform-signature']).toBe(signature);
  });

  it('accepts the signature and refuses one changed byte of body or signature', async () => {
    await expect(typeformAdapter.verify(request(signature), context())).resolves.toBeUndefined();
    await expect(
      typeformAdapter.verify(request(signature.replace('ZV0d', 'ZV0e')), context()),
    ).rejects.toThrow(/wrong Typeform-Signature/);
    const tampered = { ...request(signature), body: Buffer.from(body.replace('test1', 'test2')) };
    await expect(typeformAdapter.verify(tampered, context())).rejects.toThrow(/wrong Typeform-Signature/);
  });

  it('requires the sha256= prefix and base64 (not hex) encoding', async () => {
    await expect(
      typeformAdapter.verify(request('ZV0d7wvvC7VJNwhSF6SkEq8aymqlmkQCpddML/z0Z4Q='), context()),
    ).rejects.toThrow(/not "sha256=/);
    await expect(typeformAdapter.verify(request(`sha256=${hexDigest}`), context())).rejects.toThrow(
      /wrong Typeform-Signature/,
    );
    await expect(typeformAdapter.verify(request(), context())).rejects.toThrow(/missing Typeform-Signature/);
  });
});

const DEMO = typeformBody({
  formId: 'g8hcyeXS',
  token: 'x71for1wr6irs2rx71fotn12b3izh25v',
  submittedAt: '2026-11-16T14:01:00Z',
  email: 'pat@globex.example',
  hidden: { utm_source: 'linkedin-ads', contact_id: 'hubspot:123' },
});
const PRICING = typeformBody({
  formId: 'Pr1c3Frm',
  token: 'a0b1c2d3e4f5a0b1c2d3e4f5a0b1c2d3',
  submittedAt: '2026-11-17T09:00:00Z',
  hidden: { email: 'sam@initech.example', source: 'webinar', contact_id: '77' },
});
const ANONYMOUS = typeformBody({
  formId: 'g8hcyeXS',
  token: 'zz9yy8xx7ww6vv5uu4tt3ss2rr1qq0pp',
  submittedAt: '2026-11-18T11:30:00Z',
});

describe('typeform source through samepage serve', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin({ config: typeformConfig() });
  });
  afterAll(() => twin.close());

  it('projects a response: mapped form id, hashed email, UTM source and the named contact', async () => {
    const answer = await send(twin, DEMO);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ status: 'accepted', events: 1, problems: 0 });
    const form = await readEntity(twin, 'form#typeform:x71for1wr6irs2rx71fotn12b3izh25v');
    expect(form?.firstAt).toBe(Date.parse('2026-11-16T14:01:00Z'));
    expect(form && fieldValue(form, 'formId')).toBe('demo-request');
    expect(form && fieldValue(form, 'emailHash')).toBe(hash('pat@globex.example'));
    expect(form && fieldValue(form, 'source')).toBe('linkedin-ads');
    expect(form && fieldValue(form, 'contactId')).toBe('hubspot:123');
  });

  it('reads email, source and contact id from hidden fields, keeping an unmapped form id', async () => {
    expect(JSON.parse((await send(twin, PRICING)).text)).toMatchObject({ status: 'accepted', events: 1 });
    const form = await readEntity(twin, 'form#typeform:a0b1c2d3e4f5a0b1c2d3e4f5a0b1c2d3');
    expect(form && fieldValue(form, 'formId')).toBe('Pr1c3Frm');
    expect(form && fieldValue(form, 'emailHash')).toBe(hash('sam@initech.example'));
    expect(form && fieldValue(form, 'source')).toBe('webinar');
    expect(form && fieldValue(form, 'contactId')).toBe('typeform:77');
  });

  it('takes a response with neither email nor contact id as a form event', async () => {
    expect(JSON.parse((await send(twin, ANONYMOUS)).text)).toMatchObject({ status: 'accepted', events: 1 });
    const form = await readEntity(twin, 'form#typeform:zz9yy8xx7ww6vv5uu4tt3ss2rr1qq0pp');
    expect(form?.fields).toEqual({
      formId: [{ at: Date.parse('2026-11-18T11:30:00Z'), value: 'demo-request' }],
    });
  });

  it('projects a response with an invalid email answer without its email and quarantines the problem', async () => {
    const body = typeformBody({
      formId: 'g8hcyeXS',
      token: 'bad0email0token0000000000000000a',
      submittedAt: '2026-11-19T10:00:00Z',
      email: 'not an address',
    });
    expect(JSON.parse((await send(twin, body)).text)).toMatchObject({
      status: 'accepted',
      events: 1,
      problems: 1,
    });
    const form = await readEntity(twin, 'form#typeform:bad0email0token0000000000000000a');
    expect(form && fieldValue(form, 'formId')).toBe('demo-request');
    expect(form && fieldValue(form, 'emailHash')).toBeUndefined();
    const kept = (await allQuarantined(twin)).filter((q) => q.body.includes('bad0email0token'));
    expect(kept[0]?.problems).toEqual([
      { path: 'form_response.answers[1].email', message: 'expected an email address' },
    ]);
  });

  it('counts other event types as ignored and answers 200', async () => {
    const body = JSON.stringify({
      event_id: '01EK4R5PFZZP6C8H0000000000',
      event_type: 'form_response_partial',
    });
    const answer = await send(twin, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ status: 'accepted', events: 0, ignored: 1 });
  });

  it('refuses a wrong or missing signature with a reason and stores nothing', async () => {
    const before = (await everyStoredText(twin)).length;
    const body = typeformBody({ formId: 'g8hcyeXS', token: 'wrongsig', submittedAt: '2026-11-20T10:00:00Z' });
    const wrong = await send(twin, body, 'not-the-typeform-secret');
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).reason).toMatch(/wrong Typeform-Signature/);
    const missing = await post(twin, 'typeform', body, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text).reason).toMatch(/missing Typeform-Signature/);
    expect((await everyStoredText(twin)).length).toBe(before);
  });

  it('quarantines a malformed response with its error, answering 200 so Typeform keeps the hook', async () => {
    const body = JSON.stringify({
      event_id: '01EK4R5PFZZP6C8HMALFORMED0',
      event_type: 'form_response',
      form_response: {
        form_id: 'g8hcyeXS',
        submitted_at: 'yesterday',
        answers: [{ type: 'email', email: 'x@y.example' }],
      },
    });
    const answer = await send(twin, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).status).toBe('quarantined');
    const quarantined = (await allQuarantined(twin)).filter((q) => q.body.includes('MALFORMED0'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['form_response.token', 'form_response.submitted_at']),
    );
    expect(quarantined[0]?.body).not.toContain('x@y.example');
  });

  it('answers a repeated delivery as a duplicate and writes no entity again', async () => {
    const writesBefore = twin.store.counters.writes;
    const again = await send(twin, DEMO);
    expect(JSON.parse(again.text).status).toBe('duplicate');
    expect(twin.store.counters.writes - writesBefore).toBe(1);
    expect(
      (await allRaw(twin)).filter((raw) => raw.body.includes('x71for1wr6irs2rx71fotn12b3izh25v')),
    ).toHaveLength(1);
  });

  it('keeps no email address anywhere in the store', async () => {
    const texts = await everyStoredText(twin);
    for (const address of ['pat@globex.example', 'sam@initech.example', 'x@y.example']) {
      expect(texts.some((text) => text.includes(address))).toBe(false);
    }
    expect(texts.some((text) => text.includes('@'))).toBe(false);
    // `samepage replay` re-parses the redacted body: the email token hashes to the same value.
    const kept = (await allRaw(twin)).find((raw) => raw.body.includes('x71for1wr6irs2rx71fotn12b3izh25v'));
    const replayed = typeformAdapter.parse(kept?.body ?? '', {
      config: typeformConfig(),
      hashEmail: hash,
      receivedAt: Date.UTC(2026, 10, 16),
    });
    expect(replayed.events[0]?.fields.emailHash).toBe(hash('pat@globex.example'));
  });
});

describe('typeform source: delivery order', () => {
  it('gives the same states for shuffled, repeated deliveries as for in-order ones', async () => {
    const inOrder = await startTestTwin({ config: typeformConfig() });
    const mixed = await startTestTwin({ config: typeformConfig() });
    const responses = [DEMO, PRICING, ANONYMOUS];
    const keys = [
      'form#typeform:x71for1wr6irs2rx71fotn12b3izh25v',
      'form#typeform:a0b1c2d3e4f5a0b1c2d3e4f5a0b1c2d3',
      'form#typeform:zz9yy8xx7ww6vv5uu4tt3ss2rr1qq0pp',
    ];
    try {
      for (const body of responses) expect((await send(inOrder, body)).status).toBe(200);
      for (const body of shuffled([...responses, DEMO, ANONYMOUS], 11)) {
        expect((await send(mixed, body)).status).toBe(200);
      }
      const expected = await statesOf(inOrder, keys);
      expect(Object.values(expected).every((state) => state !== undefined)).toBe(true);
      expect(await statesOf(mixed, keys)).toEqual(expected);
    } finally {
      await inOrder.close();
      await mixed.close();
    }
  });
});

describe('typeform source: keep', () => {
  const context = () => ({ config: typeformConfig(), hashEmail: hash, receivedAt: Date.UTC(2026, 10, 16) });
  const ACTIONSFLOW =
    '{"event_id":"01EK4R5PFZZP6C8H14RTP4YW6C","event_type":"form_response","form_response":{"form_id":"g8hcyeXS","token":"x71for1wr6irs2rx71fotn12b3izh25v","landed_at":"2020-09-26T08:23:47Z","submitted_at":"2020-09-26T08:23:49Z","definition":{"id":"g8hcyeXS","title":"Feedback","fields":[{"id":"M8JLOd0nIQPU","title":"What\'s your name?","type":"short_text","ref":"9a489f17-8765-494b-933e-3624c645bd0c","properties":{}}]},"answers":[{"type":"text","text":"test1","field":{"id":"M8JLOd0nIQPU","type":"short_text","ref":"9a489f17-8765-494b-933e-3624c645bd0c"}}]}}';
  /** Every body these tests parse or send. */
  const bodies: [string, string][] = [
    ['the signature vector body', ACTIONSFLOW],
    ['a response with an email answer and hidden fields', DEMO],
    ['a response with hidden email, source and contact id', PRICING],
    ['an anonymous response', ANONYMOUS],
    [
      'an invalid email answer',
      typeformBody({
        formId: 'g8hcyeXS',
        token: 'bad0email0token0000000000000000a',
        submittedAt: '2026-11-19T10:00:00Z',
        email: 'not an address',
      }),
    ],
    [
      'an invalid hidden email',
      typeformBody({
        formId: 'g8hcyeXS',
        token: 'hidden0bad',
        submittedAt: '2026-11-19T10:00:00Z',
        hidden: { email: 'Sam at Initech' },
      }),
    ],
    [
      'a blank hidden email and a numeric contact id',
      JSON.stringify({
        event_id: 'E2',
        event_type: 'form_response',
        form_response: {
          form_id: 'g8hcyeXS',
          token: 'blank0hidden',
          submitted_at: '2026-11-19T10:00:00Z',
          hidden: { email: '  ', contact_id: 77, name: 'Sam Lee' },
          answers: null,
        },
      }),
    ],
    [
      'another event type',
      JSON.stringify({ event_id: '01EK4R5PFZZP6C8H0000000000', event_type: 'form_response_partial' }),
    ],
  ];

  it.each(bodies)('keeps %s so that it parses the same, and again the same', (_name, body) => {
    const kept = keptAndParsedTheSame(typeformAdapter, body, context());
    expectNoneOf(kept, [
      'Acme',
      'test1',
      "What's your name",
      'Demo request',
      'definition',
      'Sam',
      'not an address',
      '@',
    ]);
  });

  it('keeps the email answer as a token after empty answers, and the hidden fields it reads', () => {
    expect(JSON.parse(typeformAdapter.keep?.(DEMO, context()) ?? '')).toEqual({
      event_id: '01EK4R5PFZZP6C8HX71FOR1WR6',
      event_type: 'form_response',
      form_response: {
        form_id: 'g8hcyeXS',
        token: 'x71for1wr6irs2rx71fotn12b3izh25v',
        landed_at: '2026-11-16T14:00:00.000Z',
        submitted_at: '2026-11-16T14:01:00Z',
        hidden: { utm_source: 'linkedin-ads', contact_id: 'hubspot:123' },
        answers: [{}, { type: 'email', email: `emailhash:${hash('pat@globex.example')}` }],
      },
    });
  });
});
