import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type OutboundRecord,
  salesforceEndpointQuery,
  salesforceHeaders,
  salesforceOutboundMessage,
} from '#local/senders/salesforce.ts';
import { startTwin, type Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { AuthenticationError, ValidationError } from '#shared/errors.ts';
import { dealView } from '#shared/metrics/views.ts';
import { emailHasher, redactEmails } from '#shared/privacy.ts';
import { applyEvents, fieldValue } from '#shared/projection/state.ts';
import { salesforceAdapter } from '#shared/sources/salesforce.ts';
import type { ParseContext, ParsedDelivery, WebhookRequest } from '#shared/sources/types.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { keptAndParsedTheSame } from '../support/keep.ts';
import { shuffled, statesOf } from '../support/shuffle.ts';
import { allQuarantined, allRaw, everyStoredText } from '../support/store.ts';
import { post, readEntity, startTestTwin } from '../support/twin.ts';

/*
 * Salesforce outbound messages carry no signature and no timestamp, so there are no published
 * signature vectors to check and no "stale timestamp" case: the sender is recognised by the
 * ?token= on the URL (required) and the envelope's OrganizationId, and Salesforce itself retries
 * a message for up to 24 hours, so its age says nothing about its authenticity.
 */

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/vendor-payloads/${name}`, import.meta.url), 'utf8');
/** aspnet/WebHooks RequestBodies/Salesforce.xml: 2 Contacts, OrganizationId 012345678901234. */
const CONTACTS_FIXTURE = fixture('salesforce-outbound-message.xml');
/** aspnet/AspNetWebHooks OutboundMessage1.xml: UTF-8 BOM, 3 notifications typed sf:Lead1..3. */
const LEADS_FIXTURE = fixture('salesforce-outbound-message-leads.xml');
/** aspnet/WebHooks ResponseBodies/Salesforce.xml. */
const ACK_FIXTURE = fixture('salesforce-outbound-message-ack-response.xml');

const ORG = '00Dxx0000001gEREAY'; // clients/example.yaml
const RECEIVED = Date.parse('2026-11-16T14:05:00Z');
const hashEmail = emailHasher(TEST_SECRETS['acme/email-hash-key']);
const PATH_TOKEN = TEST_SECRETS['acme/salesforce-token'];
/** The query Salesforce sends on the example client's endpoint URL (the token is required). */
const QUERY = salesforceEndpointQuery(PATH_TOKEN);

function salesforceConfig(
  organizationId: string,
  change: (config: ClientConfig) => void = () => {},
): ClientConfig {
  const config = exampleConfig();
  config.sources.salesforce = {
    pathSecret: 'acme/salesforce-token',
    ...config.sources.salesforce,
    organizationId,
  };
  change(config);
  return config;
}

const parseContext = (config = exampleConfig()) => ({ config, hashEmail, receivedAt: RECEIVED });

/** Parses as the adapter does, after checking that the body kept for replay parses the same. */
function parsedAndKept(body: string, context: ParseContext): ParsedDelivery {
  keptAndParsedTheSame(salesforceAdapter, body, context);
  return salesforceAdapter.parse(body, context);
}

function request(
  body: string,
  url = `https://hooks.acme.example/webhooks/salesforce${QUERY}`,
): WebhookRequest {
  return { method: 'POST', url, headers: salesforceHeaders(), body: Buffer.from(body), receivedAt: RECEIVED };
}

const verifyContext = (config = exampleConfig()) => ({
  config,
  secrets: testSecrets(),
  now: RECEIVED,
});

/** Hand-written records, one of each type samepage reads plus one it does not. */
const LEAD: OutboundRecord = {
  type: 'Lead',
  fields: {
    Id: '00Q5e00000AAAAAAA1',
    CreatedDate: '2026-11-16T14:01:00.000Z',
    Email: 'pat@globex.example',
    FirstName: 'Pat',
    Title: 'VP Marketing',
    LeadSource: 'linkedin-ads',
    OwnerId: '0055e000001RRRRRR7',
    Status: 'marketingqualifiedlead',
    Company: 'Globex',
    Industry: 'Software',
    NumberOfEmployees: '120',
    Country: 'Germany',
    Region__c: 'EMEA',
    AnnualRevenue: '25000000',
    Website: 'globex.example',
    Seniority__c: 'vp',
    LastModifiedDate: '2026-11-16T14:03:00.000Z',
  },
};
const CONTACT: OutboundRecord = {
  type: 'Contact',
  fields: {
    Id: '0035e00000BBBBBBB1',
    Email: '',
    Title: null,
    AccountId: '0015e00000CCCCCCC1',
    Lifecycle_Stage__c: 'salesqualifiedlead',
    SystemModstamp: '2026-11-17T09:00:00.000Z',
  },
};
const ACCOUNT: OutboundRecord = {
  type: 'Account',
  fields: {
    Id: '0015e00000CCCCCCC1',
    Name: 'Globex',
    Website: 'https://www.Globex.example/about',
    Industry: 'Software',
    NumberOfEmployees: '850',
    BillingCountry: 'United States',
    Region__c: 'North America',
    Phone: '+1 555 0100',
    LastModifiedDate: '2026-11-16T14:00:00.000Z',
  },
};
const OPPORTUNITY: OutboundRecord = {
  type: 'Opportunity',
  fields: {
    Id: '0065e00000DDDDDDD1',
    StageName: 'qualifiedtobuy',
    Amount: '42000.00',
    CurrencyIsoCode: 'USD',
    AccountId: '0015e00000CCCCCCC1',
    ContactId: '0035e00000BBBBBBB1',
    LeadSource: 'linkedin-ads',
    OwnerId: '0055e000001RRRRRR7',
    Loss_Reason__c: null,
    LastModifiedDate: '2026-11-17T09:30:00.000Z',
  },
};
const CALL: OutboundRecord = {
  type: 'Task',
  fields: {
    Id: '00T5e00000EEEEEEE1',
    WhoId: '0035e00000BBBBBBB1',
    OwnerId: '0055e000001RRRRRR7',
    TaskSubtype: 'Call',
    Type: 'Email',
    Subject: 'Intro call',
    LastModifiedDate: '2026-11-16T15:10:00.000Z',
  },
};
const MEETING_TASK: OutboundRecord = {
  type: 'Task',
  fields: {
    Id: '00T5e00000EEEEEEE2',
    WhoId: '00Q5e00000AAAAAAA1',
    TaskSubtype: 'Task',
    Type: 'Meeting',
    LastModifiedDate: '2026-11-16T16:00:00.000Z',
  },
};
const EVENT: OutboundRecord = {
  type: 'Event',
  fields: {
    Id: '00U5e00000FFFFFFF1',
    WhoId: '0035e00000BBBBBBB1',
    OwnerId: '0055e000001RRRRRR7',
    EventSubtype: 'Event',
    LastModifiedDate: '2026-11-18T10:00:00.000Z',
  },
};
const CASE: OutboundRecord = {
  type: 'Case',
  fields: { Id: '5005e00000GGGGGGG1', Subject: 'Help', LastModifiedDate: '2026-11-18T10:00:00.000Z' },
};

