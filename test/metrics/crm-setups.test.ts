import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { leadToOpportunity, opportunityTimes } from '#shared/metrics/funnel.ts';
import { qualifiedPipelineClosed, qualifiedPipelineCreated } from '#shared/metrics/pipeline.ts';
import { contactProfile, dealProfile } from '#shared/metrics/segments.ts';
import { type CanonicalEvent, CONTACT_LINK_PREFIX, MERGED_FROM_PREFIX } from '#shared/model/events.ts';
import { dataHealth } from '#shared/packets/data-health.ts';
import { definitionsAppendix } from '#shared/packets/definitions.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { projectEvents } from '#shared/projection/project.ts';
import { shuffled } from '../support/shuffle.ts';
import { startTestTwin } from '../support/twin.ts';
import { CONFIG, statesOf, t } from './fixture.ts';

const DAY = 24 * 60 * 60 * 1000;
const factsAt = (events: readonly CanonicalEvent[], asOf: number, config: ClientConfig = CONFIG) =>
  buildFactSet(statesOf(events), config, asOf);

// --- A Salesforce lead converted into a contact, an account and an opportunity ---

const LEAD = 'salesforce:00Q5g00000A1b2cEAB';
const CONTACT = 'salesforce:0035g00000Z9y8xAAB';
const ACCOUNT = 'salesforce:0015g00000K7m6nAAB';
const OPPORTUNITY = 'salesforce:0065g00000P4q3rAAB';
const CONVERTED_AT = t('2026-10-20T15:00:00Z');
const REGIONS = { 'North America': ['United States', 'Canada'], EMEA: ['Germany'] };

const CONVERSION: readonly CanonicalEvent[] = [
  // The lead, as its outbound messages describe it: created 10-01, MQL 10-05, its company inline.
  {
    entity: 'contact',
    id: LEAD,
    at: t('2026-10-01T14:00:00Z'),
    fields: { stage: 'lead', source: 'google-ads', industry: 'Software', employees: 500, country: 'canada' },
  },
  { entity: 'contact', id: LEAD, at: t('2026-10-05T14:00:00Z'), fields: { stage: 'mql', seniority: 'vp' } },
  // The conversion: the link on the lead, its mirror on the contact, the contact role on the opportunity.
  { entity: 'contact', id: LEAD, at: CONVERTED_AT, fields: { mergedInto: CONTACT, companyId: ACCOUNT } },
  { entity: 'contact', id: CONTACT, at: CONVERTED_AT, fields: { [`${MERGED_FROM_PREFIX}${LEAD}`]: true } },
  {
    entity: 'deal',
    id: OPPORTUNITY,
    at: CONVERTED_AT,
    fields: { [`${CONTACT_LINK_PREFIX}${CONTACT}`]: true },
  },
  // The contact's own record (created by the conversion) and the account, which has no industry.
  {
    entity: 'contact',
    id: CONTACT,
    at: CONVERTED_AT,
    fields: { stage: 'sql', source: 'google-ads', companyId: ACCOUNT },
  },
  { entity: 'company', id: ACCOUNT, at: CONVERTED_AT, fields: { name: 'Globex' } },
  {
    entity: 'deal',
    id: OPPORTUNITY,
    at: t('2026-10-21T15:00:00Z'),
    fields: { stage: 'qualifiedtobuy', amount: 20000, companyId: ACCOUNT },
  },
];

