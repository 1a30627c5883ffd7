import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { emailHasher } from '#shared/privacy.ts';
import { hubspotAdapter } from '#shared/sources/hubspot.ts';
import { hubspotWorkflowAdapter } from '#shared/sources/hubspot-workflow.ts';
import { exampleConfig } from '../support/config.ts';
import { expectNoneOf, keptAndParsedTheSame } from '../support/keep.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/vendor-payloads/${name}`, import.meta.url), 'utf8');
const hashEmail = emailHasher('k');
const context = (config = exampleConfig()) => ({
  config,
  hashEmail,
  receivedAt: Date.parse('2026-11-23T00:00:00Z'),
});
const token = (email: string) => `emailhash:${hashEmail(email)}`;

function withHubSpot(changes: Partial<NonNullable<ClientConfig['sources']['hubspot']>>): ClientConfig {
  const config = exampleConfig();
  const hubspot = config.sources.hubspot;
  if (!hubspot) throw new Error('the example config has no hubspot source');
  config.sources.hubspot = { ...hubspot, ...changes };
  return config;
}

function withWorkflow(
  changes: Partial<NonNullable<ClientConfig['sources']['hubspot-workflow']>>,
): ClientConfig {
  const config = exampleConfig();
  const workflow = config.sources['hubspot-workflow'];
  if (!workflow) throw new Error('the example config has no hubspot-workflow source');
  config.sources['hubspot-workflow'] = { ...workflow, ...changes };
  return config;
}

type Item = Record<string, unknown>;
const event = (subscriptionType: string, extra: Item): Item => ({
  eventId: 1,
  subscriptionId: 2,
  portalId: 33,
  appId: 3,
  occurredAt: Date.parse('2026-11-20T10:00:00Z'),
  subscriptionType,
  attemptNumber: 0,
  objectId: 812,
  changeSource: 'CRM_UI',
  sourceId: 'userId:31000101',
  ...extra,
});
const change = (subscriptionType: string, propertyName: string, propertyValue: unknown, extra: Item = {}) =>
  event(subscriptionType, { propertyName, propertyValue, ...extra });