describe('salesforce source: who may send (OrganizationId and path token, no signature)', () => {
  it('accepts the envelope of the configured org, comparing 15- and 18-character ids on 15', async () => {
    // The leads fixture says 0123456789ABCDENNN; its first 15 characters name the org.
    for (const configured of ['0123456789ABCDE', '0123456789ABCDENNN', '0123456789ABCDEXYZ']) {
      await expect(
        salesforceAdapter.verify(request(LEADS_FIXTURE), verifyContext(salesforceConfig(configured))),
      ).resolves.toBeUndefined();
    }
    await expect(
      salesforceAdapter.verify(request(CONTACTS_FIXTURE), verifyContext(salesforceConfig('012345678901234'))),
    ).resolves.toBeUndefined();
  });

  it('refuses another org, and compares case-sensitively', async () => {
    await expect(salesforceAdapter.verify(request(CONTACTS_FIXTURE), verifyContext())).rejects.toThrow(
      "the body's OrganizationId is not the configured organization",
    );
    const lowerCase = verifyContext(salesforceConfig('0123456789abcde'));
    await expect(salesforceAdapter.verify(request(LEADS_FIXTURE), lowerCase)).rejects.toThrow(
      AuthenticationError,
    );
  });

  it('refuses an envelope with no OrganizationId, two of them, or one that is not an id', async () => {
    const context = verifyContext(salesforceConfig('012345678901234'));
    const without = CONTACTS_FIXTURE.replace(/<OrganizationId>.*<\/OrganizationId>/, '');
    await expect(salesforceAdapter.verify(request(without), context)).rejects.toThrow(/no OrganizationId/);
    const twice = CONTACTS_FIXTURE.replace(
      '<ActionId>',
      '<!-- <OrganizationId>012345678901234</OrganizationId> --><ActionId>',
    );
    await expect(salesforceAdapter.verify(request(twice), context)).rejects.toThrow(/more than one/);
    const entity = CONTACTS_FIXTURE.replace('>012345678901234<', '>&org;<');
    await expect(salesforceAdapter.verify(request(entity), context)).rejects.toThrow(/not a 15- or 18-/);
  });

  it('requires the ?token= of the pathSecret before it reads the body', async () => {
    const config = salesforceConfig('012345678901234', (c) => {
      c.sources.salesforce = { organizationId: '012345678901234', pathSecret: 'acme/salesforce-token' };
    });
    const url = 'https://hooks.acme.example/webhooks/salesforce';
    await expect(
      salesforceAdapter.verify(request(CONTACTS_FIXTURE, url), verifyContext(config)),
    ).rejects.toThrow('no single ?token= on the endpoint URL');
    // Without the right token the body is not read: another org's envelope is refused the same way.
    await expect(
      salesforceAdapter.verify(request(LEADS_FIXTURE, url), verifyContext(config)),
    ).rejects.toThrow('no single ?token= on the endpoint URL');
    await expect(
      salesforceAdapter.verify(
        request(CONTACTS_FIXTURE, `${url}${salesforceEndpointQuery('sf-path-token-4f1c9b')}`),
        verifyContext(config),
      ),
    ).rejects.toThrow('wrong ?token= on the endpoint URL');
    await expect(
      salesforceAdapter.verify(
        request(CONTACTS_FIXTURE, `${url}${salesforceEndpointQuery(PATH_TOKEN)}`),
        verifyContext(config),
      ),
    ).resolves.toBeUndefined();
  });
});

