import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubspotHeaders } from '#local/senders/hubspot.ts';
import type { Twin } from '#local/twin.ts';
import { crmCsvRows } from '#shared/backfill/crm-csv.ts';
import { salesforceId18 } from '#shared/backfill/values.ts';
import { importRows } from '#shared/ingest/import.ts';
import { fieldValue } from '#shared/projection/state.ts';
import { exampleConfig, TEST_SECRETS } from '../support/config.ts';
import { statesOf } from '../support/shuffle.ts';
import { post, startTestTwin } from '../support/twin.ts';

const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/backfill/${name}`, import.meta.url));
const t = (iso: string) => Date.parse(iso);

describe('Salesforce ids', () => {
  it('turns a 15-character id into its 18-character form', () => {
    // Chunks "0015e", "00000", "CCCCC": no, no, five upper-case letters → bits 0, 0, 31 → "A", "A", "5".
    expect(salesforceId18('0015e00000CCCCC')).toBe('0015e00000CCCCCAA5');
    // "001A0": only the 4th character is upper case → bit 3 → 8 → "I"; "00001" → "A"; "GK2zO": G, K, O at 0, 1, 4 → 1+2+16 = 19 → "T".
    expect(salesforceId18('001A000001GK2zO')).toBe('001A000001GK2zOIAT');
    expect(salesforceId18('0015e00000CCCCCAA5')).toBe('0015e00000CCCCCAA5');
  });
});

describe('backfill from CRM exports', () => {
  let twin: Twin;
  const config = exampleConfig();
  const importFile = async (name: string) => {
    const ignored: string[][] = [];
    const summary = await importRows(
      { config, store: twin.store, secrets: twin.secrets, clock: () => t('2026-06-01T00:00:00Z') },
      crmCsvRows(createReadStream(fixture(name)), {
        config,
        onIgnoredColumns: (columns) => ignored.push(columns),
      }),
    );
    return { summary, ignored: ignored.flat() };
  };
  const state = async (key: string) => (await statesOf(twin, [key]))[key];

  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(() => twin.close());

  it('imports HubSpot companies, reporting ignored columns and the row that does not validate', async () => {
    const { summary, ignored } = await importFile('hubspot-companies.csv');
    expect(summary).toMatchObject({ lines: 4, applied: 2 });
    expect(summary.skipped).toEqual([
      { path: 'line 4', message: 'Number of Employees: "lots" is not a number' },
    ]);
    expect(ignored).toEqual(['Annual Revenue']);
    const initech = await state('company#hubspot:502');
    // "1,200" employees; created 2026-03-03 10:30 New York (EST, UTC−5).
    expect(initech && fieldValue(initech, 'employees')).toBe(1200);
    expect(initech?.firstAt).toBe(t('2026-03-03T15:30:00Z'));
    const globex = await state('company#hubspot:501');
    expect(globex && fieldValue(globex, 'domain')).toBe('globex.example');
    expect(await state('company#hubspot:503')).toBeUndefined();
  });

  it('imports HubSpot contacts with their lifecycle dates as first-entry milestones', async () => {
    const { summary, ignored } = await importFile('hubspot-contacts.csv');
    expect(summary).toMatchObject({ lines: 5, applied: 3 });
    expect(summary.skipped).toEqual([{ path: 'line 5', message: 'Create Date: "not a date" is not a date' }]);
    expect(ignored).toEqual(['First Name']);
    const pat = await state('contact#hubspot:1001');
    // Lead 03-02 09:15 EST; MQL 03-03 10:00 EST; SQL 03-09 16:00 EDT (US DST began 03-08).
    expect(pat?.milestones).toEqual({
      lead: t('2026-03-02T14:15:00Z'),
      mql: t('2026-03-03T15:00:00Z'),
      sql: t('2026-03-09T20:00:00Z'),
    });
    expect(pat && fieldValue(pat, 'source')).toBe('PAID_SEARCH');
    expect(pat && fieldValue(pat, 'companyId')).toBe('hubspot:501');
    // Lead status "Unqualified" maps to disqualified at the last change, 03-06 09:30 EST.
    const kim = await state('contact#hubspot:1002');
    expect(kim?.milestones.disqualified).toBe(t('2026-03-06T14:30:00Z'));
    expect(kim && fieldValue(kim, 'reason')).toBe('student');
    const sam = await state('contact#hubspot:1003');
    expect(sam && fieldValue(sam, 'source')).toBe('OFFLINE');
    expect(sam?.milestones.customer).toBe(t('2026-05-20T16:00:00Z'));
  });

  it('imports HubSpot deals: closed stages at their close date, unknown stages kept out', async () => {
    const { summary } = await importFile('hubspot-deals.csv');
    expect(summary).toMatchObject({ lines: 5, applied: 3 });
    expect(summary.skipped[0]?.path).toBe('line 5');
    expect(summary.skipped[0]?.message).toMatch(/the stage is not one of the client's dealStages/);
    // The reason names the field and the rule, never the value a row carried.
    expect(summary.skipped[0]?.message).not.toContain('negotiationofsorts');
    const won = await state('deal#hubspot:7002');
    expect(won?.milestones.closedwon).toBe(t('2026-05-20T16:00:00Z'));
    expect(won && fieldValue(won, 'contactIds')).toEqual(['hubspot:1003', 'hubspot:1002']);
    const open = await state('deal#hubspot:7001');
    expect(open && fieldValue(open, 'amount')).toBe(42000);
  });

  it('imports Salesforce accounts, opportunities and stage history under 18-character ids', async () => {
    expect((await importFile('salesforce-accounts.csv')).summary.applied).toBe(1);
    expect((await importFile('salesforce-opportunities.csv')).summary.applied).toBe(1);
    expect((await importFile('salesforce-stage-history.csv')).summary.applied).toBe(3);
    const account = await state('company#salesforce:0015e00000CCCCCAA5');
    expect(account && fieldValue(account, 'domain')).toBe('umbrella.example');
    const opportunity = await state('deal#salesforce:0065e00000DDDDDAA5');
    // 3/11 10:00, 3/14 14:30 and 3/20 09:00 New York (EDT, UTC−4).
    expect(opportunity?.fields.stage?.map((entry) => [entry.at, entry.value])).toEqual([
      [t('2026-03-11T14:00:00Z'), 'appointmentscheduled'],
      [t('2026-03-14T18:30:00Z'), 'qualifiedtobuy'],
      [t('2026-03-20T13:00:00Z'), 'presentationscheduled'],
    ]);
    expect(opportunity && fieldValue(opportunity, 'companyId')).toBe('salesforce:0015e00000CCCCCAA5');
    expect(opportunity && fieldValue(opportunity, 'contactIds')).toEqual(['salesforce:0035e00000EEEEEAA5']);
    expect(opportunity && fieldValue(opportunity, 'amount')).toBe(65000);
  });

  it('changes nothing when the same records then arrive live from HubSpot', async () => {
    const before = await state('contact#hubspot:1001');
    const writes = twin.store.counters.writes;
    const event = (kind: string, occurredAt: string, extra: Record<string, unknown> = {}) => ({
      eventId: 1,
      subscriptionId: 1,
      portalId: 33,
      appId: 1,
      occurredAt: t(occurredAt),
      subscriptionType: kind,
      attemptNumber: 0,
      objectId: 1001,
      ...extra,
    });
    const change = (at: string, propertyName: string, propertyValue: string) =>
      event('contact.propertyChange', at, { propertyName, propertyValue });
    const body = JSON.stringify([
      event('contact.creation', '2026-03-02T14:15:00Z'),
      change('2026-03-02T14:15:00Z', 'lifecyclestage', 'lead'),
      change('2026-03-03T15:00:00Z', 'lifecyclestage', 'marketingqualifiedlead'),
      change('2026-03-09T20:00:00Z', 'lifecyclestage', 'salesqualifiedlead'),
      change('2026-03-09T20:00:00Z', 'email', 'pat.lee@globex.example'),
      change('2026-03-09T20:00:00Z', 'jobtitle', 'VP Marketing'),
      change('2026-03-09T20:00:00Z', 'hs_seniority', 'vp'),
      change('2026-03-09T20:00:00Z', 'hs_analytics_source', 'PAID_SEARCH'),
      change('2026-03-09T20:00:00Z', 'hubspot_owner_id', 'rep-1'),
      change('2026-03-09T20:00:00Z', 'associatedcompanyid', '501'),
    ]);
    // The example client sets a canonical URL: HubSpot signs the public URL, not the twin's.
    const uri = config.sources.hubspot?.canonicalUrl ?? '';
    const answer = await post(
      twin,
      'hubspot',
      body,
      hubspotHeaders(body, TEST_SECRETS['acme/hubspot-client-secret'], { uri }),
    );
    expect(JSON.parse(answer.text)).toMatchObject({ status: 'accepted', events: 10 });
    expect(await state('contact#hubspot:1001')).toEqual(before);
    // Only the raw delivery and HubSpot's first freshness marker were written: the projection
    // found nothing new.
    expect(twin.store.counters.writes - writes).toBe(2);
    expect((await twin.store.sourceActivity(['hubspot']))[0]?.lastDeliveryAt).toBeDefined();
  });
});
