import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipedriveBody, pipedriveHeaders } from '#local/senders/pipedrive.ts';
import type { Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { AuthenticationError } from '#shared/errors.ts';
import { dealView } from '#shared/metrics/views.ts';
import { emailHasher } from '#shared/privacy.ts';
import { applyEvents, fieldValue } from '#shared/projection/state.ts';
import { canonicalDealStage } from '#shared/sources/mapping.ts';
import { pipedriveAdapter, pipedriveTime } from '#shared/sources/pipedrive.ts';
import type { WebhookRequest } from '#shared/sources/types.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { expectNoneOf, keptAndParsedTheSame } from '../support/keep.ts';
import { shuffled, statesOf } from '../support/shuffle.ts';
import { allQuarantined, allRaw, everyStoredText } from '../support/store.ts';
import { post, readEntity, startTestTwin } from '../support/twin.ts';

const CREDENTIALS = TEST_SECRETS['acme/pipedrive-basic-auth'];
const hash = emailHasher(TEST_SECRETS['acme/email-hash-key']);

/** The example client with Pipedrive stage ids mapped (clients/example.yaml leaves `stages` unset). */
function pipedriveConfig(): ClientConfig {
  const config = exampleConfig();
  config.sources.pipedrive = {
    basicAuth: 'acme/pipedrive-basic-auth',
    stages: { '1': 'appointmentscheduled', '2': 'qualifiedtobuy' },
  };
  return config;
}

const send = (twin: Twin, body: string, credentials: string = CREDENTIALS) =>
  post(twin, 'pipedrive', body, pipedriveHeaders(credentials));

describe('pipedrive source: HTTP Basic auth', () => {
  // Pipedrive signs nothing and publishes no vector. The RFC 7617 section 2 example is the
  // published vector for the Basic scheme: user "Aladdin", password "open sesame".
  const RFC_7617 = { credentials: 'Aladdin:open sesame', header: 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==' };
  const request = (authorization?: string): WebhookRequest => ({
    method: 'POST',
    url: 'https://hooks.acme.example/webhooks/pipedrive',
    headers: authorization === undefined ? {} : { authorization },
    body: Buffer.from('{}'),
    receivedAt: Date.UTC(2026, 10, 16),
  });
  const context = () => ({
    config: exampleConfig(),
    secrets: testSecrets({ 'acme/pipedrive-basic-auth': RFC_7617.credentials }),
    now: Date.UTC(2026, 10, 16),
  });

  it('builds the RFC 7617 example header', () => {
    expect(pipedriveHeaders(RFC_7617.credentials).authorization).toBe(RFC_7617.header);
  });

  it('accepts the RFC 7617 example and refuses other credentials', async () => {
    await expect(pipedriveAdapter.verify(request(RFC_7617.header), context())).resolves.toBeUndefined();
    // "Aladdin:open sesamE"
    const wrong = `Basic ${Buffer.from('Aladdin:open sesamE').toString('base64')}`;
    await expect(pipedriveAdapter.verify(request(wrong), context())).rejects.toThrow(/wrong HTTP Basic/);
    await expect(pipedriveAdapter.verify(request('Bearer QWxhZGRpbg=='), context())).rejects.toThrow(
      /not HTTP Basic/,
    );
    await expect(pipedriveAdapter.verify(request(), context())).rejects.toThrow(AuthenticationError);
  });

  it('reads meta.timestamp as ISO, unix seconds or unix milliseconds', () => {
    expect(pipedriveTime('2024-09-27T14:25:28.000Z')).toBe(Date.UTC(2024, 8, 27, 14, 25, 28));
    expect(pipedriveTime(1727447128)).toBe(1727447128000);
    expect(pipedriveTime(1727447128000)).toBe(1727447128000);
    expect(pipedriveTime('2024-09-27 14:25:28')).toBe(Date.UTC(2024, 8, 27, 14, 25, 28));
    expect(pipedriveTime('yesterday')).toBeUndefined();
  });
});

// One story: Globex (org 2), Pat (person 3), a deal (5) that moves from stage 1 to 2 and is won, a call.
const ORG = pipedriveBody({
  action: 'create',
  entity: 'organization',
  id: 2,
  timestamp: '2026-11-16T14:00:00.000Z',
  data: {
    id: 2,
    name: 'Globex',
    owner_id: 18487521,
    address_country: 'United States',
    industry: 'Software',
    employee_count: 850,
  },
});
const PERSON = pipedriveBody({
  action: 'create',
  entity: 'person',
  id: 3,
  timestamp: '2026-11-16T14:03:00.000Z',
  data: {
    id: 3,
    name: 'Pat Doe',
    emails: [
      { label: 'home', value: 'pat.home@globex.example', primary: false },
      { label: 'work', value: 'pat@globex.example', primary: true },
    ],
    org_id: 2,
    owner_id: 18487521,
    job_title: 'VP Marketing',
  },
});
const PERSON_CHANGE = pipedriveBody({
  action: 'change',
  entity: 'person',
  id: 3,
  timestamp: '2026-11-18T09:00:00.000Z',
  data: {
    id: 3,
    name: 'Pat Doe',
    emails: [{ label: 'work', value: 'pat@globex.example', primary: true }],
    org_id: 2,
    owner_id: 18500000,
    job_title: 'CMO',
  },
  previous: { owner_id: 18487521, job_title: 'VP Marketing' },
});
const dealData = { id: 5, title: 'Globex platform', value: 42000, currency: 'USD', org_id: 2, person_id: 3 };
const DEAL_CREATE = pipedriveBody({
  action: 'create',
  entity: 'deal',
  id: 5,
  timestamp: '2026-11-17T09:30:00.000Z',
  data: {
    ...dealData,
    status: 'open',
    stage_id: 1,
    pipeline_id: 1,
    owner_id: 18487521,
    origin: 'ManuallyCreated',
    lost_reason: null,
  },
});
const DEAL_MOVE = pipedriveBody({
  action: 'change',
  entity: 'deal',
  id: 5,
  timestamp: '2026-11-20T10:00:00.000Z',
  data: {
    ...dealData,
    status: 'open',
    stage_id: 2,
    pipeline_id: 1,
    owner_id: 18487521,
    origin: 'ManuallyCreated',
    lost_reason: null,
  },
  previous: { stage_id: 1 },
});
const DEAL_WON = pipedriveBody({
  action: 'change',
  entity: 'deal',
  id: 5,
  timestamp: '2026-12-20T16:00:00.000Z',
  data: {
    ...dealData,
    status: 'won',
    stage_id: 2,
    pipeline_id: 1,
    owner_id: 18487521,
    origin: 'ManuallyCreated',
    lost_reason: null,
  },
  previous: { status: 'open' },
});
const CALL = pipedriveBody({
  action: 'create',
  entity: 'activity',
  id: 8,
  timestamp: '2026-11-16T15:10:00.000Z',
  data: {
    id: 8,
    type: 'call',
    subject: 'Intro call',
    person_id: 3,
    org_id: 2,
    owner_id: 18487521,
    done: true,
  },
});
/** A lost deal with a numeric entity_id and a unix-seconds timestamp, its value a text. */
const LOST_DEAL = JSON.stringify({
  meta: { action: 'change', entity: 'deal', entity_id: 6, id: 1, timestamp: 1795176000 },
  data: { id: 6, status: 'lost', stage_id: 2, value: '1500.5', lost_reason: 'No budget', person_id: null },
  previous: { status: 'open' },
});
const STORY = [ORG, PERSON, PERSON_CHANGE, DEAL_CREATE, DEAL_MOVE, DEAL_WON, CALL];
const STORY_KEYS = ['company#pipedrive:2', 'contact#pipedrive:3', 'deal#pipedrive:5', 'activity#pipedrive:8'];

describe('pipedrive source through samepage serve', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin({ config: pipedriveConfig() });
  });
  afterAll(() => twin.close());

  it('projects an organization, a person, a deal moving then won, and a call', async () => {
    for (const body of STORY) {
      const answer = await send(twin, body);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toMatchObject({ status: 'accepted', events: 1, problems: 0 });
    }

    const company = await readEntity(twin, 'company#pipedrive:2');
    expect(company?.firstAt).toBe(Date.parse('2026-11-16T14:00:00Z'));
    expect(company && fieldValue(company, 'name')).toBe('Globex');
    expect(company && fieldValue(company, 'country')).toBe('United States');
    expect(company && fieldValue(company, 'industry')).toBe('Software');
    expect(company && fieldValue(company, 'employees')).toBe(850);

    const contact = await readEntity(twin, 'contact#pipedrive:3');
    expect(contact?.firstAt).toBe(Date.parse('2026-11-16T14:03:00Z'));
    expect(contact && fieldValue(contact, 'companyId')).toBe('pipedrive:2');
    // The primary address, not the first listed.
    expect(contact && fieldValue(contact, 'emailHash')).toBe(hash('pat@globex.example'));
    expect(contact && fieldValue(contact, 'title')).toBe('CMO');
    expect(contact && fieldValue(contact, 'title', Date.parse('2026-11-17T00:00:00Z'))).toBe('VP Marketing');
    expect(contact && fieldValue(contact, 'owner')).toBe('18500000');

    const deal = await readEntity(twin, 'deal#pipedrive:5');
    // Stage ids are stored as sent (as text); the won status sets the client's won stage.
    expect(deal?.fields.stage?.map((entry) => entry.value)).toEqual(['1', '2', 'closedwon']);
    expect(deal?.milestones).toEqual({
      '1': Date.parse('2026-11-17T09:30:00Z'),
      '2': Date.parse('2026-11-20T10:00:00Z'),
      closedwon: Date.parse('2026-12-20T16:00:00Z'),
    });
    // Read through sources.pipedrive.stages: 1 → appointmentscheduled, 2 → qualifiedtobuy (the bar).
    if (!deal) throw new Error('deal#pipedrive:5 was not stored');
    const view = dealView(deal, Date.parse('2026-12-31T00:00:00Z'), pipedriveConfig());
    expect(view.stages).toEqual([
      { at: Date.parse('2026-11-17T09:30:00Z'), stage: 'appointmentscheduled' },
      { at: Date.parse('2026-11-20T10:00:00Z'), stage: 'qualifiedtobuy' },
      { at: Date.parse('2026-12-20T16:00:00Z'), stage: 'closedwon' },
    ]);
    expect(view.qualified).toEqual({ at: Date.parse('2026-11-20T10:00:00Z'), amount: 42000 });
    expect(view.closed).toEqual({ at: Date.parse('2026-12-20T16:00:00Z'), outcome: 'won', amount: 42000 });
    expect(deal && fieldValue(deal, 'amount')).toBe(42000);
    expect(deal && fieldValue(deal, 'currency')).toBe('USD');
    expect(deal && fieldValue(deal, 'companyId')).toBe('pipedrive:2');
    expect(deal && fieldValue(deal, 'contactIds')).toEqual(['pipedrive:3']);
    expect(deal && fieldValue(deal, 'owner')).toBe('18487521');
    expect(deal && fieldValue(deal, 'pipeline')).toBe('1');
    expect(deal && fieldValue(deal, 'source')).toBe('ManuallyCreated');
    expect(deal && fieldValue(deal, 'reason')).toBeNull();

    const call = await readEntity(twin, 'activity#pipedrive:8');
    expect(call?.firstAt).toBe(Date.parse('2026-11-16T15:10:00Z'));
    expect(call && fieldValue(call, 'kind')).toBe('call');
    expect(call && fieldValue(call, 'contactId')).toBe('pipedrive:3');
    expect(call && fieldValue(call, 'owner')).toBe('18487521');
  });

  it('reads a numeric entity_id and unix-seconds timestamp, a lost deal and an other-kind activity', async () => {
    expect(JSON.parse((await send(twin, LOST_DEAL)).text)).toMatchObject({ status: 'accepted', events: 1 });
    const deal = await readEntity(twin, 'deal#pipedrive:6');
    expect(deal?.milestones).toEqual({ closedlost: 1795176000 * 1000 });
    expect(deal && fieldValue(deal, 'amount')).toBe(1500.5);
    expect(deal && fieldValue(deal, 'reason')).toBe('No budget');
    expect(deal && fieldValue(deal, 'contactIds')).toEqual([]);

    const lunch = pipedriveBody({
      action: 'create',
      entity: 'activity',
      id: 9,
      timestamp: '2026-11-21T12:00:00.000Z',
      data: { id: 9, type: 'lunch', participants: [{ person_id: 3, primary: true }], user_id: 18500000 },
    });
    await send(twin, lunch);
    const activity = await readEntity(twin, 'activity#pipedrive:9');
    expect(activity && fieldValue(activity, 'kind')).toBe('other');
    expect(activity && fieldValue(activity, 'contactId')).toBe('pipedrive:3');
    expect(activity && fieldValue(activity, 'owner')).toBe('18500000');
  });

  it('links a merged-away person to the survivor without deleting it, and the survivor to it', async () => {
    const body = pipedriveBody({
      action: 'delete',
      entity: 'person',
      id: 4,
      timestamp: '2026-11-19T08:00:00.000Z',
      data: null,
      previous: { id: 4, name: 'Pat D.' },
      meta: { merged_to_id: '3' },
    });
    expect(JSON.parse((await send(twin, body)).text)).toMatchObject({ status: 'accepted', events: 2 });
    const merged = await readEntity(twin, 'contact#pipedrive:4');
    expect(merged && fieldValue(merged, 'deleted')).toBeUndefined();
    expect(merged && fieldValue(merged, 'mergedInto')).toBe('pipedrive:3');
    const survivor = await readEntity(twin, 'contact#pipedrive:3');
    expect(survivor && fieldValue(survivor, 'mergedFrom:pipedrive:4')).toBe(true);
    expect(survivor && fieldValue(survivor, 'deleted')).toBeUndefined();
  });

  it('counts other objects (a lead) as ignored and answers 200', async () => {
    const body = pipedriveBody({
      action: 'create',
      entity: 'lead',
      id: 11,
      timestamp: '2026-11-19T08:00:00.000Z',
      data: { id: 'adf21080-0e10-11eb-879b-05d71fb426ec', title: 'Lead' },
    });
    const answer = await send(twin, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({ status: 'accepted', events: 0, ignored: 1 });
  });

  it('projects a deal on an unmapped stage with the stage id as its stage, no problem', async () => {
    const body = pipedriveBody({
      action: 'create',
      entity: 'deal',
      id: 7,
      timestamp: '2026-11-22T10:00:00.000Z',
      data: { id: 7, status: 'open', stage_id: 99, value: 9000, currency: 'USD', org_id: 2 },
    });
    const answer = JSON.parse((await send(twin, body)).text);
    expect(answer).toMatchObject({ status: 'accepted', events: 1, problems: 0 });
    const deal = await readEntity(twin, 'deal#pipedrive:7');
    expect(deal && fieldValue(deal, 'amount')).toBe(9000);
    // Data health lists it until sources.pipedrive.stages names stage 99.
    expect(deal && fieldValue(deal, 'stage')).toBe('99');
    expect((await allQuarantined(twin)).filter((q) => q.body.includes('"stage_id":99'))).toEqual([]);
  });

  it('refuses wrong or missing Basic credentials with a reason and stores nothing', async () => {
    const before = (await everyStoredText(twin)).length;
    const wrong = await send(twin, ORG, 'samepage:not-the-password');
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).reason).toMatch(/wrong HTTP Basic credentials/);
    const missing = await post(twin, 'pipedrive', ORG, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text).reason).toMatch(/missing Authorization header/);
    expect((await everyStoredText(twin)).length).toBe(before);
  });

  it('quarantines a malformed body with its error, answering 200 so Pipedrive keeps the hook', async () => {
    const body = JSON.stringify({
      meta: { action: 'change', entity_id: '12' },
      data: { id: 12, emails: [{ value: 'x@y.example', primary: true }] },
    });
    const answer = await send(twin, body);
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).status).toBe('quarantined');
    const quarantined = (await allQuarantined(twin)).filter((q) => q.body.includes('"entity_id":"12"'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['meta.entity', 'meta.timestamp']),
    );
    expect(quarantined[0]?.body).not.toContain('x@y.example');
    expect(await readEntity(twin, 'contact#pipedrive:12')).toBeUndefined();
  });

  it('answers a repeated delivery as a duplicate and writes no entity again', async () => {
    const writesBefore = twin.store.counters.writes;
    const again = await send(twin, DEAL_MOVE);
    expect(JSON.parse(again.text).status).toBe('duplicate');
    // Only the conditional put of the raw delivery was attempted; the unchanged state was not rewritten.
    expect(twin.store.counters.writes - writesBefore).toBe(1);
    const kept = pipedriveAdapter.keep(DEAL_MOVE, { config: pipedriveConfig(), hashEmail: hash });
    expect((await allRaw(twin)).filter((raw) => raw.body === kept)).toHaveLength(1);
  });

  it('takes a retry (new meta.attempt, same facts) without rewriting the entity', async () => {
    const retry = JSON.parse(DEAL_MOVE);
    retry.meta.attempt = 2;
    const writesBefore = twin.store.counters.writes;
    const answer = JSON.parse((await send(twin, JSON.stringify(retry))).text);
    expect(answer).toMatchObject({ status: 'accepted', events: 1 });
    expect(twin.store.counters.writes - writesBefore).toBe(1);
  });

  it('keeps no email address anywhere in the store', async () => {
    const texts = await everyStoredText(twin);
    for (const address of ['pat@globex.example', 'pat.home@globex.example', 'x@y.example']) {
      expect(texts.some((text) => text.includes(address))).toBe(false);
    }
    expect(texts.some((text) => text.includes('@'))).toBe(false);
    // `samepage replay` re-parses the redacted body: the email token hashes to the same value.
    const kept = (await allRaw(twin)).find((raw) => raw.body.includes('VP Marketing'));
    const replayed = pipedriveAdapter.parse(kept?.body ?? '', {
      config: pipedriveConfig(),
      hashEmail: hash,
      receivedAt: Date.UTC(2026, 10, 16),
    });
    expect(replayed.events[0]?.fields.emailHash).toBe(hash('pat@globex.example'));
  });
});

