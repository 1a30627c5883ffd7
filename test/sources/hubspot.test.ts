import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotHeaders } from '#local/senders/hubspot.ts';
import type { Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { AuthenticationError } from '#shared/errors.ts';
import { dealView } from '#shared/metrics/views.ts';
import { emailHasher } from '#shared/privacy.ts';
import { indexTimes } from '#shared/projection/index-times.ts';
import { applyEvents, dealContactIds, fieldValue } from '#shared/projection/state.ts';
import { hubspotAdapter } from '#shared/sources/hubspot.ts';
import { decodeHubSpotUri, hubspotSignatureV3, hubspotSignedUri } from '#shared/sources/hubspot-signature.ts';
import { canonicalDealStage } from '#shared/sources/mapping.ts';
import type { ParseContext, WebhookRequest } from '#shared/sources/types.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { keptAndParsedTheSame } from '../support/keep.ts';
import { shuffled, statesOf } from '../support/shuffle.ts';
import { allQuarantined, allRaw, everyStoredText } from '../support/store.ts';
import { post, readEntity, startTestTwin } from '../support/twin.ts';

const SECRET = TEST_SECRETS['acme/hubspot-client-secret'];

/** Parses as ingest does, and checks that the body's kept form (for replay) parses the same. */
function parsedAndKept(body: string, context: ParseContext) {
  const parsed = hubspotAdapter.parse(body, context);
  keptAndParsedTheSame(hubspotAdapter, body, context);
  return parsed;
}

/** Every body a test sends is kept the way ingest keeps it; one ingest refuses is never kept. */
function checkKept(twin: Twin, body: string): void {
  const context = { config: twin.config, hashEmail: emailHasher('k'), receivedAt: Date.now() };
  try {
    hubspotAdapter.parse(body, context);
  } catch {
    return;
  }
  keptAndParsedTheSame(hubspotAdapter, body, context);
}
/** clients/example.yaml: sources.hubspot.canonicalUrl; the example portal is 33. */
const CANONICAL_URL = 'https://hooks.acme.example/webhooks/hubspot';
const PORTAL = 33;

const T0 = Date.parse('2026-11-16T14:00:00Z');
const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

type Item = Record<string, unknown>;
const classic = (subscriptionType: string, objectId: number, occurredAt: number, extra: Item = {}): Item => ({
  eventId: 100,
  subscriptionId: 4849549,
  portalId: PORTAL,
  appId: 54321,
  occurredAt,
  subscriptionType,
  attemptNumber: 0,
  objectId,
  changeSource: 'CRM_UI',
  ...extra,
});
const change = (
  object: string,
  objectId: number,
  occurredAt: number,
  propertyName: string,
  propertyValue: string,
) => classic(`${object}.propertyChange`, objectId, occurredAt, { propertyName, propertyValue });
const generic = (
  subscriptionType: string,
  objectTypeId: string,
  objectId: number,
  occurredAt: number,
  extra: Item = {},
) => classic(subscriptionType, objectId, occurredAt, { objectTypeId, ...extra });

/** A company, a contact, a deal and their links, as HubSpot would report them over ten days. */
const SCENARIO: Item[] = [
  classic('company.creation', 9001, T0),
  change('company', 9001, T0 + 1000, 'name', 'Globex'),
  change('company', 9001, T0 + 1000, 'numberofemployees', '850'),
  change('company', 9001, T0 + 1000, 'industry', 'Software'),
  change('company', 9001, T0 + 1000, 'region', 'North America'),
  classic('contact.creation', 501, T0 + MINUTE),
  change('contact', 501, T0 + MINUTE, 'email', 'pat@globex.example'),
  change('contact', 501, T0 + MINUTE, 'lifecyclestage', 'marketingqualifiedlead'),
  change('contact', 501, T0 + MINUTE, 'hs_analytics_source', 'PAID_SOCIAL'),
  change('contact', 501, T0 + MINUTE, 'firstname', 'Pat'), // not mapped: ignored
  classic('contact.associationChange', 501, T0 + 2 * MINUTE, {
    associationType: 'CONTACT_TO_COMPANY',
    fromObjectId: 501,
    toObjectId: 9001,
    associationRemoved: false,
    isPrimaryAssociation: true,
  }),
  change('contact', 501, T0 + DAY, 'lifecyclestage', 'salesqualifiedlead'),
  change('contact', 501, T0 + DAY, 'hs_lead_status', 'NEW'), // maps to no stage: ignored
  generic('object.creation', '0-3', 7001, T0 + 2 * DAY),
  generic('object.propertyChange', '0-3', 7001, T0 + 2 * DAY, {
    propertyName: 'dealstage',
    propertyValue: 'qualifiedtobuy',
  }),
  generic('object.propertyChange', '0-3', 7001, T0 + 2 * DAY, {
    propertyName: 'amount',
    propertyValue: '42000.50',
  }),
  change('deal', 7001, T0 + 2 * DAY, 'deal_currency_code', 'USD'),
  {
    // `eventType` instead of `subscriptionType`, generic association with type ids.
    eventId: 100,
    portalId: PORTAL,
    occurredAt: T0 + 2 * DAY + MINUTE,
    eventType: 'object.associationChange',
    fromObjectTypeId: '0-3',
    fromObjectId: 7001,
    toObjectTypeId: '0-1',
    toObjectId: 501,
    associationRemoved: false,
  },
  classic('deal.associationChange', 7001, T0 + 2 * DAY + MINUTE, {
    associationType: 'DEAL_TO_COMPANY',
    fromObjectId: 7001,
    toObjectId: 9001,
    associationRemoved: false,
    isPrimaryAssociation: true,
  }),
  classic('ticket.creation', 55, T0 + 2 * DAY), // other object: ignored
  generic('object.creation', '0-5', 56, T0 + 2 * DAY), // ticket by type id: ignored
  change('deal', 7001, T0 + 10 * DAY, 'dealstage', 'closedwon'),
  classic('contact.merge', 501, T0 + 3 * DAY, { primaryObjectId: 501, mergedObjectIds: [502] }),
  classic('company.deletion', 9002, T0 + 4 * DAY),
];
const SCENARIO_KEYS = [
  'company#hubspot:9001',
  'company#hubspot:9002',
  'contact#hubspot:501',
  'contact#hubspot:502',
  'deal#hubspot:7001',
];

function headersFor(body: string, query = '', timestamp?: number) {
  return hubspotHeaders(body, SECRET, { uri: `${CANONICAL_URL}${query}`, timestamp });
}

async function send(twin: Twin, items: readonly Item[], query = '') {
  const body = JSON.stringify(items);
  checkKept(twin, body);
  const answer = await post(twin, 'hubspot', body, headersFor(body, query), query);
  return { status: answer.status, json: JSON.parse(answer.text) };
}

describe('hubspot source: v3 signature', () => {
  // Published vector: HubSpot/hubspot-api-python tests/spec/utils/test_signature.py (v3 case), also
  // listed in /tmp/research/vendors.md §2.2. Note the single-quoted body: it is the SDK's literal.
  const vector = {
    secret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
    method: 'POST',
    uri: 'https://www.example.com/webhook_uri',
    body: "{'example_field':'example_value'}",
    timestamp: '1693657560000',
    signature: 'K36dawei4A+QBNolUOqo7s91KQDWQ5MXZ/QufNYuk/Y=',
  };
  const request = (overrides: Partial<WebhookRequest> = {}, headers: Record<string, string> = {}) => ({
    method: vector.method,
    url: vector.uri,
    headers: {
      'x-hubspot-signature-v3': vector.signature,
      'x-hubspot-request-timestamp': vector.timestamp,
      ...headers,
    },
    body: Buffer.from(vector.body),
    receivedAt: Number(vector.timestamp),
    ...overrides,
  });
  const context = (canonicalUrl?: string, now = Number(vector.timestamp)) => {
    const config = exampleConfig();
    const hubspot = config.sources.hubspot;
    if (!hubspot) throw new Error('the example config has no hubspot source');
    config.sources.hubspot = { ...hubspot, canonicalUrl };
    return { config, secrets: testSecrets(), now };
  };

  it('signs the published vector to the published signature', () => {
    expect(hubspotSignatureV3(vector.secret, vector.method, vector.uri, vector.body, vector.timestamp)).toBe(
      vector.signature,
    );
  });

  it('accepts the published vector at its own time and refuses one changed byte', async () => {
    await expect(hubspotAdapter.verify(request(), context())).resolves.toBeUndefined();
    const tampered = request({}, { 'x-hubspot-signature-v3': vector.signature.replace('K36d', 'K36e') });
    await expect(hubspotAdapter.verify(tampered, context())).rejects.toThrow(/does not match/);
    const otherBody = request({ body: Buffer.from("{'example_field':'example_valuf'}") });
    await expect(hubspotAdapter.verify(otherBody, context())).rejects.toThrow(AuthenticationError);
  });

  it('checks against the configured canonical URL when the stack is called on another host', async () => {
    const internal = request({ url: 'https://abc123.execute-api.us-east-1.amazonaws.com/webhooks/hubspot' });
    await expect(hubspotAdapter.verify(internal, context(vector.uri))).resolves.toBeUndefined();
    await expect(hubspotAdapter.verify(internal, context())).rejects.toThrow(/does not match/);
  });

  it('refuses the vector more than 5 minutes after (or before) its timestamp', async () => {
    const ts = Number(vector.timestamp);
    await expect(
      hubspotAdapter.verify(request(), context(undefined, ts + 5 * MINUTE)),
    ).resolves.toBeUndefined();
    await expect(hubspotAdapter.verify(request(), context(undefined, ts + 5 * MINUTE + 1))).rejects.toThrow(
      /more than 5 minutes/,
    );
    await expect(hubspotAdapter.verify(request(), context(undefined, ts - 10 * MINUTE))).rejects.toThrow(
      /more than 5 minutes/,
    );
  });

  it('decodes exactly the 12 escapes HubSpot lists and leaves every other escape as it is', () => {
    expect(
      decodeHubSpotUri(
        'https://x.example/hook?a=%3A%2F%3F%40%21%24%27%28%29%2A%2C%3B&b=%20%2B%25%26%3D%23%5B&c=%3a%2f',
      ),
    ).toBe("https://x.example/hook?a=:/?@!$'()*,;&b=%20%2B%25%26%3D%23%5B&c=:/");
    // The canonical URL takes the called query string, which is decoded the same way.
    expect(
      hubspotSignedUri('http://10.0.0.1/webhooks/hubspot?email=pat%40x.example&n=a%20b', CANONICAL_URL),
    ).toBe(`${CANONICAL_URL}?email=pat@x.example&n=a%20b`);
    expect(hubspotSignedUri('https://hooks.acme.example/webhooks/hubspot')).toBe(CANONICAL_URL);
  });

  it('verifies a URL with escapes over the decoded URI, not the raw one', async () => {
    const url = 'https://www.example.com/webhook_uri?tag=a%3Ab%2Cc&space=x%20y';
    const timestamp = vector.timestamp;
    const decoded = 'https://www.example.com/webhook_uri?tag=a:b,c&space=x%20y';
    const overDecoded = hubspotSignatureV3(vector.secret, 'POST', decoded, vector.body, timestamp);
    const overRaw = hubspotSignatureV3(vector.secret, 'POST', url, vector.body, timestamp);
    const withSignature = (signature: string) => request({ url }, { 'x-hubspot-signature-v3': signature });
    await expect(hubspotAdapter.verify(withSignature(overDecoded), context())).resolves.toBeUndefined();
    await expect(hubspotAdapter.verify(withSignature(overRaw), context())).rejects.toThrow(/does not match/);
  });

  it('names the missing header, and says so when only a v1/v2 signature came', async () => {
    await expect(
      hubspotAdapter.verify(
        request({ headers: { 'x-hubspot-request-timestamp': vector.timestamp } }),
        context(),
      ),
    ).rejects.toThrow(/X-HubSpot-Signature-v3 header missing/);
    const v1 = request({ headers: { 'x-hubspot-signature': 'abc', 'x-hubspot-signature-version': 'v1' } });
    await expect(hubspotAdapter.verify(v1, context())).rejects.toThrow(/v1 signature was sent/);
    const noTimestamp = request({ headers: { 'x-hubspot-signature-v3': vector.signature } });
    await expect(hubspotAdapter.verify(noTimestamp, context())).rejects.toThrow(
      /X-HubSpot-Request-Timestamp/,
    );
  });
});

describe('hubspot source: parsing rules', () => {
  const context = () => ({
    config: exampleConfig(),
    hashEmail: emailHasher('k'),
    receivedAt: T0,
  });

  it('maps association removals, non-primary companies and deletions/restores', () => {
    const parsed = parsedAndKept(
      JSON.stringify([
        classic('company.associationChange', 9001, T0, {
          associationType: 'COMPANY_TO_CONTACT',
          fromObjectId: 9001,
          toObjectId: 501,
          associationRemoved: true,
          isPrimaryAssociation: true,
        }),
        classic('contact.associationChange', 501, T0, {
          associationType: 'CONTACT_TO_DEAL',
          fromObjectId: 501,
          toObjectId: 7001,
          associationRemoved: true,
        }),
        classic('contact.associationChange', 501, T0, {
          associationType: 'CONTACT_TO_COMPANY',
          fromObjectId: 501,
          toObjectId: 9005,
          isPrimaryAssociation: false,
        }),
        classic('contact.associationChange', 501, T0, {
          associationType: 'CONTACT_TO_TICKET',
          fromObjectId: 501,
          toObjectId: 3,
        }),
        classic('contact.privacyDeletion', 501, T0 + 1),
        classic('deal.restore', 7001, T0 + 2),
        change('company', 9001, T0 + 3, 'domain', ''),
      ]),
      context(),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual({
      'association:nonPrimaryCompany': 1,
      'association:CONTACT_TO_TICKET': 1,
    });
    expect(parsed.events).toEqual([
      { entity: 'contact', id: 'hubspot:501', at: T0, fields: { companyId: null } },
      { entity: 'deal', id: 'hubspot:7001', at: T0, fields: { 'contactLink:hubspot:501': false } },
      { entity: 'contact', id: 'hubspot:501', at: T0 + 1, fields: { deleted: true, emailHash: null } },
      { entity: 'deal', id: 'hubspot:7001', at: T0 + 2, fields: { deleted: false } },
      { entity: 'company', id: 'hubspot:9001', at: T0 + 3, fields: { domain: null } },
    ]);
  });

  it('applies the config property overrides on top of the defaults', () => {
    const config = exampleConfig();
    const hubspot = config.sources.hubspot;
    if (!hubspot) throw new Error('the example config has no hubspot source');
    config.sources.hubspot = {
      ...hubspot,
      properties: { company: { acme_region: 'region', region: 'country' }, deal: { dealname: 'title' } },
    };
    const parsed = parsedAndKept(
      JSON.stringify([
        change('company', 9001, T0, 'acme_region', 'UK&I'),
        change('company', 9001, T0, 'region', 'GB'),
        change('deal', 7001, T0, 'dealname', 'Globex renewal'),
      ]),
      { ...context(), config },
    );
    expect(parsed.events).toEqual([
      { entity: 'company', id: 'hubspot:9001', at: T0, fields: { region: 'UK&I' } },
      { entity: 'company', id: 'hubspot:9001', at: T0, fields: { country: 'GB' } },
    ]);
    expect(parsed.problems).toEqual([
      { path: '[2].propertyValue', message: expect.stringMatching(/"title", which is not a deal field/) },
    ]);
  });

  it('accepts a delivery of only ignored events with nothing to project', () => {
    const parsed = parsedAndKept(JSON.stringify([classic('ticket.propertyChange', 1, T0)]), context());
    expect(parsed).toEqual({ events: [], problems: [], ignored: { 'object:ticket': 1 } });
  });
});

describe('hubspot source through samepage serve', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(() => twin.close());

  it('projects a delivery of thin events: fields, milestones, links, merge and deletion', async () => {
    const { status, json } = await send(twin, SCENARIO);
    expect(status).toBe(200);
    // 24 items: firstname, lead status NEW and the two ticket events are ignored; the other 20 are
    // one event each, but the contact merge is two (mergedInto on 502, mergedFrom on 501).
    expect(json).toMatchObject({ status: 'accepted', events: 21, problems: 0, ignored: 4 });

    const company = await readEntity(twin, 'company#hubspot:9001');
    expect(company?.firstAt).toBe(T0);
    expect(company && fieldValue(company, 'name')).toBe('Globex');
    expect(company && fieldValue(company, 'employees')).toBe(850);
    expect(company && fieldValue(company, 'industry')).toBe('Software');
    expect(company && fieldValue(company, 'region')).toBe('North America');

    const contact = await readEntity(twin, 'contact#hubspot:501');
    expect(contact?.firstAt).toBe(T0 + MINUTE);
    expect(contact?.milestones).toEqual({ mql: T0 + MINUTE, sql: T0 + DAY });
    expect(contact && fieldValue(contact, 'companyId')).toBe('hubspot:9001');
    expect(contact && fieldValue(contact, 'source')).toBe('PAID_SOCIAL');
    expect(contact && fieldValue(contact, 'emailHash')).toBe(
      emailHasher(TEST_SECRETS['acme/email-hash-key'])('pat@globex.example'),
    );
    expect(contact && fieldValue(contact, 'firstname')).toBeUndefined();

    const merged = await readEntity(twin, 'contact#hubspot:502');
    expect(merged && fieldValue(merged, 'mergedInto')).toBe('hubspot:501');
    // Merged, not deleted: its history is joined to 501's when facts are read.
    expect(merged && fieldValue(merged, 'deleted')).toBeUndefined();
    expect(merged?.firstAt).toBe(T0 + 3 * DAY);
    expect(contact && fieldValue(contact, 'mergedFrom:hubspot:502')).toBe(true);

    const deal = await readEntity(twin, 'deal#hubspot:7001');
    expect(deal?.firstAt).toBe(T0 + 2 * DAY);
    expect(deal?.fields.stage?.map((entry) => entry.value)).toEqual(['qualifiedtobuy', 'closedwon']);
    expect(deal?.milestones).toEqual({ qualifiedtobuy: T0 + 2 * DAY, closedwon: T0 + 10 * DAY });
    expect(deal && fieldValue(deal, 'amount')).toBe(42000.5);
    expect(deal && fieldValue(deal, 'currency')).toBe('USD');
    expect(deal && fieldValue(deal, 'companyId')).toBe('hubspot:9001');
    expect(deal && fieldValue(deal, 'contactLink:hubspot:501')).toBe(true);
    expect(deal && dealContactIds(deal)).toEqual(['hubspot:501']);

    const deleted = await readEntity(twin, 'company#hubspot:9002');
    expect(deleted && fieldValue(deleted, 'deleted')).toBe(true);

    expect(await readEntity(twin, 'contact#hubspot:55')).toBeUndefined();
  });

  it('keeps no raw email address anywhere in the store', async () => {
    const texts = await everyStoredText(twin);
    expect(texts.some((text) => text.includes('pat@globex.example'))).toBe(false);
    expect(texts.some((text) => text.includes('@'))).toBe(false);
  });

  it('verifies a call with a query string against the canonical URL plus that query', async () => {
    const { status, json } = await send(
      twin,
      [change('company', 9010, T0, 'name', 'Query Co')],
      '?via=a%3Ab%2Cc&space=x%20y',
    );
    expect(status).toBe(200);
    expect(json.status).toBe('accepted');
    const company = await readEntity(twin, 'company#hubspot:9010');
    expect(company && fieldValue(company, 'name')).toBe('Query Co');
  });

  it('refuses a wrong signature or a missing one with a reason and stores nothing', async () => {
    const before = (await everyStoredText(twin)).length;
    const body = JSON.stringify([classic('company.creation', 9020, T0)]);
    const wrong = hubspotHeaders(body, 'not-the-client-secret', { uri: CANONICAL_URL });
    const answer = await post(twin, 'hubspot', body, wrong);
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text).reason).toMatch(/X-HubSpot-Signature-v3 does not match/);

    const signedOverCalledUrl = hubspotHeaders(body, SECRET, { uri: `${twin.server?.url}/webhooks/hubspot` });
    expect((await post(twin, 'hubspot', body, signedOverCalledUrl)).status).toBe(401);

    const missing = await post(twin, 'hubspot', body, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text).reason).toMatch(/X-HubSpot-Signature-v3 header missing/);
    expect((await everyStoredText(twin)).length).toBe(before);
    expect(await readEntity(twin, 'company#hubspot:9020')).toBeUndefined();
  });

  it('refuses a delivery signed ten minutes ago as stale', async () => {
    const before = (await everyStoredText(twin)).length;
    const body = JSON.stringify([classic('company.creation', 9021, T0)]);
    const answer = await post(twin, 'hubspot', body, headersFor(body, '', Date.now() - 10 * MINUTE));
    expect(answer.status).toBe(401);
    expect(JSON.parse(answer.text).reason).toMatch(/more than 5 minutes/);
    expect((await everyStoredText(twin)).length).toBe(before);
  });

  it('quarantines malformed bodies with their error, answering 200 so HubSpot stops retrying', async () => {
    const notArray = '{"objectId": 9030, "subscriptionType": "company.creation"}';
    const answer = await post(twin, 'hubspot', notArray, headersFor(notArray));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.text).status).toBe('quarantined');

    const noTime = JSON.stringify([
      {
        subscriptionType: 'contact.propertyChange',
        portalId: PORTAL,
        objectId: 9031,
        propertyName: 'email',
        propertyValue: 'x@y.example',
      },
    ]);
    const second = await post(twin, 'hubspot', noTime, headersFor(noTime));
    expect(second.status).toBe(200);
    expect(JSON.parse(second.text).status).toBe('quarantined');

    const quarantined = await allQuarantined(twin);
    const first = quarantined.filter((q) => q.body.includes('9030'));
    expect(first).toHaveLength(1);
    expect(first[0]?.error).toMatch(/not a JSON array/);
    const kept = quarantined.filter((q) => q.body.includes('9031'));
    expect(kept).toHaveLength(1);
    expect(kept[0]?.problems.map((p) => p.path)).toEqual(['[0].occurredAt']);
    expect(kept[0]?.body).not.toContain('x@y.example');
    expect(await readEntity(twin, 'company#hubspot:9030')).toBeUndefined();
    expect(await readEntity(twin, 'contact#hubspot:9031')).toBeUndefined();
  });

  it('projects the valid items of a partly valid delivery and quarantines the others', async () => {
    const { status, json } = await send(twin, [
      classic('contact.creation', 601, T0),
      { ...classic('contact.creation', 602, T0), portalId: 62515 },
      change('deal', 7002, T0, 'dealstage', 'not-a-stage'),
      change('deal', 7002, T0, 'amount', 'forty-two'),
    ]);
    expect(status).toBe(200);
    // An unmapped stage is no problem: the deal keeps it, and data health lists the deal.
    expect(json).toMatchObject({ status: 'accepted', events: 2, problems: 2 });
    expect((await readEntity(twin, 'contact#hubspot:601'))?.firstAt).toBe(T0);
    expect(await readEntity(twin, 'contact#hubspot:602')).toBeUndefined();
    const deal = await readEntity(twin, 'deal#hubspot:7002');
    expect(deal && fieldValue(deal, 'stage')).toBe('not-a-stage');
    expect(deal && fieldValue(deal, 'amount')).toBeUndefined();
    const kept = (await allQuarantined(twin)).filter((q) => q.body.includes('62515'));
    expect(kept).toHaveLength(1);
    expect(kept[0]?.problems).toEqual([
      { path: '[1].portalId', message: 'the event is not from the configured HubSpot portal 33' },
      { path: '[3].propertyValue', message: expect.stringMatching(/expected a number/) },
    ]);
  });

  it('answers a repeated delivery as a duplicate and writes no entity again', async () => {
    const items = [classic('company.creation', 9040, T0), change('company', 9040, T0, 'name', 'Initech')];
    expect((await send(twin, items)).json.status).toBe('accepted');
    const writesBefore = twin.store.counters.writes;
    const again = await send(twin, items);
    expect(again.status).toBe(200);
    expect(again.json.status).toBe('duplicate');
    // Only the conditional put of the raw delivery was attempted; the unchanged state was not rewritten.
    expect(twin.store.counters.writes - writesBefore).toBe(1);
    expect((await allRaw(twin)).filter((raw) => raw.body.includes('Initech'))).toHaveLength(1);
  });
});

