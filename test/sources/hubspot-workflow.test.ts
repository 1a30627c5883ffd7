import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotWorkflowHeaders } from '#local/senders/hubspot.ts';
import type { Twin } from '#local/twin.ts';
import { parseClientConfig } from '#shared/config/parse.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { AuthenticationError } from '#shared/errors.ts';
import { dealView } from '#shared/metrics/views.ts';
import { emailHasher } from '#shared/privacy.ts';
import { applyEvents, fieldValue } from '#shared/projection/state.ts';
import { hubspotSignatureV2 } from '#shared/sources/hubspot-signature.ts';
import { hubspotWorkflowAdapter } from '#shared/sources/hubspot-workflow.ts';
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
  const parsed = hubspotWorkflowAdapter.parse(body, context);
  keptAndParsedTheSame(hubspotWorkflowAdapter, body, context);
  return parsed;
}

/** Every body a test sends is kept the way ingest keeps it; one ingest refuses is never kept. */
function checkKept(twin: Twin, body: string): void {
  const context = { config: twin.config, hashEmail: emailHasher('k'), receivedAt: Date.now() };
  try {
    hubspotWorkflowAdapter.parse(body, context);
  } catch {
    return;
  }
  keptAndParsedTheSame(hubspotWorkflowAdapter, body, context);
}
const T0 = Date.parse('2026-11-16T14:00:00Z');
const HOUR = 60 * 60_000;
const DAY = 24 * HOUR;

function configWith(
  workflow: Partial<NonNullable<ClientConfig['sources']['hubspot-workflow']>>,
): ClientConfig {
  const config = exampleConfig();
  const current = config.sources['hubspot-workflow'];
  if (!current) throw new Error('the example config has no hubspot-workflow source');
  config.sources['hubspot-workflow'] = { ...current, ...workflow };
  return config;
}

const parseContext = (config = exampleConfig()) => ({ config, hashEmail: emailHasher('k'), receivedAt: T0 });

describe('hubspot-workflow source: v2 signature', () => {
  // Published vectors: HubSpot docs "v2 request validation" (https://legacydocs.hubspot.com/docs/faq/v2-request-validation),
  // the same in HubSpot/hubspot-api-nodejs test/unit/signature.spec.ts and hubspot-api-php
  // tests/Unit/Utils/SignatureTest.php (see /tmp/research/vendors.md §2.2).
  const vector = {
    secret: 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
    uri: 'https://www.example.com/webhook_uri',
    body: '{"example_field":"example_value"}',
    post: '9569219f8ba981ffa6f6f16aa0f48637d35d728c7e4d93d0d52efaa512af7900',
    get: 'eee2dddcc73c94d699f5e395f4b9d454a069a6855fbfa152e91e88823087200e',
  };
  const request = (headers: Record<string, string>, overrides: Partial<WebhookRequest> = {}) => ({
    method: 'POST',
    url: vector.uri,
    headers,
    body: Buffer.from(vector.body),
    receivedAt: T0,
    ...overrides,
  });
  const signed = { 'x-hubspot-signature': vector.post, 'x-hubspot-signature-version': 'v2' };
  const context = (config = exampleConfig()) => ({ config, secrets: testSecrets(), now: T0 });

  it('signs the published POST and GET vectors to the published signatures', () => {
    expect(hubspotSignatureV2(vector.secret, 'POST', vector.uri, vector.body)).toBe(vector.post);
    expect(hubspotSignatureV2(vector.secret, 'GET', vector.uri, '')).toBe(vector.get);
  });

  it('accepts the published POST vector and refuses one changed byte', async () => {
    await expect(hubspotWorkflowAdapter.verify(request(signed), context())).resolves.toBeUndefined();
    // HubSpot's hex is lower case; an upper-cased copy is the same signature.
    const upper = { ...signed, 'x-hubspot-signature': vector.post.toUpperCase() };
    await expect(hubspotWorkflowAdapter.verify(request(upper), context())).resolves.toBeUndefined();
    const tampered = { ...signed, 'x-hubspot-signature': vector.post.replace('9569', '9568') };
    await expect(hubspotWorkflowAdapter.verify(request(tampered), context())).rejects.toThrow(
      /does not match/,
    );
    const otherUrl = request(signed, { url: 'https://www.example.com/webhook_uri2' });
    await expect(hubspotWorkflowAdapter.verify(otherUrl, context())).rejects.toThrow(AuthenticationError);
  });

  it('verifies against the configured canonical URL when called on another host', async () => {
    const internal = request(signed, { url: 'https://abc.execute-api.us-east-1.amazonaws.com/webhooks/x' });
    await expect(
      hubspotWorkflowAdapter.verify(internal, context(configWith({ canonicalUrl: vector.uri }))),
    ).resolves.toBeUndefined();
    await expect(hubspotWorkflowAdapter.verify(internal, context())).rejects.toThrow(/does not match/);
  });

  it('refuses v1 and unversioned signatures with a clear reason', async () => {
    const v1 = { 'x-hubspot-signature': vector.post, 'x-hubspot-signature-version': 'v1' };
    await expect(hubspotWorkflowAdapter.verify(request(v1), context())).rejects.toThrow(
      /X-HubSpot-Signature-Version is v1; only v2/,
    );
    await expect(
      hubspotWorkflowAdapter.verify(request({ 'x-hubspot-signature': vector.post }), context()),
    ).rejects.toThrow(/X-HubSpot-Signature-Version header missing/);
    await expect(
      hubspotWorkflowAdapter.verify(request({ 'x-hubspot-signature-version': 'v2' }), context()),
    ).rejects.toThrow(/X-HubSpot-Signature header missing/);
  });
});