describe('pipedrive source: mapping overrides', () => {
  it('lets sources.pipedrive.fields add a custom field that wins over the default', () => {
    const config = pipedriveConfig();
    config.sources.pipedrive = {
      basicAuth: 'acme/pipedrive-basic-auth',
      stages: { '1': 'appointmentscheduled' },
      fields: { deal: { '8f4b27e1': 'source' }, person: { 'custom_fields.seniority_key': 'seniority' } },
    };
    const context = { config, hashEmail: hash, receivedAt: Date.UTC(2026, 10, 23) };
    const deal = pipedriveAdapter.parse(
      pipedriveBody({
        action: 'change',
        entity: 'deal',
        id: 21,
        timestamp: '2026-11-23T10:00:00.000Z',
        data: {
          id: 21,
          stage_id: 1,
          origin: 'ManuallyCreated',
          custom_fields: { '8f4b27e1': { type: 'varchar', value: 'linkedin-ads' } },
        },
      }),
      context,
    );
    expect(deal.events).toEqual([
      {
        entity: 'deal',
        id: 'pipedrive:21',
        at: Date.parse('2026-11-23T10:00:00Z'),
        fields: { source: 'linkedin-ads', stage: '1' },
      },
    ]);
    expect(canonicalDealStage(config, 'pipedrive:21', '1')).toBe('appointmentscheduled');
    const person = pipedriveAdapter.parse(
      pipedriveBody({
        action: 'change',
        entity: 'person',
        id: 22,
        timestamp: '2026-11-23T10:00:00.000Z',
        data: { id: 22, emails: [], custom_fields: { seniority_key: { type: 'varchar', value: 'vp' } } },
      }),
      context,
    );
    expect(person.events[0]?.fields).toEqual({ seniority: 'vp', emailHash: null });
  });
});