describe('a converted Salesforce lead is one person with its contact', () => {
  const config: ClientConfig = { ...CONFIG, regions: REGIONS };
  const facts = factsAt(CONVERSION, t('2026-11-16T13:00:00Z'), config);
  const person = facts.contacts.get(CONTACT);

  it('keeps the lead creation, MQL time and channel on the contact', () => {
    expect(facts.contacts.has(LEAD)).toBe(false);
    expect(person?.createdAt).toBe(t('2026-10-01T14:00:00Z'));
    expect(person?.milestones).toEqual({
      lead: t('2026-10-01T14:00:00Z'),
      mql: t('2026-10-05T14:00:00Z'),
      sql: CONVERTED_AT,
    });
    expect(person?.attribution.channel).toBe('paid_search');
    expect(person?.seniority).toBe('vp');
  });

  it('gives the account the lead company facts it lacks, the region from the country', () => {
    // Country "canada" → North America through `regions`, matched case-insensitively.
    expect(facts.companies.get(ACCOUNT)).toMatchObject({
      industry: 'Software',
      employees: 500,
      region: 'North America',
    });
    if (!person) throw new Error('no person');
    expect(contactProfile(person, facts)).toEqual({
      industry: 'Software',
      employees: 500,
      region: 'North America',
      seniority: 'vp',
    });
  });

  it("counts the converted opportunity for the lead's cohort", () => {
    // Qualified 10-21 15:00Z; the person was on it since the conversion (10-20), so 10-21 it is.
    expect(opportunityTimes(facts).get(CONTACT)).toBe(t('2026-10-21T15:00:00Z'));
    // The cohort of a period [10-31 04:00Z, 11-07 04:00Z) shifted back 30 days holds 10-01 14:00Z.
    const period = { start: t('2026-10-31T04:00:00Z'), end: t('2026-11-07T05:00:00Z') };
    const rate = leadToOpportunity(facts, period, config);
    expect(rate.n).toBe(1);
    expect(rate.value).toBe(1);
  });

  it('reads the lead alone, as it was, before the conversion', () => {
    const before = factsAt(CONVERSION, t('2026-10-15T12:00:00Z'), config);
    expect([...before.contacts.keys()]).toEqual([LEAD]);
    expect(before.contacts.get(LEAD)?.milestones.mql).toBe(t('2026-10-05T14:00:00Z'));
    expect(before.deals.size).toBe(0);
  });

  it('gives the same facts for any order and any repetition of the events', () => {
    const reference = JSON.stringify([...facts.contacts.entries()]);
    for (const seed of [1, 2, 3]) {
      const events = shuffled([...CONVERSION, ...CONVERSION.slice(2, 5)], seed);
      const again = factsAt(events, t('2026-11-16T13:00:00Z'), config);
      expect(JSON.stringify([...again.contacts.entries()].sort(([a], [b]) => (a < b ? -1 : 1)))).toBe(
        reference,
      );
    }
  });
});

// --- A HubSpot merge ---

describe('a HubSpot merge never moves a lead out of its cohort', () => {
  const OLD = 'hubspot:101';
  const PRIMARY = 'hubspot:202';
  const MERGED_AT = t('2026-11-01T15:00:00Z');
  const events: CanonicalEvent[] = [
    { entity: 'contact', id: OLD, at: t('2026-09-01T14:00:00Z'), fields: { source: 'webinar' } },
    { entity: 'contact', id: OLD, at: t('2026-09-10T14:00:00Z'), fields: { stage: 'mql' } },
    {
      entity: 'form',
      id: 'hubspot:form-1',
      at: t('2026-09-01T14:00:00Z'),
      fields: { formId: 'demo-request', contactId: OLD },
    },
    {
      entity: 'contact',
      id: PRIMARY,
      at: t('2026-10-05T14:00:00Z'),
      fields: { source: 'google-ads', owner: '31000101' },
    },
    { entity: 'contact', id: PRIMARY, at: t('2026-10-12T14:00:00Z'), fields: { stage: 'sql' } },
    {
      entity: 'activity',
      id: 'hubspot:call-1',
      at: t('2026-10-12T15:00:00Z'),
      fields: { contactId: OLD, kind: 'call' },
    },
    { entity: 'contact', id: OLD, at: MERGED_AT, fields: { mergedInto: PRIMARY } },
    { entity: 'contact', id: PRIMARY, at: MERGED_AT, fields: { [`${MERGED_FROM_PREFIX}${OLD}`]: true } },
  ];

  it('gives the primary the earliest creation and milestones, and the forms and activities of both', () => {
    const facts = factsAt(events, t('2026-11-16T13:00:00Z'));
    expect([...facts.contacts.keys()]).toEqual([PRIMARY]);
    const person = facts.contacts.get(PRIMARY);
    expect(person?.createdAt).toBe(t('2026-09-01T14:00:00Z'));
    expect(person?.milestones).toEqual({ mql: t('2026-09-10T14:00:00Z'), sql: t('2026-10-12T14:00:00Z') });
    // The channel is where the person came from (the first record); the owner is the primary's.
    expect(person?.attribution.channel).toBe('events');
    expect(person?.owner).toBe('31000101');
    expect(facts.formsByContact.get(PRIMARY)?.map((form) => form.id)).toEqual(['hubspot:form-1']);
    expect(facts.activitiesByContact.get(PRIMARY)?.map((activity) => activity.id)).toEqual([
      'hubspot:call-1',
    ]);
  });

  it('reads two records before the merge', () => {
    const facts = factsAt(events, t('2026-10-20T12:00:00Z'));
    expect([...facts.contacts.keys()].sort()).toEqual([OLD, PRIMARY]);
  });

  it('reads a merge stored the old way (merged record marked deleted) the same', () => {
    const old = events.map((event) =>
      event.fields.mergedInto ? { ...event, fields: { ...event.fields, deleted: true } } : event,
    );
    const facts = factsAt(old, t('2026-11-16T13:00:00Z'));
    expect(facts.contacts.get(PRIMARY)?.createdAt).toBe(t('2026-09-01T14:00:00Z'));
  });

  it('hides the whole person when the primary is deleted', () => {
    const deleted = [
      ...events,
      { entity: 'contact', id: PRIMARY, at: t('2026-11-05T00:00:00Z'), fields: { deleted: true } } as const,
    ];
    expect(factsAt(deleted, t('2026-11-16T13:00:00Z')).contacts.size).toBe(0);
  });
});

