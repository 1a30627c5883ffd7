import { Webhook } from 'standardwebhooks';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { genericHeaders } from '#local/senders/generic.ts';
import type { Twin } from '#local/twin.ts';
import { AuthenticationError } from '#shared/errors.ts';
import { emailHasher } from '#shared/privacy.ts';
import { fieldValue } from '#shared/projection/state.ts';
import { genericAdapter } from '#shared/sources/generic.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { expectNoneOf, keptAndParsedTheSame } from '../support/keep.ts';
import { allQuarantined, allRaw, everyStoredText } from '../support/store.ts';
import { post, readEntity, startTestTwin } from '../support/twin.ts';

const SECRET = TEST_SECRETS['acme/generic-whsec'];

/** The example of DESIGN.md contract 2, verbatim. */
const CONTRACT_EXAMPLE = {
  events: [
    {
      type: 'company',
      id: 'co-9',
      at: '2026-11-16T14:03:00Z',
      name: 'Globex',
      domain: 'globex.example',
      industry: 'Software',
      employees: 850,
      region: 'North America',
    },
    {
      type: 'contact',
      id: 'c-1',
      at: '2026-11-16T14:03:00Z',
      companyId: 'co-9',
      title: 'VP Marketing',
      seniority: 'vp',
      source: 'linkedin-ads',
      owner: 'rep-7',
      stage: 'mql',
    },
    {
      type: 'contact',
      id: 'c-1',
      at: '2026-11-20T10:00:00Z',
      stage: 'disqualified',
      reason: 'wrong company size',
    },
    {
      type: 'deal',
      id: 'd-5',
      at: '2026-11-17T09:30:00Z',
      companyId: 'co-9',
      contactIds: ['c-1'],
      amount: 42000,
      currency: 'USD',
      stage: 'qualifiedtobuy',
      source: 'linkedin-ads',
      owner: 'rep-7',
    },
    { type: 'deal', id: 'd-5', at: '2026-12-20T16:00:00Z', stage: 'closedlost', reason: 'no budget' },
    {
      type: 'form',
      id: 'f-77',
      at: '2026-11-16T14:01:00Z',
      formId: 'demo-request',
      contactId: 'c-1',
      email: 'pat@globex.example',
      source: 'linkedin-ads',
    },
    {
      type: 'activity',
      id: 'a-3',
      at: '2026-11-16T15:10:00Z',
      contactId: 'c-1',
      kind: 'call',
      owner: 'rep-7',
    },
  ],
};

/** A contact and a deal whose later events clear fields with blank strings. */
const BLANK_STRINGS = {
  events: [
    {
      type: 'contact',
      id: 'c-60',
      at: '2026-10-03T10:00:00Z',
      stage: 'mql',
      title: 'CFO',
      companyId: 'co-9',
    },
    { type: 'contact', id: 'c-60', at: '2026-10-04T10:00:00Z', stage: 'disqualified', reason: '' },
    { type: 'contact', id: 'c-60', at: '2026-10-05T10:00:00Z', title: '   ', companyId: '', email: '' },
    { type: 'deal', id: 'd-60', at: '2026-10-05T10:00:00Z', currency: '', reason: ' ', contactIds: ['c-60'] },
  ],
};

describe('generic source: Standard Webhooks signature', () => {
  afterEach(() => vi.useRealTimers());

  // Published vector: standard-webhooks repo, libraries/javascript/src/webhook.test.ts ("sign function works").
  const vector = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
    timestamp: 1614265330,
    payload: '{"test": 2432232314}',
    signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  };
  const request = (signature: string) => ({
    method: 'POST',
    url: 'https://hooks.acme.example/webhooks/generic',
    headers: {
      'webhook-id': vector.id,
      'webhook-timestamp': String(vector.timestamp),
      'webhook-signature': signature,
    },
    body: Buffer.from(vector.payload),
    receivedAt: vector.timestamp * 1000,
  });
  const context = () => ({
    config: exampleConfig(),
    secrets: testSecrets({ 'acme/generic-whsec': vector.secret }),
    now: vector.timestamp * 1000,
  });

  it('signs the published vector to the published signature', () => {
    expect(
      new Webhook(vector.secret).sign(vector.id, new Date(vector.timestamp * 1000), vector.payload),
    ).toBe(vector.signature);
  });

  it('accepts the published vector at its own time and refuses one changed byte', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: vector.timestamp * 1000 });
    await expect(genericAdapter.verify(request(vector.signature), context())).resolves.toBeUndefined();
    const tampered = vector.signature.replace('g0hM', 'g0hN');
    await expect(genericAdapter.verify(request(tampered), context())).rejects.toThrow(AuthenticationError);
  });

  it('refuses the published vector ten minutes later as stale', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: (vector.timestamp + 600) * 1000 });
    const late = { ...context(), now: (vector.timestamp + 600) * 1000 };
    await expect(genericAdapter.verify(request(vector.signature), late)).rejects.toThrow(/5 minutes/);
  });
});