describe('pipedrive source: delivery order', () => {
  it('gives the same states for shuffled, repeated deliveries as for in-order ones', async () => {
    const inOrder = await startTestTwin({ config: pipedriveConfig() });
    const mixed = await startTestTwin({ config: pipedriveConfig() });
    try {
      for (const body of STORY) expect((await send(inOrder, body)).status).toBe(200);
      const deliveries = shuffled([...STORY, DEAL_MOVE, PERSON, DEAL_WON], 7);
      for (const body of deliveries) expect((await send(mixed, body)).status).toBe(200);
      const expected = await statesOf(inOrder, STORY_KEYS);
      expect(Object.values(expected).every((state) => state !== undefined)).toBe(true);
      expect(await statesOf(mixed, STORY_KEYS)).toEqual(expected);
    } finally {
      await inOrder.close();
      await mixed.close();
    }
  });
});

describe('pipedrive source: deal stages', () => {
  const parseDeal = (data: Record<string, unknown>, config = pipedriveConfig()) =>
    pipedriveAdapter.parse(
      pipedriveBody({
        action: 'change',
        entity: 'deal',
        id: 31,
        timestamp: '2026-11-24T10:00:00.000Z',
        data,
      }),
      { config, hashEmail: hash, receivedAt: Date.UTC(2026, 10, 24) },
    );

  /** The deal's stage as read (through sources.pipedrive.stages) from the parsed events. */
  const readStage = (parsed: ReturnType<typeof parseDeal>, config = pipedriveConfig()) =>
    dealView(applyEvents(undefined, parsed.events), Date.UTC(2026, 10, 25), config).stage;

  it('keeps a stage id (number or text) as its text, read through sources.pipedrive.stages', () => {
    // pipedriveConfig: stage 1 → appointmentscheduled, 2 → qualifiedtobuy.
    const two = parseDeal({ id: 31, status: 'open', stage_id: 2 });
    expect(two.events[0]?.fields).toEqual({ stage: '2' });
    expect(readStage(two)).toBe('qualifiedtobuy');
    const one = parseDeal({ id: 31, status: 'open', stage_id: '1' });
    expect(one.events[0]?.fields).toEqual({ stage: '1' });
    expect(readStage(one)).toBe('appointmentscheduled');
  });

  it('keeps an unmapped stage id as its text, with no problem', () => {
    const parsed = parseDeal({ id: 31, status: 'open', stage_id: 7 });
    expect(parsed.problems).toEqual([]);
    expect(parsed.events[0]?.fields).toEqual({ stage: '7' });
    expect(readStage(parsed)).toBe('7');
  });

  it('lets won and lost status win over the stage id, mapped or not', () => {
    expect(parseDeal({ id: 31, status: 'won', stage_id: 7 }).events[0]?.fields).toEqual({
      stage: 'closedwon',
    });
    expect(parseDeal({ id: 31, status: 'lost', stage_id: 1 }).events[0]?.fields).toEqual({
      stage: 'closedlost',
    });
  });

  it('keeps a stage from a mapped custom field as sent: a name reads as it is, an id through the map', () => {
    const config = pipedriveConfig();
    config.sources.pipedrive = {
      basicAuth: 'acme/pipedrive-basic-auth',
      stages: { '1': 'appointmentscheduled' },
      fields: { deal: { 'custom_fields.acme_stage': 'stage' } },
    };
    const named = parseDeal(
      { id: 31, stage_id: 1, custom_fields: { acme_stage: { type: 'varchar', value: 'contractsent' } } },
      config,
    );
    expect(named.problems).toEqual([]);
    expect(named.events[0]?.fields).toEqual({ stage: 'contractsent' });
    expect(readStage(named, config)).toBe('contractsent');
    const byId = parseDeal(
      { id: 31, custom_fields: { acme_stage: { type: 'varchar', value: '1' } } },
      config,
    );
    expect(byId.events[0]?.fields).toEqual({ stage: '1' });
    expect(readStage(byId, config)).toBe('appointmentscheduled');
  });
});