describe('hubspot-workflow source: parsing a record snapshot', () => {
  it('reads a deal snapshot (flat properties, ms modification time) with the deal map', () => {
    const parsed = parsedAndKept(
      JSON.stringify({
        objectId: '7001',
        properties: {
          dealstage: 'contractsent',
          amount: '12500',
          deal_currency_code: 'EUR',
          dealname: 'Globex renewal',
          hs_lastmodifieddate: T0 + HOUR,
          createdate: String(T0 - DAY),
        },
      }),
      parseContext(configWith({ objectType: 'deal' })),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual({ 'property:deal.dealname': 1 });
    expect(parsed.events).toEqual([
      {
        entity: 'deal',
        id: 'hubspot:7001',
        at: T0 + HOUR,
        fields: { stage: 'contractsent', amount: 12500, currency: 'EUR' },
      },
      { entity: 'deal', id: 'hubspot:7001', at: T0 - DAY, fields: {} },
    ]);
  });

  it('reads a company snapshot with a config override and falls back to receivedAt without a date', () => {
    const parsed = parsedAndKept(
      JSON.stringify({
        hs_object_id: 9001,
        properties: { name: 'Globex', numberofemployees: '850', acme_region: 'UK&I', domain: '' },
      }),
      parseContext(configWith({ objectType: 'company', properties: { acme_region: 'region' } })),
    );
    expect(parsed.events).toEqual([
      {
        entity: 'company',
        id: 'hubspot:9001',
        at: T0,
        fields: { name: 'Globex', employees: 850, region: 'UK&I', domain: null },
      },
    ]);
  });

  it('reads a customised flat body (no properties key) and reports bad values as item problems', () => {
    const parsed = parsedAndKept(
      JSON.stringify({
        objectId: 7002,
        dealstage: 'not-a-stage',
        amount: 'lots',
        pipeline: 'default',
        lastmodifieddate: '2026-11-17T09:30:00Z',
      }),
      parseContext(configWith({ objectType: 'deal' })),
    );
    // A stage no map names is kept as it came (data health lists the deal), not a problem.
    expect(parsed.events).toEqual([
      {
        entity: 'deal',
        id: 'hubspot:7002',
        at: Date.parse('2026-11-17T09:30:00Z'),
        fields: { stage: 'not-a-stage', pipeline: 'default' },
      },
    ]);
    expect(parsed.problems.map((p) => p.path)).toEqual(['properties.amount']);
  });
});

describe('hubspot-workflow source: deal stages and home amount', () => {
  /** A legacy deal record ({value, timestamp, source} properties) in a custom pipeline, amount in EUR. */
  const DEAL = readFileSync(
    new URL('../fixtures/vendor-payloads/hubspot-workflow-deal.json', import.meta.url),
    'utf8',
  );
  const MODIFIED = Date.parse('2026-11-24T09:30:00Z');
  const CREATED = Date.parse('2026-11-16T09:30:00Z');

  function dealConfig(
    hubspot: Partial<NonNullable<ClientConfig['sources']['hubspot']>>,
    workflow: Partial<NonNullable<ClientConfig['sources']['hubspot-workflow']>> = {},
  ): ClientConfig {
    const config = configWith({ objectType: 'deal', ...workflow });
    const current = config.sources.hubspot;
    if (!current) throw new Error('the example config has no hubspot source');
    config.sources.hubspot = { ...current, ...hubspot };
    return config;
  }

  it('keeps the stage id as sent, read through sources.hubspot.stages, and reads the home amount', () => {
    const config = dealConfig({ stages: { '12345678': 'presentationscheduled' } });
    const parsed = parsedAndKept(DEAL, parseContext(config));
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual({ 'property:deal.dealname': 1 });
    expect(parsed.events).toEqual([
      {
        entity: 'deal',
        id: 'hubspot:7301',
        at: MODIFIED,
        fields: {
          stage: '12345678',
          pipeline: '98765432',
          amount: 48000,
          currency: 'EUR',
          homeAmount: 52320.5,
        },
      },
      { entity: 'deal', id: 'hubspot:7301', at: CREATED, fields: {} },
    ]);
    const deal = dealView(applyEvents(undefined, parsed.events), MODIFIED, config);
    expect(deal.stage).toBe('presentationscheduled');
    expect(deal.stages).toEqual([{ at: MODIFIED, stage: 'presentationscheduled' }]);
  });

  it("reads the id through the workflow's own stage map over the app's, and keeps an id no map names", () => {
    const own = dealConfig(
      { stages: { '12345678': 'presentationscheduled', '12345679': 'closedwon' } },
      { stages: { '12345678': 'decisionmakerboughtin' } },
    );
    const parsed = parsedAndKept(DEAL, parseContext(own));
    expect(parsed.events[0]?.fields.stage).toBe('12345678');
    expect(dealView(applyEvents(undefined, parsed.events), MODIFIED, own).stage).toBe(
      'decisionmakerboughtin',
    );
    // The maps are joined for every hubspot deal: the workflow's wins, the app's fills the rest.
    expect(canonicalDealStage(own, 'hubspot:7301', '12345678')).toBe('decisionmakerboughtin');
    expect(canonicalDealStage(own, 'hubspot:7301', '12345679')).toBe('closedwon');
    const plain = dealConfig({});
    const none = parsedAndKept(DEAL, parseContext(plain));
    expect(none.problems).toEqual([]);
    expect(none.events[0]?.fields.stage).toBe('12345678');
    expect(dealView(applyEvents(undefined, none.events), MODIFIED, plain).stage).toBe('12345678');
  });

  it("ignores the home amount when the portal currency is not the client's", () => {
    const parsed = parsedAndKept(DEAL, parseContext(dealConfig({ homeCurrency: 'EUR' })));
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual({ 'property:deal.dealname': 1, 'homeAmount:EUR': 1 });
    expect(parsed.events[0]?.fields).toEqual({
      stage: '12345678',
      pipeline: '98765432',
      amount: 48000,
      currency: 'EUR',
    });
  });
});

describe('hubspot-workflow source through samepage serve', () => {
  let twin: Twin;
  let uri: string;
  beforeAll(async () => {
    twin = await startTestTwin();
    // The example config has no canonicalUrl for the workflow source: the called URL is signed.
    uri = `${twin.server?.url}/webhooks/hubspot-workflow`;
  });
  afterAll(() => twin.close());

  const send = async (target: Twin, record: unknown) => {
    const body = JSON.stringify(record);
    const headers = hubspotWorkflowHeaders(body, SECRET, {
      uri: `${target.server?.url}/webhooks/hubspot-workflow`,
    });
    checkKept(target, body);
    const answer = await post(target, 'hubspot-workflow', body, headers);
    return { status: answer.status, json: JSON.parse(answer.text) };
  };

  it('projects a legacy contact snapshot, then a later flat one', async () => {
    const first = await send(twin, {
      vid: 501,
      'portal-id': 33,
      properties: {
        email: { value: 'pat@globex.example' },
        lifecyclestage: { value: 'marketingqualifiedlead' },
        hs_lead_status: { value: 'NEW' },
        hs_analytics_source: { value: 'PAID_SOCIAL' },
        jobtitle: { value: 'VP Marketing' },
        hs_seniority: { value: 'vp' },
        associatedcompanyid: { value: '9001' },
        hubspot_owner_id: { value: '77' },
        firstname: { value: 'Pat' },
        createdate: { value: String(T0 - HOUR) },
        lastmodifieddate: { value: String(T0) },
      },
    });
    expect(first.status).toBe(200);
    // firstname and the unmapped lead status NEW are ignored.
    expect(first.json).toMatchObject({ status: 'accepted', events: 2, problems: 0, ignored: 2 });

    const later = await send(twin, {
      objectId: 501,
      properties: {
        lifecyclestage: 'salesqualifiedlead',
        hs_lead_status: 'UNQUALIFIED',
        disqualification_reason: 'no budget',
        jobtitle: '',
        lastmodifieddate: '2026-11-20T10:00:00Z',
      },
    });
    expect(later.json).toMatchObject({ status: 'accepted', events: 1, problems: 0, ignored: 0 });

    const contact = await readEntity(twin, 'contact#hubspot:501');
    expect(contact?.firstAt).toBe(T0 - HOUR);
    // In one snapshot a mapped lead status (listed after lifecyclestage in the map) wins the stage.
    expect(contact?.milestones).toEqual({ mql: T0, disqualified: Date.parse('2026-11-20T10:00:00Z') });
    expect(contact && fieldValue(contact, 'reason')).toBe('no budget');
    expect(contact && fieldValue(contact, 'title')).toBeNull();
    expect(contact && fieldValue(contact, 'title', T0)).toBe('VP Marketing');
    expect(contact && fieldValue(contact, 'seniority')).toBe('vp');
    expect(contact && fieldValue(contact, 'owner')).toBe('77');
    expect(contact && fieldValue(contact, 'source')).toBe('PAID_SOCIAL');
    expect(contact && fieldValue(contact, 'companyId')).toBe('hubspot:9001');
    expect(contact && fieldValue(contact, 'emailHash')).toBe(
      emailHasher(TEST_SECRETS['acme/email-hash-key'])('pat@globex.example'),
    );
  });

  it('keeps no raw email address anywhere in the store', async () => {
    const texts = await everyStoredText(twin);
    expect(texts.some((text) => text.includes('pat@globex.example'))).toBe(false);
    expect(texts.some((text) => text.includes('@'))).toBe(false);
  });

  it('refuses a wrong, missing or v1 signature with a reason and stores nothing', async () => {
    const before = (await everyStoredText(twin)).length;
    const body = JSON.stringify({ objectId: 520, properties: { jobtitle: 'CTO' } });
    const wrong = await post(
      twin,
      'hubspot-workflow',
      body,
      hubspotWorkflowHeaders(body, 'other-secret', { uri }),
    );
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).reason).toMatch(/X-HubSpot-Signature \(v2\) does not match/);

    const missing = await post(twin, 'hubspot-workflow', body, { 'content-type': 'application/json' });
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text).reason).toMatch(/X-HubSpot-Signature-Version header missing/);

    const v1Headers = {
      ...hubspotWorkflowHeaders(body, SECRET, { uri }),
      'x-hubspot-signature-version': 'v1',
    };
    const v1 = await post(twin, 'hubspot-workflow', body, v1Headers);
    expect(v1.status).toBe(401);
    expect(JSON.parse(v1.text).reason).toMatch(/only v2/);

    expect((await everyStoredText(twin)).length).toBe(before);
    expect(await readEntity(twin, 'contact#hubspot:520')).toBeUndefined();
  });

  it('quarantines malformed bodies with their error, answering 200', async () => {
    const array = await send(twin, [{ objectId: 530 }]);
    expect(array.status).toBe(200);
    expect(array.json.status).toBe('quarantined');
    const noId = await send(twin, {
      properties: { email: { value: 'x@y.example' }, jobtitle: { value: 'CFO-531' } },
    });
    expect(noId.status).toBe(200);
    expect(noId.json.status).toBe('quarantined');
    const badDate = await send(twin, { objectId: 532, properties: { lastmodifieddate: 'last tuesday' } });
    expect(badDate.json.status).toBe('quarantined');

    const quarantined = await allQuarantined(twin);
    expect(quarantined.find((q) => q.body.includes('"objectId":530'))?.error).toMatch(/not a JSON object/);
    const kept = quarantined.find((q) => q.body.includes('CFO-531'));
    expect(kept?.problems.map((p) => p.path)).toEqual(['objectId']);
    expect(kept?.body).not.toContain('x@y.example');
    expect(quarantined.find((q) => q.body.includes('"objectId":532'))?.problems.map((p) => p.path)).toEqual([
      'properties.lastmodifieddate',
    ]);
    expect(await readEntity(twin, 'contact#hubspot:530')).toBeUndefined();
    expect(await readEntity(twin, 'contact#hubspot:532')).toBeUndefined();
  });

  it('answers a repeated delivery as a duplicate and writes no entity again', async () => {
    const record = { objectId: 540, properties: { jobtitle: 'Head of Ops', lastmodifieddate: String(T0) } };
    expect((await send(twin, record)).json.status).toBe('accepted');
    const writesBefore = twin.store.counters.writes;
    const again = await send(twin, record);
    expect(again.status).toBe(200);
    expect(again.json.status).toBe('duplicate');
    expect(twin.store.counters.writes - writesBefore).toBe(1);
    expect((await allRaw(twin)).filter((raw) => raw.body.includes('Head of Ops'))).toHaveLength(1);
  });

  describe('delivery order does not matter', () => {
    let inOrder: Twin;
    let outOfOrder: Twin;
    beforeAll(async () => {
      [inOrder, outOfOrder] = await Promise.all([startTestTwin(), startTestTwin()]);
    });
    afterAll(async () => {
      await Promise.all([inOrder.close(), outOfOrder.close()]);
    });

    const snapshots = [
      {
        objectId: 601,
        properties: {
          lifecyclestage: 'lead',
          hs_analytics_source: 'EVENT',
          createdate: String(T0),
          lastmodifieddate: String(T0),
        },
      },
      {
        objectId: 601,
        properties: {
          lifecyclestage: 'marketingqualifiedlead',
          hubspot_owner_id: '7',
          lastmodifieddate: String(T0 + DAY),
        },
      },
      {
        objectId: 601,
        properties: {
          lifecyclestage: 'salesqualifiedlead',
          jobtitle: 'CTO',
          lastmodifieddate: String(T0 + 2 * DAY),
        },
      },
      {
        objectId: 601,
        properties: {
          lifecyclestage: 'customer',
          hubspot_owner_id: '8',
          lastmodifieddate: String(T0 + 9 * DAY),
        },
      },
      {
        objectId: 602,
        properties: {
          lifecyclestage: 'marketingqualifiedlead',
          email: 'sam@initech.example',
          lastmodifieddate: String(T0 + HOUR),
        },
      },
      {
        objectId: 602,
        properties: {
          hs_lead_status: 'BAD_TIMING',
          disqualification_reason: 'timing',
          lastmodifieddate: String(T0 + 3 * DAY),
        },
      },
      {
        objectId: 602,
        properties: {
          hs_lead_status: 'BAD_TIMING',
          disqualification_reason: '',
          lastmodifieddate: String(T0 + 4 * DAY),
        },
      },
    ];
    const keys = ['contact#hubspot:601', 'contact#hubspot:602'];

    it('gives the same entity states for snapshots delivered shuffled with repeats', async () => {
      for (const record of snapshots) await send(inOrder, record);
      const repeated = [...shuffled(snapshots, 42), ...shuffled(snapshots, 3).slice(0, 3)];
      const statuses: string[] = [];
      for (const record of repeated) statuses.push((await send(outOfOrder, record)).json.status);
      expect(statuses.filter((status) => status === 'duplicate')).toHaveLength(3);

      const expected = await statesOf(inOrder, keys);
      expect(await statesOf(outOfOrder, keys)).toEqual(expected);
      const first = expected['contact#hubspot:601'];
      expect(first?.milestones).toEqual({
        lead: T0,
        mql: T0 + DAY,
        sql: T0 + 2 * DAY,
        customer: T0 + 9 * DAY,
      });
      expect(first && fieldValue(first, 'owner')).toBe('8');
      const second = expected['contact#hubspot:602'];
      expect(second?.milestones).toEqual({ mql: T0 + HOUR, disqualified: T0 + 3 * DAY });
      expect(second && fieldValue(second, 'reason')).toBeNull();
      const texts = await everyStoredText(outOfOrder);
      expect(texts.some((text) => text.includes('@'))).toBe(false);
    });
  });
});