describe('generic source through samepage serve', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(() => twin.close());

  it('projects the contract example: milestones, stage history, links and hashed email', async () => {
    const body = JSON.stringify(CONTRACT_EXAMPLE);
    const answer = await post(twin, 'generic', body, genericHeaders(body, SECRET));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ status: 'accepted', events: 7, problems: 0 });

    const contact = await readEntity(twin, 'contact#generic:c-1');
    expect(contact?.firstAt).toBe(Date.parse('2026-11-16T14:03:00Z'));
    expect(contact?.milestones).toEqual({
      mql: Date.parse('2026-11-16T14:03:00Z'),
      disqualified: Date.parse('2026-11-20T10:00:00Z'),
    });
    expect(contact && fieldValue(contact, 'companyId')).toBe('generic:co-9');
    expect(contact && fieldValue(contact, 'reason')).toBe('wrong company size');
    // As of before the disqualification the contact was still an MQL.
    expect(contact && fieldValue(contact, 'stage', Date.parse('2026-11-19T00:00:00Z'))).toBe('mql');

    const deal = await readEntity(twin, 'deal#generic:d-5');
    expect(deal?.fields.stage?.map((entry) => entry.value)).toEqual(['qualifiedtobuy', 'closedlost']);
    expect(deal && fieldValue(deal, 'contactIds')).toEqual(['generic:c-1']);
    expect(deal && fieldValue(deal, 'amount')).toBe(42000);

    const form = await readEntity(twin, 'form#generic:f-77');
    expect(form && fieldValue(form, 'emailHash')).toMatch(/^[0-9a-f]{32}$/);
    const texts = await everyStoredText(twin);
    expect(texts.some((text) => text.includes('pat@globex.example'))).toBe(false);
    expect(texts.some((text) => text.includes('@'))).toBe(false);
  });

  it('reads a blank string as "no value": a cleared field clears and a blank reason is a missing one', async () => {
    // CRMs send "" when a property is cleared (DESIGN.md "Ties"). The disqualification must count, with no reason.
    const body = JSON.stringify(BLANK_STRINGS);
    const answer = JSON.parse((await post(twin, 'generic', body, genericHeaders(body, SECRET))).text);
    expect(answer).toMatchObject({ status: 'accepted', events: 4, problems: 0 });
    const contact = await readEntity(twin, 'contact#generic:c-60');
    expect(contact?.milestones.disqualified).toBe(Date.parse('2026-10-04T10:00:00Z'));
    expect(contact && fieldValue(contact, 'reason')).toBeNull();
    // The blank title and company cleared what was there before; as of the day before, it was still set.
    expect(contact && fieldValue(contact, 'title')).toBeNull();
    expect(contact && fieldValue(contact, 'companyId')).toBeNull();
    expect(contact && fieldValue(contact, 'title', Date.parse('2026-10-04T12:00:00Z'))).toBe('CFO');
    const deal = await readEntity(twin, 'deal#generic:d-60');
    expect(deal && fieldValue(deal, 'currency')).toBeNull();
    expect(deal && fieldValue(deal, 'reason')).toBeNull();
  });

  it('refuses a wrong signature with a reason and stores nothing', async () => {
    const before = (await everyStoredText(twin)).length;
    const body = JSON.stringify({ events: [CONTRACT_EXAMPLE.events[0]] });
    const headers = genericHeaders(body, 'whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldA==');
    const answer = await post(twin, 'generic', body, headers);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text).reason).toMatch(/No matching signature/);
    expect((await everyStoredText(twin)).length).toBe(before);
  });

  it('refuses a delivery signed ten minutes ago', async () => {
    const body = JSON.stringify({ events: [CONTRACT_EXAMPLE.events[0]] });
    const headers = genericHeaders(body, SECRET, { timestamp: new Date(Date.now() - 10 * 60_000) });
    const answer = await post(twin, 'generic', body, headers);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text).reason).toMatch(/5 minutes/);
  });

  it('quarantines a malformed body with its error, answering 200 so the sender stops', async () => {
    const body =
      '{"events": [{"type": "deal", "id": "d-9", "at": "yesterday", "amount": "42000", "email": "x@y.example"}]}';
    const answer = await post(twin, 'generic', body, genericHeaders(body, SECRET));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).status).toBe('quarantined');
    const quarantined = (await allQuarantined(twin)).filter((q) => q.body.includes('d-9'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['events[0].at', 'events[0].amount']),
    );
    expect(quarantined[0]?.body).not.toContain('x@y.example');
    expect(await readEntity(twin, 'deal#generic:d-9')).toBeUndefined();
  });

  it('projects the valid events of a partly valid delivery and quarantines the rest', async () => {
    const body = JSON.stringify({
      events: [
        { type: 'contact', id: 'c-50', at: '2026-10-01T10:00:00Z', stage: 'lead' },
        { type: 'contact', id: 'c-51', at: '2026-10-01T10:00:00Z', stage: 'not-a-stage' },
      ],
    });
    const answer = JSON.parse((await post(twin, 'generic', body, genericHeaders(body, SECRET))).text);
    expect(answer).toMatchObject({ status: 'accepted', events: 1, problems: 1 });
    expect(await readEntity(twin, 'contact#generic:c-50')).toBeDefined();
    expect(await readEntity(twin, 'contact#generic:c-51')).toBeUndefined();
    const kept = (await allQuarantined(twin)).filter((q) => q.body.includes('c-51'));
    expect(kept[0]?.problems[0]?.message).toMatch(/the stage is neither a canonical stage/);
    expect(kept[0]?.problems[0]?.message).not.toMatch(/not-a-stage/);
  });

  it('answers a repeated delivery as a duplicate and writes no entity again', async () => {
    const body = JSON.stringify({
      events: [{ type: 'company', id: 'co-70', at: '2026-10-02T10:00:00Z', name: 'Initech' }],
    });
    await post(twin, 'generic', body, genericHeaders(body, SECRET));
    const writesBefore = twin.store.counters.writes;
    const again = await post(twin, 'generic', body, genericHeaders(body, SECRET));
    expect(JSON.parse(again.text).status).toBe('duplicate');
    // Only the conditional put of the raw delivery was attempted; the unchanged state was not rewritten.
    expect(twin.store.counters.writes - writesBefore).toBe(1);
    expect((await allRaw(twin)).filter((raw) => raw.body.includes('co-70'))).toHaveLength(1);
  });
});