// --- Currencies ---

const PERIOD = { start: t('2026-11-09T05:00:00Z'), end: t('2026-11-16T05:00:00Z') };
const AS_OF = t('2026-11-16T13:00:00Z');

function deal(id: string, at: number, fields: CanonicalEvent['fields']): CanonicalEvent {
  return { entity: 'deal', id: `hubspot:${id}`, at, fields: { companyId: 'hubspot:co-1', ...fields } };
}

describe('deals in other currencies', () => {
  // The example's fiscal year starts in February: Nov 2026 is FY2027, Jan 2026 is FY2026.
  const RATES: ClientConfig['exchangeRates'] = { FY2026: { EUR: 1.05 }, FY2027: { EUR: 1.1, GBP: 1.25 } };
  const events: CanonicalEvent[] = [
    // 10,000 EUR qualified 11-10 → 11,000 USD at the FY2027 plan rate.
    deal('eur', t('2026-11-10T15:00:00Z'), { stage: 'qualifiedtobuy', amount: 10000, currency: 'EUR' }),
    // 4,800 EUR is under minAmount 5,000 in EUR, but 5,280 USD converted: it qualifies.
    deal('small', t('2026-11-11T15:00:00Z'), { stage: 'qualifiedtobuy', amount: 4800, currency: 'EUR' }),
    // CHF has no rate; HubSpot sent its home amount, 9,300 USD.
    deal('chf', t('2026-11-12T15:00:00Z'), {
      stage: 'qualifiedtobuy',
      amount: 8400,
      currency: 'CHF',
      homeAmount: 9300,
    }),
    // GBP has a plan rate and a home amount: finance's rate wins (6,000 × 1.25 = 7,500).
    deal('gbp', t('2026-11-12T16:00:00Z'), {
      stage: 'qualifiedtobuy',
      amount: 6000,
      currency: 'GBP',
      homeAmount: 7777,
    }),
    // SEK: neither, so never qualified or summed.
    deal('sek', t('2026-11-13T15:00:00Z'), { stage: 'qualifiedtobuy', amount: 90000, currency: 'SEK' }),
    // Qualified in FY2026 (Jan 20), won in FY2027 (Feb 10): each amount at its own year's rate.
    deal('across', t('2026-01-20T15:00:00Z'), { stage: 'qualifiedtobuy', amount: 20000, currency: 'EUR' }),
    deal('across', t('2026-02-10T15:00:00Z'), { stage: 'closedwon' }),
  ];
  const config: ClientConfig = { ...CONFIG, exchangeRates: RATES };
  const facts = factsAt(events, AS_OF, config);
  const qualified = (id: string) => facts.deals.get(`hubspot:${id}`)?.qualified?.amount;

  it('converts at the plan rate of the fiscal year the amount counts in, else by the home amount', () => {
    expect(qualified('eur')).toBe(10000 * 1.1);
    expect(qualified('small')).toBe(4800 * 1.1);
    expect(qualified('chf')).toBe(9300);
    expect(qualified('gbp')).toBe(6000 * 1.25);
    expect(qualified('sek')).toBeUndefined();
    expect(qualified('across')).toBe(20000 * 1.05);
    expect(facts.deals.get('hubspot:across')?.closed?.amount).toBe(20000 * 1.1);
  });

  it('sums the converted amounts into QPC and won', () => {
    const [amount, count] = qualifiedPipelineCreated(facts, PERIOD);
    expect(count?.value).toBe(4);
    expect(amount?.value).toBeCloseTo(11000 + 5280 + 9300 + 7500, 6);
    const februaryWins = qualifiedPipelineClosed(facts, {
      start: t('2026-02-01T05:00:00Z'),
      end: t('2026-03-01T05:00:00Z'),
    });
    expect(februaryWins.find((metric) => metric.id === 'qpc.won.amount')?.value).toBe(22000);
  });

  it('lists converted and unconverted deals in data health, and the rates in the appendix', () => {
    const health = dataHealth(facts, PERIOD, config);
    expect(health.dealsInOtherCurrency).toEqual([{ key: 'SEK', n: 1 }]);
    expect(health.dealsConverted).toEqual(
      [
        { key: 'CHF:home-amount', n: 1 },
        { key: 'EUR:plan-rate', n: 2 },
        { key: 'GBP:plan-rate', n: 1 },
      ].sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1)),
    );
    const rules = definitionsAppendix(config).rules.join('\n');
    expect(rules).toContain('FY2027: 1 EUR = 1.1 USD, 1 GBP = 1.25 USD');
    expect(rules).toContain('FY2026: 1 EUR = 1.05 USD');
  });

  it('without rates, a deal in another currency is never qualified (unchanged) but a home amount still converts', () => {
    const plain = factsAt(events, AS_OF, CONFIG);
    expect(plain.deals.get('hubspot:eur')?.qualified).toBeUndefined();
    expect(plain.deals.get('hubspot:chf')?.qualified?.amount).toBe(9300);
    // GBP has a home amount (7,777), so without a plan rate it converts by it.
    expect(plain.deals.get('hubspot:gbp')?.qualified?.amount).toBe(7777);
    expect(dataHealth(plain, PERIOD, CONFIG).dealsInOtherCurrency).toEqual([
      { key: 'EUR', n: 2 },
      { key: 'SEK', n: 1 },
    ]);
  });
});