describe('hubspot source: delivery order does not matter', () => {
  let inOrder: Twin;
  let outOfOrder: Twin;
  beforeAll(async () => {
    [inOrder, outOfOrder] = await Promise.all([startTestTwin(), startTestTwin()]);
  });
  afterAll(async () => {
    await Promise.all([inOrder.close(), outOfOrder.close()]);
  });

  it('gives the same entity states for one-event deliveries in a shuffled order with repeats', async () => {
    for (const item of SCENARIO) await send(inOrder, [item]);
    const mixed = shuffled(SCENARIO, 20261116);
    const repeated = [...mixed, ...shuffled(SCENARIO, 7).slice(0, 8)];
    const answers: string[] = [];
    for (const item of repeated) answers.push((await send(outOfOrder, [item])).json.status);
    expect(answers.filter((status) => status === 'duplicate')).toHaveLength(8);

    const expected = await statesOf(inOrder, SCENARIO_KEYS);
    expect(Object.values(expected).every((state) => state !== undefined)).toBe(true);
    expect(await statesOf(outOfOrder, SCENARIO_KEYS)).toEqual(expected);
    const deal = expected['deal#hubspot:7001'];
    expect(deal && fieldValue(deal, 'stage')).toBe('closedwon');
  });
});

/** The example client with `sources.hubspot` changed. */
function hubspotConfig(changes: Partial<NonNullable<ClientConfig['sources']['hubspot']>>): ClientConfig {
  const config = exampleConfig();
  const hubspot = config.sources.hubspot;
  if (!hubspot) throw new Error('the example config has no hubspot source');
  config.sources.hubspot = { ...hubspot, ...changes };
  return config;
}