describe('pipedrive source: merges (webhooks v2)', () => {
  /** Person 4 merged into 3 (its delete, then 3's change), organization 12 into 2, deal 15 into 5. */
  const MERGES: unknown[] = JSON.parse(
    readFileSync(new URL('../fixtures/vendor-payloads/pipedrive-v2-merges.json', import.meta.url), 'utf8'),
  );
  const bodies = MERGES.map((body) => JSON.stringify(body));
  const context = () => ({ config: pipedriveConfig(), hashEmail: hash, receivedAt: Date.UTC(2026, 10, 19) });
  const PERSON_AT = Date.parse('2026-11-19T08:00:00Z');

  it('turns the delete half of a person merge into mergedInto on it and mergedFrom on the survivor', () => {
    expect(pipedriveAdapter.parse(bodies[0] ?? '', context())).toEqual({
      events: [
        { entity: 'contact', id: 'pipedrive:4', at: PERSON_AT, fields: { mergedInto: 'pipedrive:3' } },
        { entity: 'contact', id: 'pipedrive:3', at: PERSON_AT, fields: { 'mergedFrom:pipedrive:4': true } },
      ],
      problems: [],
      ignored: {},
    });
  });

  it('links merged organizations and deals with mergedInto only', () => {
    expect(pipedriveAdapter.parse(bodies[2] ?? '', context()).events).toEqual([
      {
        entity: 'company',
        id: 'pipedrive:12',
        at: Date.parse('2026-11-19T08:05:00Z'),
        fields: { mergedInto: 'pipedrive:2' },
      },
    ]);
    expect(pipedriveAdapter.parse(bodies[3] ?? '', context()).events).toEqual([
      {
        entity: 'deal',
        id: 'pipedrive:15',
        at: Date.parse('2026-11-19T08:10:00Z'),
        fields: { mergedInto: 'pipedrive:5' },
      },
    ]);
  });

  it('still marks a plain delete (no merged_to_id) deleted', () => {
    const plain = JSON.parse(bodies[0] ?? '{}');
    delete plain.meta.merged_to_id;
    expect(pipedriveAdapter.parse(JSON.stringify(plain), context()).events).toEqual([
      { entity: 'contact', id: 'pipedrive:4', at: PERSON_AT, fields: { deleted: true } },
    ]);
  });

  it('projects the same states whatever the order of the merge webhooks and the records', async () => {
    const keys = [
      'contact#pipedrive:3',
      'contact#pipedrive:4',
      'company#pipedrive:2',
      'company#pipedrive:12',
      'deal#pipedrive:5',
      'deal#pipedrive:15',
    ];
    const [inOrder, mixed] = await Promise.all([
      startTestTwin({ config: pipedriveConfig() }),
      startTestTwin({ config: pipedriveConfig() }),
    ]);
    try {
      for (const body of [...STORY, ...bodies]) expect((await send(inOrder, body)).status).toBe(200);
      for (const body of shuffled([...bodies, ...STORY, bodies[0] ?? ''], 3)) {
        expect((await send(mixed, body)).status).toBe(200);
      }
      const expected = await statesOf(inOrder, keys);
      expect(await statesOf(mixed, keys)).toEqual(expected);

      const survivor = expected['contact#pipedrive:3'];
      expect(survivor && fieldValue(survivor, 'mergedFrom:pipedrive:4')).toBe(true);
      expect(survivor && fieldValue(survivor, 'title')).toBe('CMO');
      const merged = expected['contact#pipedrive:4'];
      expect(merged && fieldValue(merged, 'mergedInto')).toBe('pipedrive:3');
      expect(merged && fieldValue(merged, 'deleted')).toBeUndefined();
      const organization = expected['company#pipedrive:12'];
      expect(organization && fieldValue(organization, 'mergedInto')).toBe('pipedrive:2');
      const survivingOrganization = expected['company#pipedrive:2'];
      expect(
        survivingOrganization && fieldValue(survivingOrganization, 'mergedFrom:pipedrive:12'),
      ).toBeUndefined();
      const deal = expected['deal#pipedrive:15'];
      expect(deal && fieldValue(deal, 'mergedInto')).toBe('pipedrive:5');
      expect(deal && fieldValue(deal, 'deleted')).toBeUndefined();
    } finally {
      await Promise.all([inOrder.close(), mixed.close()]);
    }
  });
});