describe('generic source: deal forecast fields', () => {
  const parse = (...deals: Record<string, unknown>[]) =>
    genericAdapter.parse(
      JSON.stringify({
        events: deals.map((deal) => ({ type: 'deal', id: 'd-6', at: '2026-11-24T10:00:00Z', ...deal })),
      }),
      {
        config: exampleConfig(),
        hashEmail: emailHasher('k'),
        receivedAt: Date.parse('2026-11-24T10:00:01Z'),
      },
    );

  it('accepts closeDate, probability and forecastCategory, and clears them with null or blank', () => {
    const parsed = parse(
      { closeDate: '2026-12-31', probability: 0.35, forecastCategory: 'best_case' },
      { closeDate: null, probability: null, forecastCategory: ' ' },
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.events.map((event) => event.fields)).toEqual([
      { closeDate: '2026-12-31', probability: 0.35, forecastCategory: 'best_case' },
      { closeDate: null, probability: null, forecastCategory: null },
    ]);
  });

  it('refuses a date that does not exist, a probability above 1 and another category, each for its event', () => {
    const parsed = parse(
      { closeDate: '2026-02-30' },
      { probability: 35 },
      { forecastCategory: 'Commit' },
      { closeDate: '2027-01-15', probability: 1, forecastCategory: 'omitted' },
    );
    expect(parsed.events.map((event) => event.fields)).toEqual([
      { closeDate: '2027-01-15', probability: 1, forecastCategory: 'omitted' },
    ]);
    expect(parsed.problems).toEqual([
      { path: 'events[0].closeDate', message: 'expected a real date "YYYY-MM-DD"' },
      { path: 'events[1].probability', message: 'expected a number from 0 to 1' },
      { path: 'events[2].forecastCategory', message: 'expected one of pipeline, best_case, commit, omitted' },
    ]);
  });
});