describe('hubspot keep: app webhooks', () => {
  const PERSONAL = fixture('hubspot-webhooks-personal.json');

  it('keeps only what the event schema reads and the values of mapped properties, emails as tokens', () => {
    const kept = keptAndParsedTheSame(hubspotAdapter, PERSONAL, context());
    expectNoneOf(kept, [
      'Rosalind',
      'Okonkwo',
      '617 555',
      'Wendell',
      'rosalind.okonkwo@globex.example',
      'Globex pilot',
      'userId:',
      'sourceId',
      'changeSource',
      'eventId',
      'appId',
      'enrollmentId',
    ]);
    expect(kept).not.toContain('@');
    const items = JSON.parse(kept) as Item[];
    expect(items).toHaveLength(10);
    // Unmapped properties keep their name, so they are still counted as ignored, with an empty value.
    expect(items.map((item) => [item.propertyName, item.propertyValue])).toEqual([
      [undefined, undefined],
      ['firstname', ''],
      ['lastname', ''],
      ['phone', ''],
      ['address', ''],
      ['email', token('rosalind.okonkwo@globex.example')],
      ['jobtitle', 'Director of Procurement'],
      ['lifecyclestage', 'marketingqualifiedlead'],
      ['amount', '18500'],
      ['dealname', ''],
    ]);
    expect(hubspotAdapter.parse(kept, context()).ignored).toEqual(
      hubspotAdapter.parse(PERSONAL, context()).ignored,
    );
  });

  it("keeps a property the config maps, under its object's map only", () => {
    const config = withHubSpot({
      properties: { deal: { acme_channel: 'source', dealname: 'title' }, company: { acme_region: 'region' } },
    });
    const body = JSON.stringify([
      change('deal.propertyChange', 'acme_channel', 'PARTNER'),
      // Mapped to a field deals do not have: a problem, so only a stand-in is kept.
      change('deal.propertyChange', 'dealname', 'Rosalind Okonkwo-Barrett - Globex pilot'),
      change('company.propertyChange', 'acme_region', 'UK&I'),
      // acme_region is a company property: on a contact it is not read.
      change('contact.propertyChange', 'acme_region', 'Leeds, 14 Park Row'),
      change('object.propertyChange', 'acme_region', 'EMEA', { objectTypeId: '0-2' }),
    ]);
    const kept = JSON.parse(keptAndParsedTheSame(hubspotAdapter, body, context(config))) as Item[];
    expect(kept.map((item) => item.propertyValue)).toEqual([
      'PARTNER',
      'not a valid value',
      'UK&I',
      '',
      'EMEA',
    ]);
    // Without the overrides none of them is read, so none is kept.
    const plain = JSON.parse(keptAndParsedTheSame(hubspotAdapter, body, context())) as Item[];
    expect(plain.map((item) => item.propertyValue)).toEqual(['', '', '', '', '']);
  });

  it('keeps the allowed keys of an event that did not validate, so replay reports the same problem', () => {
    const body = JSON.stringify([
      event('contact.creation', {}),
      { ...change('contact.propertyChange', 'firstname', 'Rosalind'), occurredAt: undefined },
      change('contact.propertyChange', 'phone', 6175550143),
      change('contact.propertyChange', 'address', { street: '27 Wendell Street' }),
      change('deal.propertyChange', 'amount', 'about 18k from Rosalind'),
      change('contact.propertyChange', 'email', 'Rosalind at Globex'),
      change('contact.propertyChange', 'email', 42),
      { ...change('contact.propertyChange', 'email', 'pat@globex.example'), portalId: 62515 },
      'Rosalind Okonkwo-Barrett, +1 617 555 0143',
      ['rosalind.okonkwo@globex.example'],
    ]);
    const original = hubspotAdapter.parse(body, context());
    expect(original.problems.map((problem) => problem.path)).toEqual([
      '[1].occurredAt',
      '[2].propertyValue',
      '[3].propertyValue',
      '[4].propertyValue',
      '[5].propertyValue',
      '[6].propertyValue',
      '[7].portalId',
      '[8]',
      '[9]',
    ]);
    const kept = keptAndParsedTheSame(hubspotAdapter, body, context());
    expectNoneOf(kept, ['Rosalind', '617', '6175550143', 'Wendell', 'pat@globex.example']);
    expect(kept).not.toContain('@');
    const items = JSON.parse(kept) as unknown[];
    // A value of the wrong type becomes an empty one of its type; a mapped value that is a problem,
    // a stand-in that is one too; the address of an event from another portal, its token.
    expect(items.slice(1, 8).map((item) => (item as Item).propertyValue)).toEqual([
      '',
      0,
      {},
      'not a valid value',
      'not a valid value',
      0,
      token('pat@globex.example'),
    ]);
    expect(items.slice(8)).toEqual([null, null]);
  });

  it('describes a bad value in its problem, never quotes it', () => {
    const body = JSON.stringify([
      change('deal.propertyChange', 'amount', 'call Rosalind'),
      change('deal.propertyChange', 'amount', '-12'),
      change('deal.propertyChange', 'deal_currency_code', 'Rosalind'),
      change('deal.propertyChange', 'closedate', 'Rosalind'),
      change('deal.propertyChange', 'hs_manual_forecast_category', 'Rosalind'),
      change('company.propertyChange', 'numberofemployees', '12.5'),
      event('object.Rosalind', {}),
      { ...event('contact.creation', {}), portalId: 98765 },
      change('deal.propertyChange', 'dealstage', 'closedwon'),
    ]);
    const { problems } = hubspotAdapter.parse(body, context());
    expect(problems.map((problem) => problem.message)).toEqual([
      'expected a number ≥ 0 for amount, got text that is not a number',
      'expected a number ≥ 0 for amount, got a negative number',
      'expected an ISO 4217 code (three capital letters) for currency',
      'expected epoch milliseconds, an ISO-8601 time or a date YYYY-MM-DD for closeDate',
      'expected one of OMIT, PIPELINE, BEST_CASE, COMMIT, CLOSED for forecastCategory',
      'expected a whole number ≥ 0 for employees, got a fraction',
      'an object.* event needs objectTypeId',
      'the event is not from the configured HubSpot portal 33',
    ]);
    expectNoneOf(JSON.stringify(problems), ['Rosalind', '-12', '12.5', '98765']);
  });

  it('keeps the merge fixture whole: every key of a merge is read', () => {
    const merges = fixture('hubspot-webhooks-merge.json');
    const kept = JSON.parse(keptAndParsedTheSame(hubspotAdapter, merges, context())) as Item[];
    expect(kept.map((item) => Object.keys(item).sort())).toEqual(
      (JSON.parse(merges) as Item[]).map((item) =>
        Object.keys(item)
          .filter(
            (key) =>
              ![
                'eventId',
                'subscriptionId',
                'appId',
                'attemptNumber',
                'changeSource',
                'numberOfPropertiesMoved',
              ].includes(key),
          )
          .sort(),
      ),
    );
  });
});