describe('salesforce source: parsing outbound messages', () => {
  it('maps each sObject type to its entity and the default fields, at LastModifiedDate', () => {
    const body = salesforceOutboundMessage(ORG, [
      LEAD,
      CONTACT,
      ACCOUNT,
      OPPORTUNITY,
      CALL,
      MEETING_TASK,
      EVENT,
      CASE,
    ]);
    const parsed = parsedAndKept(body, parseContext());
    expect(parsed.problems).toEqual([]);
    // Company, AnnualRevenue and Website are not mapped: not counted as ignored, simply not read.
    expect(parsed.ignored).toEqual({ 'sobject:Case': 1 });
    expect(parsed.events).toEqual([
      {
        entity: 'contact',
        id: 'salesforce:00Q5e00000AAAAAAA1',
        at: Date.parse('2026-11-16T14:03:00Z'),
        fields: {
          emailHash: hashEmail('pat@globex.example'),
          title: 'VP Marketing',
          source: 'linkedin-ads',
          owner: '0055e000001RRRRRR7',
          stage: 'mql',
          seniority: 'vp',
          // The company facts a Lead carries inline.
          industry: 'Software',
          employees: 120,
          country: 'Germany',
          region: 'EMEA',
        },
      },
      // The record's CreatedDate dates the contact's creation.
      {
        entity: 'contact',
        id: 'salesforce:00Q5e00000AAAAAAA1',
        at: Date.parse('2026-11-16T14:01:00Z'),
        fields: {},
      },
      {
        entity: 'contact',
        id: 'salesforce:0035e00000BBBBBBB1',
        at: Date.parse('2026-11-17T09:00:00Z'), // SystemModstamp: no LastModifiedDate was sent
        fields: { emailHash: null, title: null, companyId: 'salesforce:0015e00000CCCCCCC1', stage: 'sql' },
      },
      {
        entity: 'company',
        id: 'salesforce:0015e00000CCCCCCC1',
        at: Date.parse('2026-11-16T14:00:00Z'),
        fields: {
          name: 'Globex',
          domain: 'globex.example',
          industry: 'Software',
          employees: 850,
          country: 'United States',
          region: 'North America',
        },
      },
      {
        entity: 'deal',
        id: 'salesforce:0065e00000DDDDDDD1',
        at: Date.parse('2026-11-17T09:30:00Z'),
        fields: {
          stage: 'qualifiedtobuy',
          amount: 42000,
          currency: 'USD',
          companyId: 'salesforce:0015e00000CCCCCCC1',
          contactIds: ['salesforce:0035e00000BBBBBBB1'],
          source: 'linkedin-ads',
          owner: '0055e000001RRRRRR7',
          reason: null,
        },
      },
      {
        entity: 'activity',
        id: 'salesforce:00T5e00000EEEEEEE1',
        at: Date.parse('2026-11-16T15:10:00Z'),
        fields: { contactId: 'salesforce:0035e00000BBBBBBB1', owner: '0055e000001RRRRRR7', kind: 'call' },
      },
      {
        entity: 'activity',
        id: 'salesforce:00T5e00000EEEEEEE2',
        at: Date.parse('2026-11-16T16:00:00Z'),
        fields: { contactId: 'salesforce:00Q5e00000AAAAAAA1', kind: 'meeting' },
      },
      {
        entity: 'activity',
        id: 'salesforce:00U5e00000FFFFFFF1',
        at: Date.parse('2026-11-18T10:00:00Z'),
        fields: { contactId: 'salesforce:0035e00000BBBBBBB1', owner: '0055e000001RRRRRR7', kind: 'other' },
      },
    ]);
  });

  it('skips a lead status the lifecycle does not map, counting it, and uses receivedAt without a time', () => {
    const body = salesforceOutboundMessage(ORG, [
      { type: 'Lead', fields: { Id: '00Q5e00000AAAAAAA2', Status: 'Open - Not Contacted', Title: 'CTO' } },
    ]);
    const parsed = parsedAndKept(body, parseContext());
    expect(parsed.ignored).toEqual({ 'unmapped-stage': 1 });
    expect(parsed.events).toEqual([
      { entity: 'contact', id: 'salesforce:00Q5e00000AAAAAAA2', at: RECEIVED, fields: { title: 'CTO' } },
    ]);
  });

  it('merges the config field maps over the defaults', () => {
    const config = salesforceConfig(ORG, (c) => {
      c.sources.salesforce = {
        organizationId: ORG,
        pathSecret: 'acme/salesforce-token',
        fields: { Contact: { Level__c: 'seniority', Title: 'reason' }, Opportunity: { Type: 'pipeline' } },
      };
    });
    const body = salesforceOutboundMessage(ORG, [
      {
        type: 'Contact',
        fields: {
          Id: '0035e00000BBBBBBB2',
          Title: 'Wrong fit',
          Level__c: 'director',
          LastModifiedDate: '2026-11-16T10:00:00Z',
        },
      },
      {
        type: 'Opportunity',
        fields: { Id: '0065e00000DDDDDDD2', Type: 'New Business', LastModifiedDate: '2026-11-16T10:00:00Z' },
      },
    ]);
    expect(parsedAndKept(body, parseContext(config)).events.map((e) => e.fields)).toEqual([
      { reason: 'Wrong fit', seniority: 'director' },
      { pipeline: 'New Business' },
    ]);
  });

  it('keeps valid notifications and reports bad values as item problems', () => {
    const body = salesforceOutboundMessage(ORG, [
      { type: 'Opportunity', fields: { Id: '0065e00000DDDDDDD3', Amount: 'lots' } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC2', Name: 'Initech' } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC3', NumberOfEmployees: '12.5' } },
    ]);
    const parsed = parsedAndKept(body, parseContext());
    expect(parsed.events).toEqual([
      { entity: 'company', id: 'salesforce:0015e00000CCCCCCC2', at: RECEIVED, fields: { name: 'Initech' } },
    ]);
    expect(parsed.problems.map((p) => p.path)).toEqual([
      'Notification[0].sObject.Amount',
      'Notification[2].sObject.NumberOfEmployees',
    ]);
  });

  it('keeps StageName as sent, read through sources.salesforce.stages, a stage no map names as it is', () => {
    const config = salesforceConfig(ORG, (c) => {
      c.sources.salesforce = {
        organizationId: ORG,
        pathSecret: 'acme/salesforce-token',
        stages: { 'Closed Won': 'closedwon', 'Needs Analysis': 'qualifiedtobuy' },
      };
    });
    const opportunity = (id: string, stage: string): OutboundRecord => ({
      type: 'Opportunity',
      fields: { Id: id, StageName: stage, LastModifiedDate: '2026-11-16T10:00:00.000Z' },
    });
    const body = salesforceOutboundMessage(ORG, [
      opportunity('0065e00000DDDDDD10', 'Closed Won'),
      opportunity('0065e00000DDDDDD11', 'Needs Analysis'),
      opportunity('0065e00000DDDDDD12', 'contractsent'), // already a deal stage of the client
      opportunity('0065e00000DDDDDD13', 'Prospecting'), // neither: kept, listed by data health
    ]);
    const parsed = parsedAndKept(body, parseContext(config));
    expect(parsed.problems).toEqual([]);
    // Stored as sent, map or no map.
    const sent = [
      ['salesforce:0065e00000DDDDDD10', 'Closed Won'],
      ['salesforce:0065e00000DDDDDD11', 'Needs Analysis'],
      ['salesforce:0065e00000DDDDDD12', 'contractsent'],
      ['salesforce:0065e00000DDDDDD13', 'Prospecting'],
    ];
    expect(parsed.events.map((event) => [event.id, event.fields.stage])).toEqual(sent);
    const plain = parsedAndKept(body, parseContext());
    expect(plain.problems).toEqual([]);
    expect(plain.events.map((event) => [event.id, event.fields.stage])).toEqual(sent);
    // Read through the map: a mapped label becomes its stage, a stage name and an unmapped label stay.
    const read = (events: typeof parsed.events, definitions: ClientConfig) =>
      events.map((event) => {
        const view = dealView(applyEvents(undefined, [event]), RECEIVED, definitions);
        return [view.stage, view.closed?.outcome];
      });
    expect(read(parsed.events, config)).toEqual([
      ['closedwon', 'won'],
      ['qualifiedtobuy', undefined],
      ['contractsent', undefined],
      ['Prospecting', undefined],
    ]);
    // Without a stage map the value reads as it came.
    expect(read(plain.events, exampleConfig())).toEqual([
      ['Closed Won', undefined],
      ['Needs Analysis', undefined],
      ['contractsent', undefined],
      ['Prospecting', undefined],
    ]);
  });

  it('throws when no notification is valid, or when there are more than 100', () => {
    const bad = salesforceOutboundMessage(ORG, [
      { type: 'Opportunity', fields: { Id: '0065e00000DDDDDDD3', Amount: '-5' } },
    ]);
    expect(() => parsedAndKept(bad, parseContext())).toThrow(ValidationError);
    const account = (n: number): OutboundRecord => ({
      type: 'Account',
      fields: { Id: `0015e0000${String(n).padStart(9, '0')}`, Name: `Co ${n}` },
    });
    const hundred = Array.from({ length: 100 }, (_, n) => account(n));
    expect(parsedAndKept(salesforceOutboundMessage(ORG, hundred), parseContext()).events).toHaveLength(100);
    const tooMany = salesforceOutboundMessage(ORG, [...hundred, account(100)]);
    expect(() => parsedAndKept(tooMany, parseContext())).toThrow(/101 notifications/);
  });

  it('refuses a DOCTYPE or ENTITY declaration unexpanded, and malformed XML', () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
${salesforceOutboundMessage(ORG, [ACCOUNT]).replace('<?xml version="1.0" encoding="UTF-8"?>\n', '').replace('>Globex<', '>&lol3;<')}`;
    expect(() => parsedAndKept(bomb, parseContext())).toThrow(/DOCTYPE or an entity/);
    expect(() => parsedAndKept(CONTACTS_FIXTURE.replace('</sf:Title>', ''), parseContext())).toThrow(
      /not well-formed XML/,
    );
    expect(() => parsedAndKept('{"events": []}', parseContext())).toThrow(ValidationError);
    expect(() => parsedAndKept('<Envelope><Body><other/></Body></Envelope>', parseContext())).toThrow(
      /notifications/,
    );
  });

  it('decodes XML escapes once, strips the BOM and reads any namespace prefix', () => {
    const body = salesforceOutboundMessage(ORG, [
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC4', Name: 'AT&T &#64;', Industry: 'Telecom' } },
    ])
      .replace('>Telecom<', '>Caf&#233; &#x41;<')
      .replaceAll('sf:', 'ns1:');
    const parsed = parsedAndKept(`\uFEFF${body}`, parseContext());
    expect(parsed.events[0]?.fields).toEqual({ name: 'AT&T &#64;', industry: 'Café A' });
  });

  it('re-parses a redacted body (as replay does) to the same email hash', () => {
    const body = salesforceOutboundMessage(ORG, [LEAD]);
    const redacted = redactEmails(body, hashEmail);
    expect(redacted).not.toContain('pat@globex.example');
    expect(parsedAndKept(redacted, parseContext()).events[0]?.fields.emailHash).toBe(
      hashEmail('pat@globex.example'),
    );
  });

  it('answers the Ack of the fixture, also for a quarantined delivery', () => {
    for (const status of ['accepted', 'duplicate', 'quarantined'] as const) {
      const answer = salesforceAdapter.answer({ status, events: 0, problems: 0, ignored: 0 });
      expect(answer.statusCode).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/xml/);
      expect(answer.body).toBe(ACK_FIXTURE);
    }
  });
});

describe('salesforce source through samepage serve', () => {
  let contactsTwin: Twin; // configured with the contacts fixture's org
  let leadsTwin: Twin; // configured with the leads fixture's org, 15 characters, and a path token
  const clock = () => RECEIVED;

  beforeAll(async () => {
    contactsTwin = await startTestTwin({ config: salesforceConfig('012345678901234'), clock });
    leadsTwin = await startTwin({
      config: salesforceConfig('0123456789ABCDE', (c) => {
        c.sources.salesforce = { organizationId: '0123456789ABCDE', pathSecret: 'acme/salesforce-token' };
        c.lifecycle.lead = ['Open - Not Contacted'];
      }),
      secrets: testSecrets(),
      clock,
    });
  });
  afterAll(async () => {
    await contactsTwin.close();
    await leadsTwin.close();
  });

  const leadsQuery = salesforceEndpointQuery(PATH_TOKEN);

  it('projects the 2-Contact fixture and answers the fixture Ack', async () => {
    const answer = await post(contactsTwin, 'salesforce', CONTACTS_FIXTURE, salesforceHeaders(), QUERY);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(answer.text).toBe(ACK_FIXTURE);
    expect(answer.headers.get('x-samepage-status')).toBe('accepted');

    // No LastModifiedDate in the fixture: the state is as of receipt, the creation from CreatedDate.
    const black = await readEntity(contactsTwin, 'contact#salesforce:0031I0000081tbPQAQ');
    expect(black?.firstAt).toBe(Date.parse('2017-12-11T21:49:24.000Z'));
    expect(black?.fields.title).toEqual([{ at: RECEIVED, value: 'White' }]);
    expect(black?.fields.emailHash).toBeUndefined();
    const bunting = await readEntity(contactsTwin, 'contact#salesforce:0031I0000081tb0QAA');
    expect(bunting?.firstAt).toBe(Date.parse('2017-12-11T21:44:55.000Z'));
    expect(bunting && fieldValue(bunting, 'title')).toBe('Supreme Being');
    expect(bunting && fieldValue(bunting, 'emailHash')).toBe(hashEmail('drb24@cornell.edu'));
    expect(bunting?.milestones).toEqual({});

    const texts = await everyStoredText(contactsTwin);
    expect(texts.some((text) => text.includes('cornell.edu'))).toBe(false);
    const raw = (await allRaw(contactsTwin)).filter((r) => r.body.includes('0031I0000081tb0QAA'));
    expect(raw).toHaveLength(1);
    expect(raw[0]?.body).toContain(`<sf:Email>emailhash:${hashEmail('drb24@cornell.edu')}</sf:Email>`);
  });

  it('acknowledges the BOM-prefixed leads fixture; its sf:Lead1..3 types are not Salesforce objects', async () => {
    const answer = await post(leadsTwin, 'salesforce', LEADS_FIXTURE, salesforceHeaders(), leadsQuery);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(ACK_FIXTURE);
    expect(answer.headers.get('x-samepage-status')).toBe('accepted');
    expect(await readEntity(leadsTwin, 'contact#salesforce:0123456789ABCDEEAE')).toBeUndefined();
    const parsed = parsedAndKept(LEADS_FIXTURE, parseContext(leadsTwin.config));
    expect(parsed).toEqual({
      events: [],
      problems: [],
      ignored: { 'sobject:Lead1': 1, 'sobject:Lead2': 1, 'sobject:Lead3': 1 },
    });
    const kept = await allRaw(leadsTwin);
    expect(kept).toHaveLength(1);
    // What is kept is the message reduced to what samepage reads: no BOM, no names, no SessionId.
    expect(kept[0]?.body.startsWith('<?xml')).toBe(true);
    expect(kept[0]?.body).not.toContain('Henrik');
    expect(kept[0]?.body).not.toContain('<SessionId>');
  });

  it('projects the leads fixture with its obfuscated types restored to sf:Lead', async () => {
    // The upstream fixture renamed the type to sf:Lead1..3; Salesforce sends sf:Lead.
    const leads = LEADS_FIXTURE.replace(/xsi:type="sf:Lead\d"/g, 'xsi:type="sf:Lead"');
    const answer = await post(leadsTwin, 'salesforce', leads, salesforceHeaders(), leadsQuery);
    expect(answer.text).toBe(ACK_FIXTURE);
    const modified = Date.parse('2015-08-14T18:27:02.000Z');
    for (const id of ['0123456789ABCDEEAE', '1123456789ABCDEEAE', '2123456789ABCDEEAE']) {
      const lead = await readEntity(leadsTwin, `contact#salesforce:${id}`);
      expect(lead?.firstAt).toBe(modified);
      expect(lead?.fields).toEqual({
        title: [{ at: modified, value: 'Architect' }],
        source: [{ at: modified, value: 'Web' }],
        owner: [{ at: modified, value: '1123456789ABCDEAAW' }],
        stage: [{ at: modified, value: 'lead' }], // "Open - Not Contacted" via this twin's lifecycle
        industry: [{ at: modified, value: 'Technology' }], // the lead's inline company facts
        country: [{ at: modified, value: 'USA' }],
      });
      expect(lead?.milestones).toEqual({ lead: modified });
    }
  });

  it('refuses another org with 401 and a reason, storing nothing', async () => {
    const before = (await everyStoredText(leadsTwin)).length;
    const answer = await post(leadsTwin, 'salesforce', CONTACTS_FIXTURE, salesforceHeaders(), leadsQuery);
    expect(answer.status).toBe(401);
    // Said in the words of a wrong token: the answer neither names an org id nor says which was wrong.
    expect(JSON.parse(answer.text)).toEqual({
      error: 'unauthorized',
      check: 'credentials',
      reason: 'wrong ?token= or OrganizationId',
    });
    expect((await everyStoredText(leadsTwin)).length).toBe(before);
  });

  it('refuses a missing or wrong path token with 401, storing nothing', async () => {
    const before = (await everyStoredText(leadsTwin)).length;
    const missing = await post(leadsTwin, 'salesforce', LEADS_FIXTURE, salesforceHeaders());
    expect(missing.status).toBe(401);
    expect(JSON.parse(missing.text).reason).toMatch(/no single \?token=/);
    const wrong = await post(
      leadsTwin,
      'salesforce',
      LEADS_FIXTURE,
      salesforceHeaders(),
      salesforceEndpointQuery(`${PATH_TOKEN}x`),
    );
    expect(wrong.status).toBe(401);
    expect(JSON.parse(wrong.text).reason).toMatch(/wrong \?token=/);
    expect((await everyStoredText(leadsTwin)).length).toBe(before);
  });

  it('quarantines an XML bomb without expanding it, answering the Ack', async () => {
    const bomb = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>
<notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>012345678901234</OrganizationId>
<Notification><Id>04l000000000BOMB</Id><sObject xsi:type="sf:Account" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">
<sf:Id>0015e00000BOMBBB1</sf:Id><sf:Name>&lol3;</sf:Name></sObject></Notification></notifications>
</soapenv:Body></soapenv:Envelope>`;
    const answer = await post(contactsTwin, 'salesforce', bomb, salesforceHeaders(), QUERY);
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(ACK_FIXTURE);
    expect(answer.headers.get('x-samepage-status')).toBe('quarantined');
    const quarantined = (await allQuarantined(contactsTwin)).filter((q) => q.body.includes('BOMB'));
    expect(quarantined).toHaveLength(1);
    expect(quarantined[0]?.error).toMatch(/DOCTYPE or an entity/);
    expect(quarantined[0]?.body).toBe(bomb); // kept as sent: nothing was expanded
    expect(await readEntity(contactsTwin, 'company#salesforce:0015e00000BOMBBB1')).toBeUndefined();
  });

  it('quarantines malformed XML with its error, answering the Ack', async () => {
    const malformed = CONTACTS_FIXTURE.replace('<sf:Title>White</sf:Title>', '<sf:Title>White</sf:Titel>')
      .replaceAll('0031I0000081tbPQAQ', '0031I0000081MALFRM')
      .replaceAll('0031I0000081tb0QAA', '0031I0000081MALFR2');
    const answer = await post(contactsTwin, 'salesforce', malformed, salesforceHeaders(), QUERY);
    expect(answer.text).toBe(ACK_FIXTURE);
    expect(answer.headers.get('x-samepage-status')).toBe('quarantined');
    const quarantined = (await allQuarantined(contactsTwin)).filter((q) => q.body.includes('MALFRM'));
    expect(quarantined).toHaveLength(1);
    // Where, and what kind of fault: the tag names the body holds are not quoted.
    expect(quarantined[0]?.error).toBe(
      'body is not well-formed XML: a tag is malformed, not closed or closed out of order (line 16, column 21)',
    );
    expect(quarantined[0]?.body).not.toContain('cornell.edu');
    expect(await readEntity(contactsTwin, 'contact#salesforce:0031I0000081MALFRM')).toBeUndefined();
    expect(await readEntity(contactsTwin, 'contact#salesforce:0031I0000081MALFR2')).toBeUndefined();
  });

  it('times a repeat of a record without LastModifiedDate by its first receipt, changing nothing', async () => {
    let now = RECEIVED;
    const twin = await startTestTwin({ config: salesforceConfig('012345678901234'), clock: () => now });
    try {
      await post(twin, 'salesforce', CONTACTS_FIXTURE, salesforceHeaders(), QUERY);
      const keys = ['contact#salesforce:0031I0000081tbPQAQ', 'contact#salesforce:0031I0000081tb0QAA'];
      const first = await statesOf(twin, keys);
      // The fixture has CreatedDate but no LastModifiedDate: its fields are timed at the receipt.
      const fieldTimes = Object.values(first[keys[0] as string]?.fields ?? {}).map(
        (history) => history[0]?.at,
      );
      expect(fieldTimes).toContain(RECEIVED);
      now = RECEIVED + 3_600_000;
      const writesBefore = twin.store.counters.writes;
      const again = await post(twin, 'salesforce', CONTACTS_FIXTURE, salesforceHeaders(), QUERY);
      expect(again.headers.get('x-samepage-status')).toBe('duplicate');
      expect(await statesOf(twin, keys)).toEqual(first);
      // The raw delivery's put (refused as a duplicate) and, an hour after the first, the source's
      // freshness marker: no entity is written again.
      expect(twin.store.counters.writes - writesBefore).toBe(2);
    } finally {
      await twin.close();
    }
  });

  it('answers a repeated delivery as a duplicate and writes no entity again', async () => {
    const body = salesforceOutboundMessage('012345678901234', [ACCOUNT, OPPORTUNITY]);
    await post(contactsTwin, 'salesforce', body, salesforceHeaders(), QUERY);
    const writesBefore = contactsTwin.store.counters.writes;
    const again = await post(contactsTwin, 'salesforce', body, salesforceHeaders(), QUERY);
    expect(again.text).toBe(ACK_FIXTURE);
    expect(again.headers.get('x-samepage-status')).toBe('duplicate');
    // Only the conditional put of the raw delivery was attempted.
    expect(contactsTwin.store.counters.writes - writesBefore).toBe(1);
    expect(
      (await allRaw(contactsTwin)).filter((raw) => raw.body.includes('0065e00000DDDDDDD1')),
    ).toHaveLength(1);
    const deal = await readEntity(contactsTwin, 'deal#salesforce:0065e00000DDDDDDD1');
    expect(deal && fieldValue(deal, 'amount')).toBe(42000);
    expect(deal && fieldValue(deal, 'companyId')).toBe('salesforce:0015e00000CCCCCCC1');
  });

  it('gives the same states whatever the order and repetition of the messages', async () => {
    const org = '012345678901234';
    const contact = (at: string, stage: string, title: string): OutboundRecord => ({
      type: 'Contact',
      fields: {
        Id: '0035e00000SSSSSSS1',
        CreatedDate: '2026-09-30T08:00:00.000Z',
        Email: 'sam@initech.example',
        AccountId: '0015e00000SSSSSSS2',
        Title: title,
        Lifecycle_Stage__c: stage,
        LastModifiedDate: at,
      },
    });
    const lead = (at: string, status: string, reason: string | null): OutboundRecord => ({
      type: 'Lead',
      fields: {
        Id: '00Q5e00000SSSSSSS3',
        Email: 'kim@initech.example',
        Status: status,
        Disqualification_Reason__c: reason,
        LastModifiedDate: at,
      },
    });
    const account = (at: string, employees: string): OutboundRecord => ({
      type: 'Account',
      fields: {
        Id: '0015e00000SSSSSSS2',
        Name: 'Initech',
        NumberOfEmployees: employees,
        LastModifiedDate: at,
      },
    });
    const deal = (at: string, stage: string, amount: string): OutboundRecord => ({
      type: 'Opportunity',
      fields: {
        Id: '0065e00000SSSSSSS4',
        StageName: stage,
        Amount: amount,
        AccountId: '0015e00000SSSSSSS2',
        ContactId: '0035e00000SSSSSSS1',
        LastModifiedDate: at,
      },
    });
    const records = [
      contact('2026-10-01T10:00:00.000Z', 'marketingqualifiedlead', 'Analyst'),
      contact('2026-10-03T10:00:00.000Z', 'salesqualifiedlead', 'Senior Analyst'),
      lead('2026-10-02T10:00:00.000Z', 'marketingqualifiedlead', null),
      lead('2026-10-05T10:00:00.000Z', 'UNQUALIFIED', 'no budget'),
      account('2026-10-01T09:00:00.000Z', '120'),
      account('2026-10-04T09:00:00.000Z', '250'),
      deal('2026-10-05T12:00:00.000Z', 'qualifiedtobuy', '20000'),
      deal('2026-10-20T12:00:00.000Z', 'closedwon', '25000'),
      {
        type: 'Task',
        fields: {
          Id: '00T5e00000SSSSSSS5',
          WhoId: '0035e00000SSSSSSS1',
          TaskSubtype: 'Call',
          CreatedDate: '2026-10-01T11:00:00.000Z',
          LastModifiedDate: '2026-10-02T11:00:00.000Z',
        },
      },
    ];
    const bodies = records.map((record) => salesforceOutboundMessage(org, [record]));
    for (const body of bodies) parsedAndKept(body, parseContext(salesforceConfig(org)));
    const twin = await startTestTwin({ config: salesforceConfig(org), clock });
    try {
      for (const body of bodies) await post(contactsTwin, 'salesforce', body, salesforceHeaders(), QUERY);
      const replayed = shuffled([...bodies, bodies[0], bodies[3], bodies[7]] as string[], 20261116);
      for (const body of replayed) await post(twin, 'salesforce', body, salesforceHeaders(), QUERY);

      const keys = [
        'contact#salesforce:0035e00000SSSSSSS1',
        'contact#salesforce:00Q5e00000SSSSSSS3',
        'company#salesforce:0015e00000SSSSSSS2',
        'deal#salesforce:0065e00000SSSSSSS4',
        'activity#salesforce:00T5e00000SSSSSSS5',
      ];
      const inOrder = await statesOf(contactsTwin, keys);
      expect(await statesOf(twin, keys)).toEqual(inOrder);

      const sam = inOrder['contact#salesforce:0035e00000SSSSSSS1'];
      expect(sam?.firstAt).toBe(Date.parse('2026-09-30T08:00:00Z'));
      expect(sam?.milestones).toEqual({
        mql: Date.parse('2026-10-01T10:00:00Z'),
        sql: Date.parse('2026-10-03T10:00:00Z'),
      });
      expect(sam && fieldValue(sam, 'title')).toBe('Senior Analyst');
      const kim = inOrder['contact#salesforce:00Q5e00000SSSSSSS3'];
      expect(kim?.milestones).toEqual({
        mql: Date.parse('2026-10-02T10:00:00Z'),
        disqualified: Date.parse('2026-10-05T10:00:00Z'),
      });
      expect(kim && fieldValue(kim, 'reason')).toBe('no budget');
      expect(kim && fieldValue(kim, 'reason', Date.parse('2026-10-04T00:00:00Z'))).toBeNull();
      const initech = inOrder['company#salesforce:0015e00000SSSSSSS2'];
      expect(initech && fieldValue(initech, 'employees')).toBe(250);
      const won = inOrder['deal#salesforce:0065e00000SSSSSSS4'];
      expect(won?.fields.stage?.map((entry) => entry.value)).toEqual(['qualifiedtobuy', 'closedwon']);
      expect(won && fieldValue(won, 'amount')).toBe(25000);
      expect(won && fieldValue(won, 'contactIds')).toEqual(['salesforce:0035e00000SSSSSSS1']);
      const call = inOrder['activity#salesforce:00T5e00000SSSSSSS5'];
      expect(call?.firstAt).toBe(Date.parse('2026-10-01T11:00:00Z'));
      expect(call && fieldValue(call, 'kind')).toBe('call');
    } finally {
      await twin.close();
    }
  });

  it('stores no email address anywhere', async () => {
    for (const twin of [contactsTwin, leadsTwin]) {
      const texts = await everyStoredText(twin);
      expect(texts.length).toBeGreaterThan(0);
      for (const email of [
        'drb24@cornell.edu',
        'pat@globex.example',
        'sam@initech.example',
        'kim@initech.example',
      ]) {
        expect(texts.some((text) => text.includes(email))).toBe(false);
      }
      expect(texts.some((text) => text.includes('@'))).toBe(false);
    }
  });
});

describe('salesforce source: opportunity forecast fields', () => {
  const opportunity = (n: number, fields: Record<string, string | null>): OutboundRecord => ({
    type: 'Opportunity',
    fields: {
      Id: `0065e00000FFFFFF${String(n).padStart(2, '0')}`,
      LastModifiedDate: '2026-11-16T10:00:00.000Z',
      ...fields,
    },
  });
  const parse = (records: readonly OutboundRecord[]) =>
    parsedAndKept(salesforceOutboundMessage(ORG, records), parseContext());

  it('keeps CloseDate as the date it is, reads Probability as a percent and maps each category', () => {
    const parsed = parse([
      opportunity(1, { CloseDate: '2026-12-31', Probability: '35', ForecastCategoryName: 'Best Case' }),
      opportunity(2, { Probability: '100', ForecastCategoryName: 'Closed' }),
      opportunity(3, { Probability: '0', ForecastCategoryName: 'Omitted' }),
      opportunity(4, { Probability: '12.5', ForecastCategoryName: 'Pipeline' }),
      opportunity(5, { ForecastCategoryName: 'Commit' }),
      // ForecastCategory's API values: Forecast is Commit, MostLikely sits below it.
      opportunity(6, { ForecastCategory: 'Forecast' }),
      opportunity(7, { ForecastCategory: 'BestCase' }),
      opportunity(8, { ForecastCategory: 'MostLikely' }),
    ]);
    expect(parsed.problems).toEqual([]);
    expect(parsed.events.map((event) => event.fields)).toEqual([
      { closeDate: '2026-12-31', probability: 0.35, forecastCategory: 'best_case' },
      { probability: 1, forecastCategory: 'commit' },
      { probability: 0, forecastCategory: 'omitted' },
      { probability: 0.125, forecastCategory: 'pipeline' },
      { forecastCategory: 'commit' },
      { forecastCategory: 'commit' },
      { forecastCategory: 'best_case' },
      { forecastCategory: 'best_case' },
    ]);
  });

  it('clears a field sent empty or nil', () => {
    const parsed = parse([opportunity(9, { CloseDate: null, Probability: '', ForecastCategoryName: null })]);
    expect(parsed.events.map((event) => event.fields)).toEqual([
      { closeDate: null, probability: null, forecastCategory: null },
    ]);
  });

  it('refuses a notification with a percent above 100, an impossible date or an unknown category', () => {
    const parsed = parse([
      opportunity(10, { Probability: '135' }),
      opportunity(11, { CloseDate: '2026-02-30' }),
      opportunity(12, { ForecastCategoryName: 'Maybe' }),
      opportunity(13, { Probability: '50' }),
    ]);
    expect(parsed.events.map((event) => [event.id, event.fields])).toEqual([
      ['salesforce:0065e00000FFFFFF13', { probability: 0.5 }],
    ]);
    expect(parsed.problems).toEqual([
      { path: 'Notification[0].sObject.Probability', message: 'expected a percent from 0 to 100' },
      { path: 'Notification[1].sObject.CloseDate', message: 'expected a date YYYY-MM-DD' },
      {
        path: 'Notification[2].sObject.ForecastCategoryName',
        message: 'expected a forecast category: Omitted, Pipeline, Best Case, Most Likely, Commit or Closed',
      },
    ]);
  });
});
