import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  type OutboundRecord,
  salesforceEndpointQuery,
  salesforceHeaders,
  salesforceOutboundMessage,
} from '#local/senders/salesforce.ts';
import { canonicalJson } from '#shared/config/parse.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type CanonicalEvent, entityKey } from '#shared/model/events.ts';
import { emailHasher } from '#shared/privacy.ts';
import { applyEvents, dealContacts, fieldValue } from '#shared/projection/state.ts';
import { salesforceAdapter } from '#shared/sources/salesforce.ts';
import type { ParseContext, ParsedDelivery } from '#shared/sources/types.ts';
import { exampleConfig, TEST_SECRETS } from '../support/config.ts';
import { keptAndParsedTheSame } from '../support/keep.ts';
import { shuffled, statesOf } from '../support/shuffle.ts';
import { post, startTestTwin } from '../support/twin.ts';

/*
 * Lead conversion and OpportunityContactRole: the links between records that Salesforce reports
 * on one record only. The fixtures are hand-written in the shape Salesforce sends (the outbound
 * messaging WSDL, enterprise sObjects), for the example client's org (clients/example.yaml,
 * timezone America/New_York).
 */

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/vendor-payloads/${name}`, import.meta.url), 'utf8');
/** One Lead notification: converted on 2026-10-06 into a contact, an account and an opportunity. */
const CONVERTED_FIXTURE = fixture('salesforce-outbound-message-lead-converted.xml');
/** Two OpportunityContactRole notifications on one opportunity, the second in the Recycle Bin. */
const ROLES_FIXTURE = fixture('salesforce-outbound-message-opportunity-contact-role.xml');

const ORG = '00Dxx0000001gEREAY';
const RECEIVED = Date.parse('2026-11-16T14:05:00Z');
const hashEmail = emailHasher(TEST_SECRETS['acme/email-hash-key']);
const QUERY = salesforceEndpointQuery(TEST_SECRETS['acme/salesforce-token']);

const LEAD = 'salesforce:00Q5e00000LLLLLLL1';
const CONTACT = 'salesforce:0035e00000KKKKKKK1';
const ACCOUNT = 'salesforce:0015e00000JJJJJJJ1';
const DEAL = 'salesforce:0065e00000HHHHHHH1';

/** The example client, its zone pinned: the expected instants below are New York local days. */
function newYorkConfig(): ClientConfig {
  const config = exampleConfig();
  config.timezone = 'America/New_York';
  return config;
}

const parseContext = (config: ClientConfig = newYorkConfig(), receivedAt = RECEIVED) => ({
  config,
  hashEmail,
  receivedAt,
});

/** Parses as the adapter does, after checking that the body kept for replay parses the same. */
function parsedAndKept(body: string, context: ParseContext): ParsedDelivery {
  keptAndParsedTheSame(salesforceAdapter, body, context);
  return salesforceAdapter.parse(body, context);
}

/** A converted lead with only the fields the conversion reads, modified at `modified`. */
function convertedLead(modified: string, fields: Record<string, string | null> = {}): OutboundRecord {
  return {
    type: 'Lead',
    fields: {
      Id: '00Q5e00000LLLLLLL1',
      IsConverted: 'true',
      ConvertedContactId: '0035e00000KKKKKKK1',
      ConvertedAccountId: '0015e00000JJJJJJJ1',
      ConvertedOpportunityId: '0065e00000HHHHHHH1',
      ConvertedDate: '2026-10-06',
      LastModifiedDate: modified,
      ...fields,
    },
  };
}

/** The `at` of the lead's mergedInto event parsed from one record. */
function linkAt(record: OutboundRecord, config: ClientConfig = newYorkConfig()): number | undefined {
  const parsed = parsedAndKept(salesforceOutboundMessage(ORG, [record]), parseContext(config));
  expect(parsed.problems).toEqual([]);
  return parsed.events.find((event) => event.fields.mergedInto !== undefined)?.at;
}

describe('salesforce source: a converted lead', () => {
  it('links the lead, its contact, account and opportunity at the conversion (fixture)', () => {
    const parsed = parsedAndKept(CONVERTED_FIXTURE, parseContext());
    expect(parsed.problems).toEqual([]);
    // Status "Closed - Converted" is in no lifecycle list; the conversion fields are not ignored.
    expect(parsed.ignored).toEqual({ 'unmapped-stage': 1 });
    const modified = Date.parse('2026-10-06T13:20:00Z'); // 09:20 in New York, on ConvertedDate
    expect(parsed.events).toEqual([
      {
        entity: 'contact',
        id: LEAD,
        at: modified,
        fields: {
          emailHash: hashEmail('kim@initech.example'),
          title: 'Head of Operations',
          source: 'Web',
          owner: '0055e000001RRRRRR7',
          industry: 'Manufacturing',
          employees: 250,
          country: 'Germany',
          region: 'EMEA',
        },
      },
      { entity: 'contact', id: LEAD, at: Date.parse('2026-09-28T08:15:00Z'), fields: {} },
      { entity: 'contact', id: LEAD, at: modified, fields: { mergedInto: CONTACT, companyId: ACCOUNT } },
      {
        entity: 'contact',
        id: CONTACT,
        at: modified,
        fields: { 'mergedFrom:salesforce:00Q5e00000LLLLLLL1': true },
      },
      {
        entity: 'deal',
        id: DEAL,
        at: modified,
        fields: { 'contactLink:salesforce:0035e00000KKKKKKK1': true },
      },
    ]);
  });

  it('dates the links by the notification while it falls on ConvertedDate in the client zone', () => {
    // 2026-10-06 in New York (EDT, UTC-4) runs from 04:00Z to 04:00Z the next day.
    expect(linkAt(convertedLead('2026-10-06T13:20:00.000Z'))).toBe(Date.parse('2026-10-06T13:20:00Z'));
    // 23:30 on the 6th in New York, already the 7th in UTC: still the conversion day.
    expect(linkAt(convertedLead('2026-10-07T03:30:00.000Z'))).toBe(Date.parse('2026-10-07T03:30:00Z'));
    // Touched again three days later: the links date from the local midnight starting the 6th.
    expect(linkAt(convertedLead('2026-10-09T15:00:00.000Z'))).toBe(Date.parse('2026-10-06T04:00:00Z'));
    expect(linkAt(convertedLead('2026-10-07T04:00:00.000Z'))).toBe(Date.parse('2026-10-06T04:00:00Z'));
  });

  it('measures the conversion day in local time across a DST change and in another zone', () => {
    // 2026-11-01 in New York is 25 hours: 04:00Z (EDT) to 05:00Z on the 2nd (EST).
    const lastDay = { ConvertedDate: '2026-11-01' };
    expect(linkAt(convertedLead('2026-11-02T04:30:00.000Z', lastDay))).toBe(
      Date.parse('2026-11-02T04:30:00Z'),
    );
    expect(linkAt(convertedLead('2026-11-02T05:00:00.000Z', lastDay))).toBe(
      Date.parse('2026-11-01T04:00:00Z'),
    );
    // In Tokyo (UTC+9) 16:00Z on the 6th is 01:00 on the 7th: after the day, so its midnight (15:00Z on the 5th).
    const tokyo = newYorkConfig();
    tokyo.timezone = 'Asia/Tokyo';
    expect(linkAt(convertedLead('2026-10-06T16:00:00.000Z'), tokyo)).toBe(Date.parse('2026-10-05T15:00:00Z'));
    expect(linkAt(convertedLead('2026-10-06T16:00:00.000Z'))).toBe(Date.parse('2026-10-06T16:00:00Z'));
    // Without ConvertedDate the notification's time is the link time.
    expect(linkAt(convertedLead('2026-10-09T15:00:00.000Z', { ConvertedDate: null }))).toBe(
      Date.parse('2026-10-09T15:00:00Z'),
    );
  });

  it('links only what the lead names: no opportunity, no account', () => {
    const body = salesforceOutboundMessage(ORG, [
      convertedLead('2026-10-06T13:20:00.000Z', { ConvertedOpportunityId: null, ConvertedAccountId: null }),
    ]);
    const parsed = parsedAndKept(body, parseContext());
    const at = Date.parse('2026-10-06T13:20:00Z');
    expect(parsed.events).toEqual([
      { entity: 'contact', id: LEAD, at, fields: {} },
      { entity: 'contact', id: LEAD, at, fields: { mergedInto: CONTACT } },
      { entity: 'contact', id: CONTACT, at, fields: { 'mergedFrom:salesforce:00Q5e00000LLLLLLL1': true } },
    ]);
  });

  it('adds nothing for a lead not converted, and counts a conversion without its contact', () => {
    const at = Date.parse('2026-10-06T13:20:00Z');
    const notConverted = salesforceOutboundMessage(ORG, [
      convertedLead('2026-10-06T13:20:00.000Z', { IsConverted: 'false', Title: 'CTO' }),
      { type: 'Lead', fields: { Id: '00Q5e00000LLLLLLL2', LastModifiedDate: '2026-10-06T13:20:00.000Z' } },
    ]);
    const parsed = parsedAndKept(notConverted, parseContext());
    expect(parsed.ignored).toEqual({});
    expect(parsed.events).toEqual([
      { entity: 'contact', id: LEAD, at, fields: { title: 'CTO' } },
      { entity: 'contact', id: 'salesforce:00Q5e00000LLLLLLL2', at, fields: {} },
    ]);
    const withoutContact = salesforceOutboundMessage(ORG, [
      convertedLead('2026-10-06T13:20:00.000Z', { ConvertedContactId: null }),
    ]);
    const counted = parsedAndKept(withoutContact, parseContext());
    expect(counted.ignored).toEqual({ 'converted-lead-without-contact': 1 });
    expect(counted.events).toEqual([{ entity: 'contact', id: LEAD, at, fields: {} }]);
  });

  it('reports bad conversion ids, dates and flags as problems of that notification only', () => {
    const body = salesforceOutboundMessage(ORG, [
      convertedLead('2026-10-06T13:20:00.000Z', { ConvertedContactId: 'not-an-id' }),
      convertedLead('2026-10-06T13:20:00.000Z', { ConvertedOpportunityId: '0065e00000HHH' }),
      convertedLead('2026-10-06T13:20:00.000Z', { ConvertedDate: '10/06/2026' }),
      convertedLead('2026-10-06T13:20:00.000Z', { IsConverted: 'yes' }),
      { type: 'Account', fields: { Id: '0015e00000JJJJJJJ1', Name: 'Initech' } },
    ]);
    const parsed = parsedAndKept(body, parseContext());
    expect(parsed.problems.map((problem) => problem.path)).toEqual([
      'Notification[0].sObject.ConvertedContactId',
      'Notification[1].sObject.ConvertedOpportunityId',
      'Notification[2].sObject.ConvertedDate',
      'Notification[3].sObject.IsConverted',
    ]);
    expect(parsed.events).toEqual([
      { entity: 'company', id: ACCOUNT, at: RECEIVED, fields: { name: 'Initech' } },
    ]);
  });
});

describe('salesforce source: OpportunityContactRole', () => {
  it('links each role contact to its opportunity at the notification time (fixture)', () => {
    const parsed = parsedAndKept(ROLES_FIXTURE, parseContext());
    expect(parsed.problems).toEqual([]);
    expect(parsed.ignored).toEqual({});
    // No creation event: a role dates a link, not the opportunity.
    expect(parsed.events).toEqual([
      {
        entity: 'deal',
        id: DEAL,
        at: Date.parse('2026-10-07T10:00:00Z'),
        fields: { 'contactLink:salesforce:0035e00000KKKKKKK1': true },
      },
      {
        entity: 'deal',
        id: DEAL,
        at: Date.parse('2026-10-08T10:00:00Z'),
        fields: { 'contactLink:salesforce:0035e00000KKKKKKK2': false }, // IsDeleted
      },
    ]);
  });

  it('reports a role without a usable OpportunityId or ContactId', () => {
    const role = (fields: Record<string, string | null>): OutboundRecord => ({
      type: 'OpportunityContactRole',
      fields: { Id: '00K5e00000GGGGGGG3', LastModifiedDate: '2026-10-07T10:00:00.000Z', ...fields },
    });
    const body = salesforceOutboundMessage(ORG, [
      role({ ContactId: '0035e00000KKKKKKK1' }),
      role({ OpportunityId: '0065e00000HHHHHHH1', ContactId: null }),
      role({ OpportunityId: 'oops', ContactId: '0035e00000KKKKKKK1' }),
      role({ OpportunityId: '0065e00000HHHHHHH1', ContactId: '0035e00000KKKKKKK3' }),
    ]);
    const parsed = parsedAndKept(body, parseContext());
    expect(parsed.problems.map((problem) => problem.path)).toEqual([
      'Notification[0].sObject.OpportunityId',
      'Notification[1].sObject.ContactId',
      'Notification[2].sObject.OpportunityId',
    ]);
    expect(parsed.events).toEqual([
      {
        entity: 'deal',
        id: DEAL,
        at: Date.parse('2026-10-07T10:00:00Z'),
        fields: { 'contactLink:salesforce:0035e00000KKKKKKK3': true },
      },
    ]);
  });
});

/** The deliveries of one conversion story, each a separate outbound message. */
const STORY: readonly string[] = [
  // The lead before conversion.
  salesforceOutboundMessage(ORG, [
    {
      type: 'Lead',
      fields: {
        Id: '00Q5e00000LLLLLLL1',
        CreatedDate: '2026-09-28T08:15:00.000Z',
        Email: 'kim@initech.example',
        Status: 'marketingqualifiedlead',
        Industry: 'Manufacturing',
        NumberOfEmployees: '200',
        IsConverted: 'false',
        ConvertedContactId: null,
        LastModifiedDate: '2026-10-02T10:00:00.000Z',
      },
    },
  ]),
  CONVERTED_FIXTURE, // the lead after conversion
  // The contact the conversion created.
  salesforceOutboundMessage(ORG, [
    {
      type: 'Contact',
      fields: {
        Id: '0035e00000KKKKKKK1',
        CreatedDate: '2026-10-06T13:20:00.000Z',
        AccountId: '0015e00000JJJJJJJ1',
        Lifecycle_Stage__c: 'salesqualifiedlead',
        LastModifiedDate: '2026-10-06T13:20:05.000Z',
      },
    },
  ]),
  // The opportunity, without Opportunity.ContactId.
  salesforceOutboundMessage(ORG, [
    {
      type: 'Opportunity',
      fields: {
        Id: '0065e00000HHHHHHH1',
        CreatedDate: '2026-10-06T13:20:00.000Z',
        StageName: 'qualifiedtobuy',
        Amount: '30000',
        AccountId: '0015e00000JJJJJJJ1',
        LastModifiedDate: '2026-10-06T13:21:00.000Z',
      },
    },
  ]),
  ROLES_FIXTURE,
];

/** Parses deliveries as received one minute apart, and projects each entity's events. */
function project(bodies: readonly string[]): Record<string, string> {
  const byEntity = new Map<string, CanonicalEvent[]>();
  bodies.forEach((body, index) => {
    const parsed = parsedAndKept(body, parseContext(newYorkConfig(), RECEIVED + index * 60_000));
    expect(parsed.problems).toEqual([]);
    for (const event of parsed.events) {
      const key = entityKey(event);
      byEntity.set(key, [...(byEntity.get(key) ?? []), event]);
    }
  });
  return Object.fromEntries(
    [...byEntity].map(([key, events]) => [key, canonicalJson(applyEvents(undefined, events))]),
  );
}

describe('salesforce source: conversion deliveries in any order', () => {
  it('projects the same states whatever the order and repetition of the deliveries', () => {
    const inOrder = project(STORY);
    expect(Object.keys(inOrder).sort()).toEqual([`contact#${CONTACT}`, `contact#${LEAD}`, `deal#${DEAL}`]);
    for (const seed of [1, 20261006, 77]) {
      const replayed = shuffled([...STORY, STORY[1], STORY[0], STORY[4]] as string[], seed);
      expect(project(replayed)).toEqual(inOrder);
    }
    expect(project([...STORY].reverse())).toEqual(inOrder);

    const state = (key: string) => JSON.parse(inOrder[key] as string);
    const converted = Date.parse('2026-10-06T13:20:00Z');
    const lead = state(`contact#${LEAD}`);
    expect(lead.firstAt).toBe(Date.parse('2026-09-28T08:15:00Z'));
    expect(lead.milestones).toEqual({ mql: Date.parse('2026-10-02T10:00:00Z') });
    expect(fieldValue(lead, 'mergedInto')).toBe(CONTACT);
    expect(lead.fields.mergedInto).toEqual([{ at: converted, value: CONTACT }]);
    expect(fieldValue(lead, 'companyId')).toBe(ACCOUNT);
    expect(fieldValue(lead, 'employees')).toBe(250);
    expect(fieldValue(lead, 'employees', converted - 1)).toBe(200);
    const contact = state(`contact#${CONTACT}`);
    expect(contact.fields['mergedFrom:salesforce:00Q5e00000LLLLLLL1']).toEqual([
      { at: converted, value: true },
    ]);
    expect(contact.milestones).toEqual({ sql: Date.parse('2026-10-06T13:20:05Z') });
    const deal = state(`deal#${DEAL}`);
    // The converted contact from the conversion, then the primary role; the deleted role links nobody.
    expect(dealContacts(deal)).toEqual([{ id: CONTACT, since: converted }]);
    expect(fieldValue(deal, 'contactLink:salesforce:0035e00000KKKKKKK2')).toBe(false);
    expect(fieldValue(deal, 'amount')).toBe(30000);
  });

  it('stores the same states through the ingest path in two orders with repeats', async () => {
    let now = RECEIVED;
    const clock = () => now;
    const first = await startTestTwin({ config: newYorkConfig(), clock });
    const second = await startTestTwin({ config: newYorkConfig(), clock });
    try {
      for (const body of STORY) {
        now += 60_000;
        const answer = await post(first, 'salesforce', body, salesforceHeaders(), QUERY);
        expect(answer.headers.get('x-samepage-status')).toBe('accepted');
      }
      for (const body of shuffled([...STORY, STORY[1], STORY[3]] as string[], 20261006)) {
        now += 60_000;
        await post(second, 'salesforce', body, salesforceHeaders(), QUERY);
      }
      const keys = [`contact#${LEAD}`, `contact#${CONTACT}`, `deal#${DEAL}`];
      const stored = await statesOf(first, keys);
      expect(await statesOf(second, keys)).toEqual(stored);

      const converted = Date.parse('2026-10-06T13:20:00Z');
      const lead = stored[`contact#${LEAD}`];
      expect(lead && fieldValue(lead, 'mergedInto')).toBe(CONTACT);
      expect(lead && fieldValue(lead, 'companyId')).toBe(ACCOUNT);
      const contact = stored[`contact#${CONTACT}`];
      expect(contact?.fields['mergedFrom:salesforce:00Q5e00000LLLLLLL1']).toEqual([
        { at: converted, value: true },
      ]);
      const deal = stored[`deal#${DEAL}`];
      expect(deal && dealContacts(deal)).toEqual([{ id: CONTACT, since: converted }]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