describe('hubspot keep: workflow snapshots', () => {
  const CONTACT = fixture('hubspot-workflow-contact-all-properties.json');
  const PERSONAL_VALUES = [
    'Rosalind',
    'Okonkwo',
    'Imogen',
    'roz.ob',
    'rozokonkwo',
    '617 555',
    'Wendell',
    'Cambridge',
    'Massachusetts',
    '02138',
    'Somerville',
    '02144',
    'United States',
    'Globex Corporation',
    'daughter',
    'husband',
    'Boston expo',
    '1984-03-09',
    'linkedin.com/in',
    'dana.reyes',
    'rosalind.okonkwo@globex.example',
    'source-label',
    'versions',
    'identity-profiles',
    'form-submissions',
    'profile-token',
  ];

  it('keeps the id, portal, times and the mapped properties of a contact with every property, emails as tokens', () => {
    const kept = keptAndParsedTheSame(hubspotWorkflowAdapter, CONTACT, context());
    expectNoneOf(kept, PERSONAL_VALUES);
    expect(kept).not.toContain('@');
    expect(JSON.parse(kept)).toEqual({
      vid: 812,
      'portal-id': 33,
      properties: {
        email: { value: token('rosalind.okonkwo@globex.example') },
        jobtitle: { value: 'Director of Procurement' },
        hs_analytics_source: { value: 'PAID_SOCIAL' },
        lifecyclestage: { value: 'marketingqualifiedlead' },
        hs_lead_status: { value: 'OPEN' },
        hubspot_owner_id: { value: '31000101' },
        hs_seniority: { value: 'director' },
        associatedcompanyid: { value: '9001' },
        hs_object_id: { value: '812' },
        createdate: { value: '1795168800000' },
        lastmodifieddate: { value: '1795255260000' },
      },
    });
    expect(hubspotWorkflowAdapter.parse(kept, context()).events).toEqual([
      {
        entity: 'contact',
        id: 'hubspot:812',
        at: Date.parse('2026-11-21T10:01:00Z'),
        fields: {
          stage: 'mql',
          source: 'PAID_SOCIAL',
          owner: '31000101',
          title: 'Director of Procurement',
          seniority: 'director',
          emailHash: hashEmail('rosalind.okonkwo@globex.example'),
          companyId: 'hubspot:9001',
        },
      },
      { entity: 'contact', id: 'hubspot:812', at: Date.parse('2026-11-20T10:00:00Z'), fields: {} },
    ]);
  });

  it("keeps a property the config maps, and the same record as a deal keeps the deal map's properties", () => {
    const mapped = withWorkflow({ properties: { city: 'region' } });
    const kept = JSON.parse(keptAndParsedTheSame(hubspotWorkflowAdapter, CONTACT, context(mapped)));
    expect(kept.properties.city).toEqual({ value: 'Cambridge' });
    const deal = JSON.parse(fixture('hubspot-workflow-deal.json'));
    const asDeal = withWorkflow({ objectType: 'deal' });
    const keptDeal = JSON.parse(
      keptAndParsedTheSame(hubspotWorkflowAdapter, JSON.stringify(deal), context(asDeal)),
    );
    expect(keptDeal).toEqual({
      portalId: 33,
      objectId: 7301,
      properties: {
        dealstage: { value: '12345678' },
        pipeline: { value: '98765432' },
        amount: { value: '48000' },
        deal_currency_code: { value: 'EUR' },
        amount_in_home_currency: { value: '52320.5' },
        hs_lastmodifieddate: { value: '1795512600000' },
        createdate: { value: '1794821400000' },
      },
    });
  });

  it('keeps a flat or customised body flat, and a mapped value that is a problem as a stand-in', () => {
    const flat = JSON.stringify({
      objectId: 813,
      firstname: 'Rosalind',
      phone: '+1 617 555 0143',
      email: 'Rosalind Okonkwo',
      amount: '+1 617 555 0143',
      lifecyclestage: 'lead',
      lastmodifieddate: '2026-11-17T09:30:00Z',
      properties: 'not a bag',
    });
    const kept = keptAndParsedTheSame(hubspotWorkflowAdapter, flat, context());
    expectNoneOf(kept, ['Rosalind', '617', 'not a bag']);
    expect(JSON.parse(kept)).toEqual({
      objectId: 813,
      email: 'not a valid value',
      lifecyclestage: 'lead',
      lastmodifieddate: '2026-11-17T09:30:00Z',
    });
    expect(hubspotWorkflowAdapter.parse(kept, context()).problems).toEqual([
      { path: 'properties.email', message: 'expected an email address' },
    ]);
    const cleared = JSON.stringify({ objectId: 814, properties: { email: '  ', jobtitle: null } });
    expect(JSON.parse(keptAndParsedTheSame(hubspotWorkflowAdapter, cleared, context()))).toEqual({
      objectId: 814,
      properties: { email: '  ', jobtitle: null },
    });
  });

  it('drops the id, portal and times beside the bag only when they are not values', () => {
    const body = JSON.stringify({
      objectId: 815,
      portalId: 33,
      hs_lastmodifieddate: 1795255260000,
      'canonical-vid': 815,
      associations: { associatedVids: [815] },
      properties: { amount: '10', dealname: 'Rosalind pilot' },
    });
    const kept = keptAndParsedTheSame(
      hubspotWorkflowAdapter,
      body,
      context(withWorkflow({ objectType: 'deal' })),
    );
    expect(JSON.parse(kept)).toEqual({
      objectId: 815,
      portalId: 33,
      hs_lastmodifieddate: 1795255260000,
      properties: { amount: '10' },
    });
  });
});