describe('generic source: keep', () => {
  const context = () => ({
    config: exampleConfig(),
    hashEmail: emailHasher(TEST_SECRETS['acme/email-hash-key']),
    receivedAt: Date.parse('2026-11-24T10:00:01Z'),
  });
  const deal = (fields: Record<string, unknown>) => ({
    type: 'deal',
    id: 'd-6',
    at: '2026-11-24T10:00:00Z',
    ...fields,
  });
  /** Every accepted body these tests send or parse, and a few with keys the contract does not know. */
  const bodies: [string, unknown][] = [
    ['the contract example', CONTRACT_EXAMPLE],
    ['blank strings', BLANK_STRINGS],
    [
      'a partly valid delivery',
      {
        events: [
          { type: 'contact', id: 'c-50', at: '2026-10-01T10:00:00Z', stage: 'lead' },
          { type: 'contact', id: 'c-51', at: '2026-10-01T10:00:00Z', stage: 'not-a-stage' },
        ],
      },
    ],
    [
      'a company',
      { events: [{ type: 'company', id: 'co-70', at: '2026-10-02T10:00:00Z', name: 'Initech' }] },
    ],
    [
      'forecast fields, valid and not',
      {
        events: [
          deal({ closeDate: '2026-02-30' }),
          deal({ probability: 35 }),
          deal({ forecastCategory: 'Commit' }),
          deal({ closeDate: '2027-01-15', probability: 1, forecastCategory: 'omitted' }),
          deal({ closeDate: null, probability: null, forecastCategory: ' ' }),
        ],
      },
    ],
    [
      'unknown keys and a malformed event beside a valid one',
      {
        events: [
          {
            type: 'contact',
            id: 'c-1',
            at: '2026-11-16T14:03:00Z',
            firstName: 'Pat',
            lastName: 'Doe',
            phone: '+1 415 555 0100',
          },
          {
            type: 'deal',
            id: 'd-9',
            at: 'yesterday',
            amount: '42000',
            email: 'x@y.example',
            notes: 'Pat Doe is a friend',
          },
          {
            type: 'form',
            id: 'f-1',
            at: '2026-11-16T14:01:00Z',
            formId: 'demo',
            email: 'PAT@Globex.example',
          },
          { kind: 'call', name: 'Pat Doe' },
          ['Pat Doe'],
        ],
      },
    ],
  ];

  it.each(bodies)('keeps %s so that it parses the same, and again the same', (_name, delivery) => {
    const kept = keptAndParsedTheSame(genericAdapter, JSON.stringify(delivery), context());
    expectNoneOf(kept, ['Pat', 'Doe', '555', 'friend', '@']);
  });

  it('keeps an unknown key by name only, so the event is refused on replay as it was', () => {
    const body = JSON.stringify({
      events: [
        CONTRACT_EXAMPLE.events[0],
        { type: 'contact', id: 'c-1', at: '2026-11-16T14:03:00Z', firstName: 'Pat', title: 'CFO' },
      ],
    });
    const kept = keptAndParsedTheSame(genericAdapter, body, context());
    expect(JSON.parse(kept).events[1]).toEqual({
      type: 'contact',
      id: 'c-1',
      at: '2026-11-16T14:03:00Z',
      firstName: null,
      title: 'CFO',
    });
    expect(genericAdapter.parse(kept, context()).problems).toEqual([
      { path: 'events[1]', message: 'Unrecognized key: "firstName"' },
    ]);
  });

  it('names no stage value in a stage problem', () => {
    const body = JSON.stringify({
      events: [
        CONTRACT_EXAMPLE.events[0],
        deal({ stage: 'Pat Doe special' }),
        deal({ id: 'c-2', type: 'contact', stage: 'Patricia' }),
      ],
    });
    const { problems } = genericAdapter.parse(body, context());
    expect(problems.map((problem) => problem.path)).toEqual(['events[1].stage', 'events[2].stage']);
    expectNoneOf(problems.map((problem) => problem.message).join('\n'), ['Pat']);
  });
});