describe('pipedrive source: deal forecast fields', () => {
  const parseDeal = (data: Record<string, unknown>, config = pipedriveConfig()) =>
    pipedriveAdapter.parse(
      pipedriveBody({
        action: 'change',
        entity: 'deal',
        id: 32,
        timestamp: '2026-11-24T10:00:00.000Z',
        data,
      }),
      { config, hashEmail: hash, receivedAt: Date.UTC(2026, 10, 24) },
    );

  it('keeps expected_close_date as its date and reads probability as a percentage', () => {
    const parsed = parseDeal({ id: 32, expected_close_date: '2026-12-31', probability: 35 });
    expect(parsed.problems).toEqual([]);
    expect(parsed.events[0]?.fields).toEqual({ closeDate: '2026-12-31', probability: 0.35 });
    expect(parseDeal({ id: 32, probability: '80' }).events[0]?.fields).toEqual({ probability: 0.8 });
  });

  it('clears both when Pipedrive sends null (a pipeline without deal probability sends probability null)', () => {
    const parsed = parseDeal({ id: 32, expected_close_date: null, probability: null });
    expect(parsed.problems).toEqual([]);
    expect(parsed.events[0]?.fields).toEqual({ closeDate: null, probability: null });
  });

  it('reports a percentage above 100 and a date that does not exist under their keys, without their values', () => {
    const parsed = parseDeal({ id: 32, expected_close_date: '2026-02-30', probability: 135, value: 10 });
    expect(parsed.problems).toEqual([
      { path: 'data.expected_close_date', message: 'expected a date YYYY-MM-DD' },
      { path: 'data.probability', message: 'expected a percentage from 0 to 100' },
    ]);
    expect(parsed.events[0]?.fields).toEqual({ amount: 10 });
  });

  it('maps a custom field to forecastCategory when the config says so', () => {
    const config = pipedriveConfig();
    const source = config.sources.pipedrive;
    if (!source) throw new Error('no pipedrive source');
    config.sources.pipedrive = { ...source, fields: { deal: { forecast_cat: 'forecastCategory' } } };
    const parsed = parseDeal({ id: 32, custom_fields: { forecast_cat: { value: 'Best case' } } }, config);
    expect(parsed.problems).toEqual([]);
    expect(parsed.events[0]?.fields).toEqual({ forecastCategory: 'best_case' });
    const unknown = parseDeal({ id: 32, custom_fields: { forecast_cat: 'Maybe' } }, config);
    expect(unknown.problems).toEqual([
      { path: 'data.forecast_cat', message: 'expected one of pipeline, best_case, commit, omitted' },
    ]);
  });
});