describe('hubspot-workflow source: the portal and the exact URI (issue 13)', () => {
  let twin: Twin;
  let workflowTwin: Twin; // its workflow source names its own portal, unlike its app webhooks
  beforeAll(async () => {
    twin = await startTestTwin();
    workflowTwin = await startTestTwin({ config: configWith({ portalId: 555 }) });
  });
  afterAll(async () => {
    await Promise.all([twin.close(), workflowTwin.close()]);
  });

  /** Signs v2 over exactly the URL that is called, as HubSpot's v2 docs require. */
  const sendTo = async (target: Twin, record: unknown, query = '') => {
    const body = JSON.stringify(record);
    const uri = `${target.server?.url}/webhooks/hubspot-workflow${query}`;
    const headers = {
      'content-type': 'application/json',
      'x-hubspot-signature-version': 'v2',
      'x-hubspot-signature': hubspotSignatureV2(SECRET, 'POST', uri, body),
    };
    checkKept(target, body);
    const answer = await post(target, 'hubspot-workflow', body, headers, query);
    return { status: answer.status, json: JSON.parse(answer.text) };
  };

  it('quarantines a signed snapshot from another portal and projects nothing of it', async () => {
    // The example config's portal is sources.hubspot.portalId (33): its workflow source names none.
    for (const [key, id] of [
      ['portalId', 701],
      ['portal-id', 702],
    ] as const) {
      const answer = await sendTo(twin, { objectId: id, [key]: 999999, properties: { jobtitle: 'Forger' } });
      expect(answer.status).toBe(200);
      expect(answer.json.status).toBe('quarantined');
      expect(await readEntity(twin, `contact#hubspot:${id}`)).toBeUndefined();
      const kept = (await allQuarantined(twin)).find((q) => q.body.includes(`"objectId":${id}`));
      expect(kept?.problems.map((p) => p.path)).toEqual([key]);
    }
    // The configured portal, as a number or a string, and a body that names none are projected.
    for (const [record, id] of [
      [{ objectId: 703, portalId: 33, properties: { jobtitle: 'VP' } }, 703],
      [{ vid: 704, 'portal-id': '33', properties: { jobtitle: { value: 'VP' } } }, 704],
      [{ objectId: 705, properties: { jobtitle: 'VP' } }, 705],
    ] as const) {
      expect((await sendTo(twin, record)).json.status).toBe('accepted');
      expect(await readEntity(twin, `contact#hubspot:${id}`)).toBeDefined();
    }
  });

  it('takes the portal from the workflow source when it names one', async () => {
    expect((await sendTo(workflowTwin, { objectId: 711, portalId: 555 })).json.status).toBe('accepted');
    expect((await sendTo(workflowTwin, { objectId: 712, portalId: 33 })).json.status).toBe('quarantined');
    expect(await readEntity(workflowTwin, 'contact#hubspot:712')).toBeUndefined();
  });

  it('accepts a v2 signature over the exact URL, escapes in its query included, and no other', async () => {
    const query = '?next=https%3A%2F%2Fapp.example%2Fdone&who=a%40b';
    const exact = await sendTo(twin, { objectId: 721, properties: { jobtitle: 'VP' } }, query);
    expect(exact.status).toBe(200);
    expect(exact.json.status).toBe('accepted');

    // Signed over the URL with HubSpot's v3 escapes decoded: not what v2 covers.
    const body = JSON.stringify({ objectId: 722 });
    const called = `${twin.server?.url}/webhooks/hubspot-workflow${query}`;
    const decoded = called.replace(/%3A/g, ':').replace(/%2F/g, '/').replace(/%40/g, '@');
    const answer = await post(
      twin,
      'hubspot-workflow',
      body,
      {
        'content-type': 'application/json',
        'x-hubspot-signature-version': 'v2',
        'x-hubspot-signature': hubspotSignatureV2(SECRET, 'POST', decoded, body),
      },
      query,
    );
    expect(answer.status).toBe(401);
    expect(await readEntity(twin, 'contact#hubspot:722')).toBeUndefined();
  });

  it('needs a portal: from the workflow source, or from the app webhooks source when both are set', () => {
    const alone = exampleConfig();
    delete alone.sources.hubspot;
    expect(() => parseClientConfig(alone, 'acme.yaml')).toThrow(
      /sources\.hubspot-workflow\.portalId: required/,
    );
    const own = structuredClone(alone);
    if (own.sources['hubspot-workflow']) own.sources['hubspot-workflow'].portalId = 555;
    expect(parseClientConfig(own, 'acme.yaml').sources['hubspot-workflow']?.portalId).toBe(555);
    expect(() => parseClientConfig(exampleConfig(), 'acme.yaml')).not.toThrow();
  });
});