const parseWith = (config: ClientConfig, items: readonly Item[]) =>
  parsedAndKept(JSON.stringify(items), { config, hashEmail: emailHasher('k'), receivedAt: T0 });

describe('hubspot source: deal stage maps', () => {
  // A custom pipeline's stages are numeric ids; the default pipeline's are names.
  const config = () => hubspotConfig({ stages: { '12345678': 'qualifiedtobuy', '12345679': 'closedwon' } });

  it('keeps the stage as HubSpot sent it, and reads a numeric id through sources.hubspot.stages', () => {
    const parsed = parseWith(config(), [
      generic('object.propertyChange', '0-3', 7101, T0, {
        propertyName: 'dealstage',
        propertyValue: '12345678',
      }),
      change('deal', 7102, T0, 'dealstage', '87654321'),
      change('deal', 7103, T0, 'dealstage', 'contractsent'),
      change('deal', 7104, T0, 'dealstage', '12345679'),
    ]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual({});
    // Stored as sent: a changed map needs no replay.
    expect(parsed.events).toEqual([
      { entity: 'deal', id: 'hubspot:7101', at: T0, fields: { stage: '12345678' } },
      { entity: 'deal', id: 'hubspot:7102', at: T0, fields: { stage: '87654321' } },
      { entity: 'deal', id: 'hubspot:7103', at: T0, fields: { stage: 'contractsent' } },
      { entity: 'deal', id: 'hubspot:7104', at: T0, fields: { stage: '12345679' } },
    ]);
    // Read: a mapped id becomes its stage, an unmapped id and a stage name stay as they are.
    const read = parsed.events.map((event) => {
      const view = dealView(applyEvents(undefined, [event]), T0, config());
      return [event.id, view.stage, view.closed?.outcome];
    });
    expect(read).toEqual([
      ['hubspot:7101', 'qualifiedtobuy', undefined],
      ['hubspot:7102', '87654321', undefined],
      ['hubspot:7103', 'contractsent', undefined],
      ['hubspot:7104', 'closedwon', 'won'],
    ]);
  });

  it('keeps the numeric id when the config has no stage map', () => {
    const parsed = parseWith(exampleConfig(), [change('deal', 7101, T0, 'dealstage', '12345678')]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.events).toEqual([
      { entity: 'deal', id: 'hubspot:7101', at: T0, fields: { stage: '12345678' } },
    ]);
    expect(canonicalDealStage(exampleConfig(), 'hubspot:7101', '12345678')).toBe('12345678');
  });

  it('stores the ids as sent and reads them through the map: a mapped stage, an unmapped id, a won close', async () => {
    const twin = await startTestTwin({ config: config() });
    try {
      const body = JSON.stringify([
        change('deal', 7105, T0, 'dealstage', '12345678'),
        change('deal', 7105, T0 + DAY, 'dealstage', '99999999'),
        change('deal', 7105, T0 + 2 * DAY, 'dealstage', '12345679'),
      ]);
      checkKept(twin, body);
      const answer = await post(twin, 'hubspot', body, headersFor(body));
      expect(JSON.parse(answer.text)).toMatchObject({ status: 'accepted', events: 3, problems: 0 });
      const deal = await readEntity(twin, 'deal#hubspot:7105');
      if (!deal) throw new Error('deal#hubspot:7105 was not stored');
      expect(deal.fields.stage?.map((entry) => entry.value)).toEqual(['12345678', '99999999', '12345679']);
      expect(deal.milestones).toEqual({ '12345678': T0, '99999999': T0 + DAY, '12345679': T0 + 2 * DAY });
      const before = dealView(deal, T0 + DAY, config());
      expect(before.stages).toEqual([
        { at: T0, stage: 'qualifiedtobuy' },
        { at: T0 + DAY, stage: '99999999' },
      ]);
      expect(before.stage).toBe('99999999');
      expect(before.closed).toBeUndefined();
      const after = dealView(deal, T0 + 2 * DAY, config());
      expect(after.stage).toBe('closedwon');
      expect(after.closed).toMatchObject({ at: T0 + 2 * DAY, outcome: 'won' });
      // The store indexes the deal as closed at the mapped won stage, no longer open.
      expect(indexTimes(deal, config())).toMatchObject({ milestone: T0 + 2 * DAY });
      expect(indexTimes(deal, config()).open).toBeUndefined();
    } finally {
      await twin.close();
    }
  });
});

describe('hubspot source: amount in home currency', () => {
  const item = (value: string) => change('deal', 7201, T0, 'amount_in_home_currency', value);

  it("reads amount_in_home_currency as homeAmount when the portal currency is the client's", () => {
    // The example client's currency is USD and sources.hubspot.homeCurrency is unset.
    const parsed = parseWith(exampleConfig(), [item('38500.25'), item('')]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.events).toEqual([
      { entity: 'deal', id: 'hubspot:7201', at: T0, fields: { homeAmount: 38500.25 } },
      { entity: 'deal', id: 'hubspot:7201', at: T0, fields: { homeAmount: null } },
    ]);
    const same = parseWith(hubspotConfig({ homeCurrency: 'USD' }), [item('100')]);
    expect(same.events[0]?.fields).toEqual({ homeAmount: 100 });
  });

  it('ignores it, with a reason, when the portal currency is another one', () => {
    const parsed = parseWith(hubspotConfig({ homeCurrency: 'EUR' }), [item('38500.25'), item('')]);
    expect(parsed.events).toEqual([]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual({ 'homeAmount:EUR': 2 });
  });

  it('follows config.currency when homeCurrency is unset', () => {
    const config = exampleConfig();
    config.currency = 'EUR';
    expect(parseWith(config, [item('7')]).events[0]?.fields).toEqual({ homeAmount: 7 });
    const usdPortal = hubspotConfig({ homeCurrency: 'USD' });
    usdPortal.currency = 'EUR';
    expect(parseWith(usdPortal, [item('7')]).ignored).toEqual({ 'homeAmount:USD': 1 });
  });

  it('reports a value that is not a number ≥ 0 as a problem, like amount', () => {
    const parsed = parseWith(exampleConfig(), [item('n/a'), item('-5'), item('12')]);
    expect(parsed.events).toEqual([
      { entity: 'deal', id: 'hubspot:7201', at: T0, fields: { homeAmount: 12 } },
    ]);
    expect(parsed.problems).toEqual([
      {
        path: '[0].propertyValue',
        message: 'expected a number ≥ 0 for homeAmount, got text that is not a number',
      },
      { path: '[1].propertyValue', message: 'expected a number ≥ 0 for homeAmount, got a negative number' },
    ]);
  });
});

describe('hubspot source: merges', () => {
  /** contact 502 and 503 into 501, company 9003 into 9001, deal 7004 into 7001 (object.merge). */
  const MERGES: Item[] = JSON.parse(
    readFileSync(new URL('../fixtures/vendor-payloads/hubspot-webhooks-merge.json', import.meta.url), 'utf8'),
  );
  const CONTACT_AT = Date.parse('2026-11-20T10:00:00Z');
  const COMPANY_AT = Date.parse('2026-11-20T10:05:00Z');
  const DEAL_AT = Date.parse('2026-11-20T10:10:00Z');

  it('links merged records to the primary without deleting them; a primary contact names each one', () => {
    const parsed = parseWith(exampleConfig(), MERGES);
    expect(parsed.problems).toEqual([]);
    expect(parsed.events).toEqual([
      { entity: 'contact', id: 'hubspot:502', at: CONTACT_AT, fields: { mergedInto: 'hubspot:501' } },
      { entity: 'contact', id: 'hubspot:501', at: CONTACT_AT, fields: { 'mergedFrom:hubspot:502': true } },
      { entity: 'contact', id: 'hubspot:503', at: CONTACT_AT, fields: { mergedInto: 'hubspot:501' } },
      { entity: 'contact', id: 'hubspot:501', at: CONTACT_AT, fields: { 'mergedFrom:hubspot:503': true } },
      { entity: 'company', id: 'hubspot:9003', at: COMPANY_AT, fields: { mergedInto: 'hubspot:9001' } },
      { entity: 'deal', id: 'hubspot:7004', at: DEAL_AT, fields: { mergedInto: 'hubspot:7001' } },
    ]);
  });

  it('projects the same states for the merges in any order, repeated, before or after the records', async () => {
    const records = [
      change('contact', 502, T0, 'jobtitle', 'VP Marketing'),
      change('contact', 501, T0, 'jobtitle', 'CMO'),
      change('company', 9003, T0, 'name', 'Globex Corp'),
      change('deal', 7004, T0, 'amount', '1000'),
    ];
    const keys = [
      'contact#hubspot:501',
      'contact#hubspot:502',
      'contact#hubspot:503',
      'company#hubspot:9001',
      'company#hubspot:9003',
      'deal#hubspot:7001',
      'deal#hubspot:7004',
    ];
    const [inOrder, mixed] = await Promise.all([startTestTwin(), startTestTwin()]);
    try {
      for (const item of [...records, ...MERGES]) await send(inOrder, [item]);
      for (const item of shuffled([...MERGES, ...records, ...MERGES], 11)) await send(mixed, [item]);
      const expected = await statesOf(inOrder, keys);
      expect(await statesOf(mixed, keys)).toEqual(expected);

      const primary = expected['contact#hubspot:501'];
      expect(primary && fieldValue(primary, 'mergedFrom:hubspot:502')).toBe(true);
      expect(primary && fieldValue(primary, 'mergedFrom:hubspot:503')).toBe(true);
      expect(primary && fieldValue(primary, 'title')).toBe('CMO');
      const merged = expected['contact#hubspot:502'];
      expect(merged && fieldValue(merged, 'mergedInto')).toBe('hubspot:501');
      expect(merged && fieldValue(merged, 'deleted')).toBeUndefined();
      expect(merged && fieldValue(merged, 'title')).toBe('VP Marketing');
      const company = expected['company#hubspot:9003'];
      expect(company && fieldValue(company, 'mergedInto')).toBe('hubspot:9001');
      expect(company && fieldValue(company, 'deleted')).toBeUndefined();
      // Only contacts carry mergedFrom: the primary company and deal get no event from a merge.
      expect(expected['company#hubspot:9001']).toBeUndefined();
      expect(expected['deal#hubspot:7001']).toBeUndefined();
      const deal = expected['deal#hubspot:7004'];
      expect(deal && fieldValue(deal, 'mergedInto')).toBe('hubspot:7001');
      expect(deal && fieldValue(deal, 'amount')).toBe(1000);
    } finally {
      await Promise.all([inOrder.close(), mixed.close()]);
    }
  });
});

describe('hubspot source: forecast properties', () => {
  // The example client's timezone is America/New_York (UTC−5 in winter, UTC−4 in summer).
  const deal = (propertyName: string, value: string) => change('deal', 7401, T0, propertyName, value);
  const fieldsOf = (items: readonly Item[]) => parseWith(exampleConfig(), items).events.map((e) => e.fields);

  it("reads closedate, an instant, as the client's local date", () => {
    expect(
      fieldsOf([
        // 03:00 UTC on Dec 31 is 22:00 on Dec 30 in New York.
        deal('closedate', String(Date.parse('2026-12-31T03:00:00Z'))),
        deal('closedate', '2026-12-31T03:00:00Z'),
        // 12:00 UTC is 07:00 the same day.
        deal('closedate', '2026-12-31T12:00:00.000Z'),
        // 03:30 UTC on Jul 1 is 23:30 EDT on Jun 30.
        deal('closedate', '2026-07-01T03:30:00Z'),
        deal('closedate', ''),
      ]),
    ).toEqual([
      { closeDate: '2026-12-30' },
      { closeDate: '2026-12-30' },
      { closeDate: '2026-12-31' },
      { closeDate: '2026-06-30' },
      { closeDate: null },
    ]);
  });

  it('reads both probabilities as 0–1 and maps the forecast categories, CLOSED to commit', () => {
    expect(
      fieldsOf([
        deal('hs_deal_stage_probability', '0.4'),
        deal('hs_forecast_probability', '0.75'),
        deal('hs_forecast_probability', ''),
        deal('hs_manual_forecast_category', 'OMIT'),
        deal('hs_manual_forecast_category', 'PIPELINE'),
        deal('hs_manual_forecast_category', 'BEST_CASE'),
        deal('hs_manual_forecast_category', 'COMMIT'),
        deal('hs_manual_forecast_category', 'CLOSED'),
        deal('hs_manual_forecast_category', ''),
      ]),
    ).toEqual([
      { probability: 0.4 },
      { probability: 0.75 },
      { probability: null },
      { forecastCategory: 'omitted' },
      { forecastCategory: 'pipeline' },
      { forecastCategory: 'best_case' },
      { forecastCategory: 'commit' },
      { forecastCategory: 'commit' },
      { forecastCategory: null },
    ]);
  });

  it('reports an out-of-range probability, an unknown category and an unreadable date as problems of their item', () => {
    const parsed = parseWith(exampleConfig(), [
      deal('hs_deal_stage_probability', '40'),
      deal('hs_forecast_probability', 'high'),
      deal('hs_manual_forecast_category', 'MAYBE'),
      deal('closedate', 'next week'),
      deal('closedate', '2026-02-30'),
      deal('hs_forecast_probability', '1'),
    ]);
    expect(parsed.events).toEqual([
      { entity: 'deal', id: 'hubspot:7401', at: T0, fields: { probability: 1 } },
    ]);
    expect(parsed.problems).toEqual([
      { path: '[0].propertyValue', message: 'expected a number from 0 to 1 for probability' },
      { path: '[1].propertyValue', message: 'expected a number from 0 to 1 for probability' },
      {
        path: '[2].propertyValue',
        message: 'expected one of OMIT, PIPELINE, BEST_CASE, COMMIT, CLOSED for forecastCategory',
      },
      {
        path: '[3].propertyValue',
        message: 'expected epoch milliseconds, an ISO-8601 time or a date YYYY-MM-DD for closeDate',
      },
      {
        path: '[4].propertyValue',
        message: 'expected epoch milliseconds, an ISO-8601 time or a date YYYY-MM-DD for closeDate',
      },
    ]);
  });

  it('lets a config map a custom date property to closeDate, kept as the date it names', () => {
    const config = hubspotConfig({ properties: { deal: { acme_expected_close: 'closeDate' } } });
    const parsed = parseWith(config, [change('deal', 7401, T0, 'acme_expected_close', '2027-01-15')]);
    expect(parsed.events.map((e) => e.fields)).toEqual([{ closeDate: '2027-01-15' }]);
  });
});