describe('pipedrive source: keep', () => {
  const MERGE_BODIES = (
    JSON.parse(
      readFileSync(new URL('../fixtures/vendor-payloads/pipedrive-v2-merges.json', import.meta.url), 'utf8'),
    ) as unknown[]
  ).map((body) => JSON.stringify(body));
  const at = '2026-11-24T10:00:00.000Z';
  const deal = (data: Record<string, unknown>) =>
    pipedriveBody({ action: 'change', entity: 'deal', id: 31, timestamp: at, data });
  /** A config reading custom fields for a deal's source, stage and forecast category and a person's seniority. */
  function overridesConfig(): ClientConfig {
    const config = pipedriveConfig();
    config.sources.pipedrive = {
      basicAuth: 'acme/pipedrive-basic-auth',
      stages: { '1': 'appointmentscheduled' },
      fields: {
        deal: { '8f4b27e1': 'source', 'custom_fields.acme_stage': 'stage', forecast_cat: 'forecastCategory' },
        person: { 'custom_fields.seniority_key': 'seniority' },
      },
    };
    return config;
  }
  const context = (config = pipedriveConfig()) => ({
    config,
    hashEmail: hash,
    receivedAt: Date.UTC(2026, 10, 24),
  });
  /** Every body these tests send or parse, with the config it is parsed under. */
  const bodies: [string, string, ClientConfig][] = [
    ...STORY.map((body, index): [string, string, ClientConfig] => [
      `story ${index}`,
      body,
      pipedriveConfig(),
    ]),
    ...MERGE_BODIES.map((body, index): [string, string, ClientConfig] => [
      `merge ${index}`,
      body,
      pipedriveConfig(),
    ]),
    ['lost deal, numeric id and unix time', LOST_DEAL, pipedriveConfig()],
    [
      'activity through its participants',
      pipedriveBody({
        action: 'create',
        entity: 'activity',
        id: 9,
        timestamp: at,
        data: {
          id: 9,
          type: 'lunch',
          subject: 'Lunch with Pat at Chez Panisse',
          participants: [
            { person_id: 4, primary: false, name: 'Sam Roe' },
            {
              person_id: { value: 3, name: 'Pat Doe', email: [{ value: 'pat@globex.example' }] },
              primary: true,
            },
          ],
          user_id: 18500000,
        },
      }),
      pipedriveConfig(),
    ],
    [
      'lead (ignored)',
      pipedriveBody({
        action: 'create',
        entity: 'lead',
        id: 11,
        timestamp: at,
        data: { id: 'adf2', title: 'Lead' },
      }),
      pipedriveConfig(),
    ],
    [
      'v1-style relations',
      pipedriveBody({
        action: 'change',
        entity: 'person',
        id: 12,
        timestamp: at,
        data: {
          id: 12,
          org_id: { name: 'Globex', address: '1 Main St', value: 2 },
          owner_id: { id: 18487521, name: 'Rep Seven', email: 'rep7@acme.example' },
          email: 'x@y.example',
          job_title: { type: 'varchar' },
        },
      }),
      pipedriveConfig(),
    ],
    [
      'unmapped stage',
      deal({ id: 7, status: 'open', stage_id: 99, value: 9000, currency: 'USD', org_id: 2 }),
      pipedriveConfig(),
    ],
    [
      'custom field overrides (deal)',
      deal({
        id: 21,
        stage_id: 1,
        origin: 'ManuallyCreated',
        custom_fields: {
          '8f4b27e1': { type: 'varchar', value: 'linkedin-ads' },
          acme_stage: { type: 'varchar', value: 'contractsent' },
          forecast_cat: { value: 'Best case' },
          notes_field: { type: 'text', value: 'Pat mentioned a divorce' },
        },
      }),
      overridesConfig(),
    ],
    [
      'custom field overrides (person)',
      pipedriveBody({
        action: 'change',
        entity: 'person',
        id: 22,
        timestamp: at,
        data: { id: 22, emails: [], custom_fields: { seniority_key: { type: 'varchar', value: 'vp' } } },
      }),
      overridesConfig(),
    ],
    ['won status over stage', deal({ id: 31, status: 'won', stage_id: 7 }), pipedriveConfig()],
    ['forecast', deal({ id: 32, expected_close_date: '2026-12-31', probability: 35 }), pipedriveConfig()],
    ['forecast cleared', deal({ id: 32, expected_close_date: null, probability: null }), pipedriveConfig()],
    [
      'invalid values',
      deal({
        id: 32,
        expected_close_date: '2026-02-30',
        probability: 135,
        value: 'about 10k',
        currency: 'dollars',
        owner_id: ['Rep Seven'],
        person_id: [{ name: 'Pat Doe' }],
      }),
      overridesConfig(),
    ],
    [
      'invalid emails',
      pipedriveBody({
        action: 'change',
        entity: 'person',
        id: 23,
        timestamp: at,
        data: { id: 23, emails: [{ value: 'Pat Doe, +1 415 555 0100', primary: true }] },
      }),
      pipedriveConfig(),
    ],
  ];

  it.each(bodies)('keeps %s so that it parses the same, and again the same', (_name, body, config) => {
    const kept = keptAndParsedTheSame(pipedriveAdapter, body, context(config));
    expect(JSON.parse(kept)).not.toHaveProperty('previous');
    expectNoneOf(kept, [
      'Pat Doe',
      'Sam Roe',
      'Chez Panisse',
      'Rep Seven',
      '1 Main St',
      'divorce',
      '555',
      '@',
      'acme.pipedrive.com',
      'Intro call',
    ]);
  });

  it('keeps a mapped record, its stage and merge keys, and nothing else', () => {
    expect(JSON.parse(pipedriveAdapter.keep?.(DEAL_WON, context()) ?? '')).toEqual({
      meta: {
        action: 'change',
        entity: 'deal',
        entity_id: '5',
        id: expect.any(String),
        timestamp: '2026-12-20T16:00:00.000Z',
      },
      data: {
        id: 5,
        value: 42000,
        currency: 'USD',
        org_id: 2,
        person_id: 3,
        owner_id: 18487521,
        lost_reason: null,
        origin: 'ManuallyCreated',
        pipeline_id: 1,
        status: 'won',
        stage_id: 2,
      },
    });
    expect(JSON.parse(pipedriveAdapter.keep?.(MERGE_BODIES[0] ?? '', context()) ?? '')).toEqual({
      meta: {
        action: 'delete',
        entity: 'person',
        entity_id: '4',
        id: '8c1b7a52-3f0e-4d7b-9a61-0d2f5e9b6c11',
        timestamp: '2026-11-19T08:00:00.000Z',
        merged_to_id: '3',
      },
      data: null,
    });
  });

  it('names the kind of a wrong value in a problem, never the value', () => {
    const [, body, config] = bodies.find(([name]) => name === 'invalid values') ?? [];
    const { problems } = pipedriveAdapter.parse(body ?? '', context(config));
    expect(problems).toEqual([
      { path: 'data.value', message: 'expected a number ≥ 0, got a text' },
      { path: 'data.currency', message: 'expected an ISO 4217 code, got a text' },
      { path: 'data.person_id', message: 'expected Pipedrive ids' },
      { path: 'data.owner_id', message: 'expected a text, got a list' },
      { path: 'data.expected_close_date', message: 'expected a date YYYY-MM-DD' },
      { path: 'data.probability', message: 'expected a percentage from 0 to 100' },
    ]);
    const late = JSON.stringify({
      meta: { action: 'change', entity: 'deal', entity_id: 1, timestamp: 'Pat Doe' },
      data: {},
    });
    expect(() => pipedriveAdapter.parse(late, context())).toThrow(
      expect.objectContaining({
        problems: [
          { path: 'meta.timestamp', message: 'expected an ISO time, or unix seconds or milliseconds' },
        ],
      }),
    );
  });
});