describe('hubspot-workflow source: forecast properties of a deal snapshot', () => {
  const MODIFIED = Date.parse('2026-11-24T09:30:00Z');
  const snapshot = (properties: Record<string, string>) =>
    JSON.stringify({ objectId: 7402, properties: { hs_lastmodifieddate: String(MODIFIED), ...properties } });
  const fieldsOf = (properties: Record<string, string>) => {
    const parsed = parsedAndKept(snapshot(properties), parseContext(configWith({ objectType: 'deal' })));
    expect(parsed.problems).toEqual([]);
    return parsed.events.map((event) => event.fields);
  };

  it("takes the forecast probability over the stage's, whatever the order in the body", () => {
    expect(
      fieldsOf({
        hs_forecast_probability: '0.75',
        hs_deal_stage_probability: '0.4',
        closedate: '2026-12-31T03:00:00Z',
        hs_manual_forecast_category: 'BEST_CASE',
      }),
    ).toEqual([{ probability: 0.75, closeDate: '2026-12-30', forecastCategory: 'best_case' }]);
  });

  it('keeps the stage probability when the forecast probability is empty, and clears when both are', () => {
    expect(fieldsOf({ hs_deal_stage_probability: '0.4', hs_forecast_probability: '' })).toEqual([
      { probability: 0.4 },
    ]);
    expect(fieldsOf({ hs_deal_stage_probability: '', hs_forecast_probability: '' })).toEqual([
      { probability: null },
    ]);
  });

  it('reports a probability above 1 under its property and keeps the other fields', () => {
    const parsed = parsedAndKept(
      snapshot({ hs_forecast_probability: '75', closedate: '2026-12-31T12:00:00Z' }),
      parseContext(configWith({ objectType: 'deal' })),
    );
    expect(parsed.problems).toEqual([
      {
        path: 'properties.hs_forecast_probability',
        message: 'expected a number from 0 to 1 for probability',
      },
    ]);
    expect(parsed.events.map((event) => event.fields)).toEqual([{ closeDate: '2026-12-31' }]);
  });
});