// --- Pipelines and stages ---

describe('pipelines that are not new business, and stages no map names', () => {
  const events: CanonicalEvent[] = [
    deal('new', t('2026-11-10T15:00:00Z'), { stage: 'qualifiedtobuy', amount: 10000, pipeline: 'default' }),
    deal('renewal', t('2026-11-10T16:00:00Z'), {
      stage: 'qualifiedtobuy',
      amount: 50000,
      pipeline: 'renewals',
    }),
    deal('nopipe', t('2026-11-11T15:00:00Z'), { stage: 'qualifiedtobuy', amount: 7000 }),
    deal('custom', t('2026-11-11T16:00:00Z'), { stage: '12345678', amount: 30000, pipeline: 'default' }),
  ];
  const config: ClientConfig = { ...CONFIG, pipelines: { count: ['default'] } };

  it('keeps deals of other pipelines out of every metric and counts them in data health', () => {
    const facts = factsAt(events, AS_OF, config);
    expect(facts.deals.has('hubspot:renewal')).toBe(false);
    const [amount, count] = qualifiedPipelineCreated(facts, PERIOD);
    expect(count?.value).toBe(2);
    expect(amount?.value).toBe(10000 + 7000);
    expect(dataHealth(facts, PERIOD, config).dealsInOtherPipelines).toEqual([{ key: 'renewals', n: 1 }]);
  });

  it('counts every pipeline when the config names none', () => {
    const [amount] = qualifiedPipelineCreated(factsAt(events, AS_OF), PERIOD);
    expect(amount?.value).toBe(10000 + 50000 + 7000);
  });

  it('keeps a deal in an unmapped stage open and short of the bar, and names the stage in data health', () => {
    const facts = factsAt(events, AS_OF, config);
    expect(facts.deals.get('hubspot:custom')?.qualified).toBeUndefined();
    expect(dataHealth(facts, PERIOD, config).dealsInUnmappedStages).toEqual([
      { key: 'hubspot:12345678', n: 1 },
    ]);
  });
});

// --- A contact who joins a deal after it qualified ---

describe('a contact added to a deal after it qualified', () => {
  const events: CanonicalEvent[] = [
    deal('d', t('2026-10-02T15:00:00Z'), { stage: 'qualifiedtobuy', amount: 10000 }),
    { entity: 'contact', id: 'hubspot:late', at: t('2026-10-05T14:00:00Z'), fields: { source: 'webinar' } },
    {
      entity: 'deal',
      id: 'hubspot:d',
      at: t('2026-10-06T14:00:00Z'),
      fields: { [`${CONTACT_LINK_PREFIX}hubspot:late`]: true },
    },
    {
      entity: 'contact',
      id: 'hubspot:much-later',
      at: t('2026-08-01T14:00:00Z'),
      fields: { source: 'webinar' },
    },
    {
      entity: 'deal',
      id: 'hubspot:d',
      at: t('2026-10-06T15:00:00Z'),
      fields: { [`${CONTACT_LINK_PREFIX}hubspot:much-later`]: true },
    },
  ];
  const facts = factsAt(events, AS_OF);

  it('became an opportunity when it joined the deal', () => {
    const times = opportunityTimes(facts);
    expect(times.get('hubspot:late')).toBe(t('2026-10-06T14:00:00Z'));
    // Joined 66 days after its creation: an opportunity then, outside a 30-day cohort window.
    expect(times.get('hubspot:much-later')).toBe(t('2026-10-06T15:00:00Z'));
    const period = { start: t('2026-11-04T05:00:00Z'), end: t('2026-11-11T05:00:00Z') };
    // Cohort: created in [10-05 05:00Z, 10-12 05:00Z) → only "late"; converted 1 day after creation.
    const rate = leadToOpportunity(facts, period, CONFIG);
    expect([rate.n, rate.value]).toEqual([1, 1]);
  });
});

describe("a deal's firmographics", () => {
  it("takes what its company lacks from its first contact's profile", () => {
    const events: CanonicalEvent[] = [
      {
        entity: 'contact',
        id: LEAD,
        at: t('2026-10-01T14:00:00Z'),
        fields: { industry: 'Healthcare', country: 'Germany', seniority: 'director' },
      },
      {
        entity: 'deal',
        id: OPPORTUNITY,
        at: t('2026-10-02T14:00:00Z'),
        fields: { contactIds: [LEAD], amount: 1 },
      },
    ];
    const facts = factsAt(events, AS_OF, { ...CONFIG, regions: REGIONS });
    const opportunity = facts.deals.get(OPPORTUNITY);
    if (!opportunity) throw new Error('no deal');
    expect(dealProfile(opportunity, facts)).toEqual({
      industry: 'Healthcare',
      employees: undefined,
      region: 'EMEA',
      seniority: 'director',
    });
  });
});

describe('the as-of rule holds across links', () => {
  it('a packet as of an instant before a link is unchanged by it', () => {
    const before = t('2026-10-15T12:00:00Z');
    const withoutConversion = CONVERSION.filter((event) => event.at < CONVERTED_AT);
    expect(JSON.stringify([...factsAt(CONVERSION, before).contacts])).toBe(
      JSON.stringify([...factsAt(withoutConversion, before).contacts]),
    );
    expect(before + DAY).toBeLessThan(CONVERTED_AT);
  });
});

describe('a packet read from the store follows the links', () => {
  it('finds the lead behind a contact that only an open opportunity names', async () => {
    // Months later, neither the lead (created 10-01) nor its contact (10-20) is in any query's
    // window; the open opportunity names the contact, whose mergedFrom names the lead.
    const asOf = t('2027-06-01T13:00:00Z');
    const twin = await startTestTwin();
    try {
      await projectEvents(twin.store, CONFIG, CONVERSION);
      const facts = await loadFacts(twin.store, CONFIG, 'weekly', asOf);
      expect(facts.contacts.get(CONTACT)?.createdAt).toBe(t('2026-10-01T14:00:00Z'));
      expect(facts.contacts.get(CONTACT)?.milestones.mql).toBe(t('2026-10-05T14:00:00Z'));
      expect(JSON.stringify([...facts.contacts])).toBe(
        JSON.stringify([...factsAt(CONVERSION, asOf).contacts]),
      );
    } finally {
      await twin.close();
    }
  });
});
