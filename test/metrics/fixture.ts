import { expect } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { buildFactSet, type FactSet } from '#shared/metrics/facts.ts';
import { computeMetrics, type MetricWindows } from '#shared/metrics/index.ts';
import type { MetricValue } from '#shared/metrics/types.ts';
import type { Window } from '#shared/metrics/window.ts';
import { type CanonicalEvent, entityKey, type FieldValue } from '#shared/model/events.ts';
import { applyEvents, type EntityState } from '#shared/projection/state.ts';
import { exampleConfig } from '../support/config.ts';

/**
 * A hand-built fixture for the metrics engine, for the example client (clients/example.yaml):
 * America/New_York (EST, UTC−5, after 2026-11-01; EDT, UTC−4, before), business hours mon–fri
 * 09:00–17:00 local = 14:00Z–22:00Z in November, qualification qualifiedtobuy / 5000 / amount +
 * companyId, ICP Software|Financial Services|Healthcare, 200–5000 employees, North America|UK&I,
 * vp|director|c_level; SLA 240 / 60 business minutes; salesCycleDays 90, maturityDays 30, stallDays 21.
 *
 * Main period: the week of Monday 2026-11-09 (New York) = [2026-11-09T05:00Z, 2026-11-16T05:00Z),
 * read as of Monday 2026-11-16T13:00Z (08:00 New York). Each row's comment says what it is for;
 * the tests derive every expected number from these rows by hand.
 */

export const t = (iso: string): number => Date.parse(iso);

export const PERIOD: Window = { start: t('2026-11-09T05:00:00Z'), end: t('2026-11-16T05:00:00Z') };
export const AS_OF = t('2026-11-16T13:00:00Z');

/** The 4 weekly periods before the main one, most recent first (DST ended 2026-11-01 02:00 EDT). */
export const PREVIOUS_WEEKS: readonly Window[] = [
  { start: t('2026-11-02T05:00:00Z'), end: t('2026-11-09T05:00:00Z') },
  { start: t('2026-10-26T04:00:00Z'), end: t('2026-11-02T05:00:00Z') },
  { start: t('2026-10-19T04:00:00Z'), end: t('2026-10-26T04:00:00Z') },
  { start: t('2026-10-12T04:00:00Z'), end: t('2026-10-19T04:00:00Z') },
];

export const WINDOWS: MetricWindows = {
  period: PERIOD,
  previous: PREVIOUS_WEEKS,
  weeks: [PERIOD, ...PREVIOUS_WEEKS],
};

type Fields = Record<string, FieldValue>;
const event =
  (entity: CanonicalEvent['entity']) =>
  (id: string, at: string, fields: Fields): CanonicalEvent => ({
    entity,
    id: `generic:${id}`,
    at: t(at),
    fields,
  });
const company = event('company');
const contact = event('contact');
const deal = event('deal');
const form = event('form');
const activity = event('activity');

export const COMPANIES: readonly CanonicalEvent[] = [
  // Seen long before the period (not in icp.breadth).
  company('co-1', '2026-08-01T14:00:00Z', {
    name: 'Globex',
    industry: 'Software',
    employees: 850,
    region: 'North America',
  }),
  company('co-2', '2026-08-01T14:00:00Z', {
    industry: 'Financial Services',
    employees: 1200,
    region: 'UK&I',
  }),
  company('co-3', '2026-08-01T14:00:00Z', { industry: 'Retail', employees: 300, region: 'North America' }),
  // After the as-of instant: not seen (co-3 stays Retail).
  company('co-3', '2026-11-16T14:00:00Z', { industry: 'Software' }),
  company('co-4', '2026-08-01T14:00:00Z', { industry: 'Software', employees: 120, region: 'North America' }),
  company('co-5', '2026-08-01T14:00:00Z', {
    industry: 'Healthcare',
    employees: 5000,
    region: 'North America',
  }),
  company('co-7', '2026-08-01T14:00:00Z', { industry: 'Healthcare', employees: 2500, region: 'DACH' }),
  // First seen in the period (icp.breadth): co-6 lacks employees, co-8 is outside, co-9 and co-10 fit.
  company('co-6', '2026-11-10T14:00:00Z', { industry: 'Software', region: 'North America' }),
  company('co-8', '2026-11-11T14:00:00Z', { industry: 'Manufacturing', employees: 40, region: 'DACH' }),
  company('co-9', '2026-11-12T14:00:00Z', { industry: 'Healthcare', employees: 5000, region: 'UK&I' }),
  company('co-10', '2026-11-15T23:00:00Z', {
    industry: 'Software',
    employees: 200,
    region: 'North America',
  }),
  // Exactly at the period end (next period) and after the as-of instant (not seen).
  company('co-11', '2026-11-16T05:00:00Z', { industry: 'Software', employees: 900, region: 'UK&I' }),
  company('co-12', '2026-11-16T14:00:00Z', {
    industry: 'Software',
    employees: 900,
    region: 'North America',
  }),
];

/** Contacts of the main period: MQLs, SLA clocks, new leads, rejections. */
export const PERIOD_CONTACTS: readonly CanonicalEvent[] = [
  // c-1: MQL Tue 11-10 10:00 local, touched 10:30 → 30 business minutes (mql clock, 240).
  contact('c-1', '2026-11-02T15:00:00Z', {
    stage: 'lead',
    source: 'linkedin-ads',
    companyId: 'generic:co-1',
    seniority: 'vp',
    owner: 'rep-1',
  }),
  contact('c-1', '2026-11-10T15:00:00Z', { stage: 'mql' }),
  contact('c-1', '2026-11-16T14:00:00Z', { source: 'partner' }), // after as-of: still paid_social
  activity('a-1', '2026-11-10T15:30:00Z', { contactId: 'generic:c-1', kind: 'call', owner: 'rep-1' }),

  // c-2: recycled. First mql 10-13 (in the mql→sql cohort), re-enters mql 11-11 (not a new MQL);
  // sql 11-13 15:00Z is 31 d 1 h after the first mql → not within 30.
  contact('c-2', '2026-10-01T14:00:00Z', { stage: 'lead', source: 'EVENT', owner: 'rep-1' }),
  contact('c-2', '2026-10-13T14:00:00Z', { stage: 'mql' }),
  contact('c-2', '2026-10-20T14:00:00Z', { stage: 'recycled' }),
  contact('c-2', '2026-11-11T15:00:00Z', { stage: 'mql' }),
  contact('c-2', '2026-11-13T15:00:00Z', { stage: 'sql' }),

  // c-3: straight to sql in the period: never an MQL, no SLA clock.
  contact('c-3', '2026-11-03T15:00:00Z', { stage: 'lead', source: 'google-ads' }),
  contact('c-3', '2026-11-10T16:00:00Z', { stage: 'sql' }),

  // c-4: MQL Thu 11-12 09:00 local, never touched: deadline 13:00 local (18:00Z) → breach, though
  // disqualified since. Owner as of: rep-3 (the change to rep-9 comes after the as-of instant).
  contact('c-4', '2026-11-12T14:00:00Z', {
    stage: 'mql',
    source: 'google-ads',
    companyId: 'generic:co-2',
    seniority: 'vp',
    owner: 'rep-2',
  }),
  contact('c-4', '2026-11-13T14:30:00Z', { owner: 'rep-3' }),
  contact('c-4', '2026-11-13T15:00:00Z', { stage: 'disqualified', reason: 'no budget' }),
  contact('c-4', '2026-11-16T14:00:00Z', { owner: 'rep-9' }),

  // c-5: demo-request Fri 11-13 16:30 local: deadline Mon 09:30 local (14:30Z) > as-of → pending.
  // Its touch at 11-16 14:10Z comes after the as-of instant.
  contact('c-5', '2026-11-13T21:30:00Z', {
    stage: 'lead',
    source: 'linkedin-ads',
    companyId: 'generic:co-6',
    seniority: 'vp',
    owner: 'rep-1',
  }),
  form('f-5', '2026-11-13T21:30:00Z', { formId: 'demo-request', contactId: 'generic:c-5' }),
  activity('a-5', '2026-11-16T14:10:00Z', { contactId: 'generic:c-5', kind: 'call', owner: 'rep-1' }),

  // c-6: pricing-contact Fri 11-13 16:00 local, touched Mon 07:00 local → 60 business minutes across
  // the weekend = the 60-minute target → within.
  contact('c-6', '2026-11-13T21:00:00Z', {
    stage: 'lead',
    source: 'ORGANIC_SEARCH',
    companyId: 'generic:co-1',
    seniority: 'director',
    owner: 'rep-1',
  }),
  form('f-6', '2026-11-13T21:00:00Z', { formId: 'pricing-contact', contactId: 'generic:c-6' }),
  activity('a-6', '2026-11-16T12:00:00Z', { contactId: 'generic:c-6', kind: 'email', owner: 'rep-1' }),

  // c-7: MQL Wed 11-11 14:00 local, touched Thu 12:30 local → 180 + 210 = 390 → late.
  contact('c-7', '2026-11-11T19:00:00Z', {
    stage: 'mql',
    source: 'LinkedIn-Ads',
    companyId: 'generic:co-3',
    seniority: 'vp',
    owner: 'rep-2',
  }),
  activity('a-7', '2026-11-12T17:30:00Z', { contactId: 'generic:c-7', kind: 'call', owner: 'rep-2' }),
  contact('c-7', '2026-11-13T16:00:00Z', { stage: 'disqualified', reason: 'no budget' }),

  // c-8: a newsletter form (not high intent) before it exists; MQL Mon 11-09 09:00 local, touched
  // 13:00 local → 240 = target → within.
  form('f-8', '2026-11-09T13:00:00Z', { formId: 'newsletter', contactId: 'generic:c-8' }),
  contact('c-8', '2026-11-09T14:00:00Z', {
    stage: 'mql',
    source: 'webinar',
    companyId: 'generic:co-5',
    seniority: 'director',
    owner: 'rep-1',
  }),
  activity('a-8', '2026-11-09T18:00:00Z', { contactId: 'generic:c-8', kind: 'meeting', owner: 'rep-1' }),

  // c-9: an activity before its clock; demo-request Tue 11-10 09:30 local (the clock, 60 min, though
  // it also becomes MQL at 09:45), touched 11:00 local → 90 → late.
  activity('a-9a', '2026-11-09T20:00:00Z', { contactId: 'generic:c-9', kind: 'email', owner: 'rep-2' }),
  form('f-9', '2026-11-10T14:30:00Z', { formId: 'demo-request', contactId: 'generic:c-9' }),
  contact('c-9', '2026-11-10T14:45:00Z', {
    stage: 'mql',
    source: 'partner',
    companyId: 'generic:co-2',
    seniority: 'manager',
    owner: 'rep-2',
  }),
  activity('a-9b', '2026-11-10T16:00:00Z', { contactId: 'generic:c-9', kind: 'call', owner: 'rep-2' }),

  // c-10: MQL Sat 11-14 10:00 local, untouched: deadline Mon 13:00 local (18:00Z) > as-of → pending.
  // No seniority; its current source is unmapped.
  contact('c-10', '2026-11-14T15:00:00Z', {
    stage: 'mql',
    source: 'webinar',
    companyId: 'generic:co-1',
    owner: 'rep-1',
  }),
  contact('c-10', '2026-11-15T12:00:00Z', { source: 'tradeshow-2026' }),

  // c-11: MQL Thu 11-12 10:00 local, touched 12:00 local → 120 → within.
  contact('c-11', '2026-11-12T15:00:00Z', {
    stage: 'mql',
    source: 'google-ads',
    companyId: 'generic:co-1',
    seniority: 'vp',
    owner: 'rep-1',
  }),
  activity('a-11', '2026-11-12T17:00:00Z', { contactId: 'generic:c-11', kind: 'call', owner: 'rep-1' }),

  // c-12..c-14: leads of the sales team (outbound adherence); c-12 is rejected.
  contact('c-12', '2026-11-11T16:00:00Z', {
    stage: 'lead',
    source: 'sdr',
    companyId: 'generic:co-4',
    seniority: 'c_level',
    owner: 'rep-3',
  }),
  contact('c-12', '2026-11-12T18:00:00Z', { stage: 'disqualified', reason: 'wrong company size' }),
  contact('c-13', '2026-11-13T16:00:00Z', {
    stage: 'lead',
    source: 'OFFLINE',
    companyId: 'generic:co-2',
    seniority: 'c_level',
  }),
  contact('c-14', '2026-11-10T17:00:00Z', {
    stage: 'lead',
    source: 'outbound',
    companyId: 'generic:co-5',
    seniority: 'vp',
  }),

  // c-15: created after the as-of instant: not seen at all.
  contact('c-15', '2026-11-16T14:00:00Z', { stage: 'mql', source: 'google-ads' }),

  // c-16..c-18: older leads rejected in the period: blank reason, no reason, a reason rewritten.
  contact('c-16', '2026-10-20T14:00:00Z', { stage: 'lead', source: 'google-ads' }),
  contact('c-16', '2026-11-10T15:00:00Z', { stage: 'disqualified', reason: '' }),
  contact('c-17', '2026-10-21T14:00:00Z', { stage: 'lead', source: 'google-ads' }),
  contact('c-17', '2026-11-11T15:00:00Z', { stage: 'disqualified' }),
  contact('c-18', '2026-10-22T14:00:00Z', { stage: 'lead' }),
  contact('c-18', '2026-11-14T15:00:00Z', { stage: 'disqualified', reason: 'competitor' }),
  contact('c-18', '2026-11-15T15:00:00Z', { reason: 'wrong company size' }),
];

/** Rejections of the 3 weeks before the period (the streak). */
export const EARLIER_REJECTIONS: readonly CanonicalEvent[] = [
  // Week of 11-02: no budget 2, competitor 1.
  contact('c-50', '2026-11-03T15:00:00Z', { stage: 'disqualified', reason: 'no budget' }),
  contact('c-51', '2026-11-04T15:00:00Z', { stage: 'disqualified', reason: 'no budget' }),
  contact('c-52', '2026-11-05T15:00:00Z', { stage: 'disqualified', reason: 'competitor' }),
  // Week of 10-26: no budget 1.
  contact('c-53', '2026-10-27T15:00:00Z', { stage: 'disqualified', reason: 'no budget' }),
  // Week of 10-19: competitor 2, no budget 1.
  contact('c-54', '2026-10-20T15:00:00Z', { stage: 'disqualified', reason: 'competitor' }),
  contact('c-55', '2026-10-21T15:00:00Z', { stage: 'disqualified', reason: 'competitor' }),
  contact('c-56', '2026-10-22T15:00:00Z', { stage: 'disqualified', reason: 'no budget' }),
];

/**
 * The October cohort: the main period shifted back 30 days is [10-10T05:00Z, 10-17T05:00Z).
 * mql→sql by mql time, lead→opportunity by creation.
 */
export const COHORT_CONTACTS: readonly CanonicalEvent[] = [
  // c-20: mql 10-12 14:00Z, sql exactly 30 × 24 h later → converted; no opportunity.
  contact('c-20', '2026-10-12T14:00:00Z', {
    stage: 'mql',
    source: 'linkedin-ads',
    companyId: 'generic:co-1',
    seniority: 'vp',
  }),
  contact('c-20', '2026-11-11T14:00:00Z', { stage: 'sql' }),
  // c-21: sql 30 d + 1 min after mql → not converted; listed on d-30, qualified 10-20 → opportunity.
  contact('c-21', '2026-10-13T14:00:00Z', {
    stage: 'mql',
    source: 'linkedin-ads',
    companyId: 'generic:co-2',
    seniority: 'director',
  }),
  contact('c-21', '2026-11-12T14:01:00Z', { stage: 'sql' }),
  // c-22: sql after 6 days; its own opportunity milestone 11 days after creation.
  contact('c-22', '2026-10-14T15:00:00Z', {
    stage: 'mql',
    source: 'partner',
    companyId: 'generic:co-3',
    seniority: 'manager',
  }),
  contact('c-22', '2026-10-20T15:00:00Z', { stage: 'sql' }),
  contact('c-22', '2026-10-25T15:00:00Z', { stage: 'opportunity' }),
  // c-23: an MQL that goes nowhere; no company.
  contact('c-23', '2026-10-15T15:00:00Z', { stage: 'mql', source: 'google-ads', seniority: 'vp' }),
  // c-24: mql before the cohort; c-25: mql exactly at the cohort end (the next cohort).
  contact('c-24', '2026-10-09T15:00:00Z', { stage: 'mql', source: 'google-ads' }),
  contact('c-24', '2026-10-12T15:00:00Z', { stage: 'sql' }),
  contact('c-25', '2026-10-17T05:00:00Z', { stage: 'mql', source: 'google-ads' }),
  contact('c-25', '2026-10-18T15:00:00Z', { stage: 'sql' }),
  // c-27: straight to sql (not in the mql cohort); opportunity exactly 30 × 24 h after creation.
  contact('c-27', '2026-10-12T14:00:00Z', {
    stage: 'lead',
    source: 'sdr',
    companyId: 'generic:co-1',
    seniority: 'c_level',
  }),
  contact('c-27', '2026-10-13T14:00:00Z', { stage: 'sql' }),
  contact('c-27', '2026-11-11T14:00:00Z', { stage: 'opportunity' }),
  // c-28: listed only on the EUR deal d-31 → never an opportunity.
  contact('c-28', '2026-10-15T16:00:00Z', { stage: 'lead', source: 'OFFLINE', companyId: 'generic:co-4' }),
  // c-29: opportunity 30 d + 1 h after creation → too late.
  contact('c-29', '2026-10-16T14:00:00Z', {
    stage: 'lead',
    source: 'google-ads',
    companyId: 'generic:co-7',
    seniority: 'director',
  }),
  contact('c-29', '2026-11-15T15:00:00Z', { stage: 'opportunity' }),
];

/** The buyers on deals, created long before (in no cohort). */
export const DEAL_CONTACTS: readonly CanonicalEvent[] = [
  contact('c-30', '2026-09-01T14:00:00Z', { stage: 'lead', companyId: 'generic:co-1', seniority: 'vp' }),
  contact('c-31', '2026-09-01T14:00:00Z', {
    stage: 'lead',
    companyId: 'generic:co-1',
    seniority: 'director',
  }),
  contact('c-32', '2026-09-01T14:00:00Z', { stage: 'lead', companyId: 'generic:co-5', seniority: 'vp' }),
  contact('c-33', '2026-09-01T14:00:00Z', {
    stage: 'lead',
    companyId: 'generic:co-3',
    seniority: 'manager',
  }),
  contact('c-34', '2026-09-01T14:00:00Z', { stage: 'lead', companyId: 'generic:co-8', seniority: 'vp' }),
  contact('c-35', '2026-09-01T14:00:00Z', { stage: 'lead', companyId: 'generic:co-4', seniority: 'vp' }),
  contact('c-36', '2026-09-01T14:00:00Z', {
    stage: 'lead',
    companyId: 'generic:co-2',
    seniority: 'director',
  }),
  contact('c-37', '2026-09-01T14:00:00Z', {
    stage: 'lead',
    companyId: 'generic:co-7',
    seniority: 'c_level',
  }),
];

/** Deals qualifying (or not) in the main period. */
export const PERIOD_DEALS: readonly CanonicalEvent[] = [
  // d-1: qualifies when it reaches qualifiedtobuy (11-10 15:00Z) with 12000; raised to 20000 later.
  deal('d-1', '2026-11-02T15:00:00Z', {
    stage: 'appointmentscheduled',
    amount: 12000,
    currency: 'USD',
    companyId: 'generic:co-1',
    contactIds: ['generic:c-1'],
    source: 'linkedin-ads',
    owner: 'rep-1',
  }),
  deal('d-1', '2026-11-10T15:00:00Z', { stage: 'qualifiedtobuy' }),
  deal('d-1', '2026-11-12T15:00:00Z', { amount: 20000 }),
  // d-2: at qualifiedtobuy with 3000 < 5000; qualifies when raised to 8000 (11-11 16:00Z).
  deal('d-2', '2026-11-03T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 3000,
    companyId: 'generic:co-2',
    contactIds: ['generic:c-9'],
    source: 'partner',
    owner: 'rep-2',
  }),
  deal('d-2', '2026-11-11T16:00:00Z', { amount: 8000 }),
  // d-3: no companyId until 11-12 17:00Z → qualifies then with 15000; no source of its own → its first
  // contact c-8's (webinar → events, marketing).
  deal('d-3', '2026-11-04T15:00:00Z', {
    stage: 'presentationscheduled',
    amount: 15000,
    contactIds: ['generic:c-8'],
    owner: 'rep-1',
  }),
  deal('d-3', '2026-11-12T17:00:00Z', { companyId: 'generic:co-5' }),
  // d-4: created straight into closedwon with the bar otherwise met → qualified and won 11-13 16:00Z.
  deal('d-4', '2026-11-13T16:00:00Z', {
    stage: 'closedwon',
    amount: 6000,
    companyId: 'generic:co-1',
    contactIds: ['generic:c-30'],
    source: 'sdr',
    owner: 'rep-3',
  }),
  // d-5: in EUR → never qualified nor summed.
  deal('d-5', '2026-11-10T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 50000,
    currency: 'EUR',
    companyId: 'generic:co-2',
    source: 'partner',
  }),
  // d-6: closed lost at 4000; raised to 9000 after the close → cannot qualify.
  deal('d-6', '2026-11-05T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 4000,
    companyId: 'generic:co-3',
    source: 'google-ads',
  }),
  deal('d-6', '2026-11-11T15:00:00Z', { stage: 'closedlost', reason: 'no budget' }),
  deal('d-6', '2026-11-12T15:00:00Z', { amount: 9000 }),
  // d-7: unmapped source → channel:unmapped, team:unmapped; qualifies 11-09 16:00Z with 7000.
  deal('d-7', '2026-11-09T16:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 7000,
    companyId: 'generic:co-4',
    source: 'tradeshow-2026',
    owner: 'rep-2',
  }),
  // d-8: reaches qualifiedtobuy after the as-of instant → not qualified.
  deal('d-8', '2026-11-11T15:00:00Z', {
    stage: 'appointmentscheduled',
    amount: 30000,
    companyId: 'generic:co-1',
    source: 'google-ads',
  }),
  deal('d-8', '2026-11-16T14:00:00Z', { stage: 'qualifiedtobuy' }),
  // d-9: exactly minAmount → qualifies 11-15 22:00Z with 5000.
  deal('d-9', '2026-11-15T22:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 5000,
    companyId: 'generic:co-2',
    contactIds: ['generic:c-11'],
    source: 'adwords',
    owner: 'rep-1',
  }),
  // d-10: qualifies exactly at the period end → the next period.
  deal('d-10', '2026-11-16T05:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 9000,
    companyId: 'generic:co-2',
    source: 'google-ads',
  }),
  // d-17: its currency arrives 5 minutes after the rest, and it is EUR → never qualified nor summed.
  deal('d-17', '2026-11-10T16:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 20000,
    companyId: 'generic:co-1',
    source: 'google-ads',
  }),
  deal('d-17', '2026-11-10T16:05:00Z', { currency: 'EUR' }),
];

/** Deals closing in the main period. */
export const CLOSING_DEALS: readonly CanonicalEvent[] = [
  // d-11: qualified 10-01; 25000 at its close 11-12 20:00Z; raised to 30000 after. First contact c-33
  // (manager) → outside the ICP although c-31 (director) is listed too.
  deal('d-11', '2026-10-01T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 20000,
    companyId: 'generic:co-1',
    contactIds: ['generic:c-33', 'generic:c-31'],
    source: 'partner',
    owner: 'rep-1',
  }),
  deal('d-11', '2026-11-02T15:00:00Z', { amount: 25000 }),
  deal('d-11', '2026-11-12T20:00:00Z', { stage: 'closedwon' }),
  deal('d-11', '2026-11-13T15:00:00Z', { amount: 30000 }),
  // d-12, d-13: qualified in October, lost in the period.
  deal('d-12', '2026-10-05T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 10000,
    companyId: 'generic:co-3',
    contactIds: ['generic:c-33'],
    source: 'google-ads',
    owner: 'rep-2',
  }),
  deal('d-12', '2026-11-10T18:00:00Z', { stage: 'closedlost', reason: 'no budget' }),
  deal('d-13', '2026-10-06T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 40000,
    companyId: 'generic:co-7',
    contactIds: ['generic:c-37'],
    source: 'webinar',
    owner: 'rep-2',
  }),
  deal('d-13', '2026-11-11T18:00:00Z', { stage: 'closedlost', reason: 'competitor' }),
  // d-14: qualified 10-07, won 11-14 with 9000.
  deal('d-14', '2026-10-07T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 9000,
    companyId: 'generic:co-2',
    contactIds: ['generic:c-36'],
    source: 'partner',
    owner: 'rep-3',
  }),
  deal('d-14', '2026-11-14T15:00:00Z', { stage: 'closedwon' }),
  // d-15, d-16: won under minAmount (never qualified): only ICP fit and drift see them. d-16 has no
  // contact and its company no employee count.
  deal('d-15', '2026-11-12T16:00:00Z', {
    stage: 'closedwon',
    amount: 3000,
    companyId: 'generic:co-8',
    contactIds: ['generic:c-34'],
    source: 'google-ads',
  }),
  deal('d-16', '2026-11-12T15:00:00Z', {
    stage: 'closedwon',
    amount: 2000,
    companyId: 'generic:co-6',
    source: 'google-ads',
  }),
];

/** Deals qualified in August: the pipeline-to-revenue cohort [08-11T05:00Z, 08-18T05:00Z). */
export const AUGUST_DEALS: readonly CanonicalEvent[] = [
  // d-20: won exactly 90 × 24 h after qualifying (08-12 15:00Z → 11-10 15:00Z) → within.
  deal('d-20', '2026-08-12T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 10000,
    companyId: 'generic:co-4',
    contactIds: ['generic:c-35'],
    source: 'linkedin-ads',
    owner: 'rep-1',
  }),
  deal('d-20', '2026-11-10T15:00:00Z', { stage: 'closedwon' }),
  // d-21: won 91 days after qualifying → not within the cycle.
  deal('d-21', '2026-08-13T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 20000,
    companyId: 'generic:co-5',
    contactIds: ['generic:c-32'],
    source: 'partner',
    owner: 'rep-3',
  }),
  deal('d-21', '2026-11-12T15:00:00Z', { stage: 'closedwon' }),
  // d-22: lost.
  deal('d-22', '2026-08-14T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 30000,
    companyId: 'generic:co-3',
    source: 'sdr',
    owner: 'rep-3',
  }),
  deal('d-22', '2026-09-30T15:00:00Z', { stage: 'closedlost', reason: 'competitor' }),
  // d-23: still open; the same stage re-sent 11-01 (no change); amount now 45000 (qualified 40000).
  deal('d-23', '2026-08-17T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 40000,
    companyId: 'generic:co-1',
    source: 'google-ads',
    owner: 'rep-1',
  }),
  deal('d-23', '2026-11-01T15:00:00Z', { stage: 'qualifiedtobuy' }),
  deal('d-23', '2026-11-14T15:00:00Z', { amount: 45000 }),
  // d-24: qualified exactly at the cohort end; d-25: before the cohort start.
  deal('d-24', '2026-08-18T05:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 50000,
    companyId: 'generic:co-1',
    source: 'google-ads',
  }),
  deal('d-24', '2026-09-01T15:00:00Z', { stage: 'closedwon' }),
  deal('d-25', '2026-08-10T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 60000,
    companyId: 'generic:co-1',
    source: 'google-ads',
  }),
  deal('d-25', '2026-09-01T15:00:00Z', { stage: 'closedwon' }),
];

/** Open deals for lead→opportunity and stalled. */
export const OPEN_DEALS: readonly CanonicalEvent[] = [
  // d-30: lists c-21; qualified 10-20 15:00Z; no stage change since → stalled (26 days).
  deal('d-30', '2026-10-20T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 12000,
    companyId: 'generic:co-2',
    contactIds: ['generic:c-21'],
    source: 'partner',
    owner: 'rep-2',
  }),
  // d-31: in EUR, lists c-28 → never qualified.
  deal('d-31', '2026-10-16T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 50000,
    currency: 'EUR',
    companyId: 'generic:co-4',
    contactIds: ['generic:c-28'],
    source: 'OFFLINE',
  }),
  // d-32: last stage change exactly 21 × 24 h before the period end → stalled.
  deal('d-32', '2026-10-01T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 8000,
    companyId: 'generic:co-1',
    source: 'google-ads',
    owner: 'rep-2',
  }),
  deal('d-32', '2026-10-26T05:00:00Z', { stage: 'presentationscheduled' }),
  // d-33: last stage change 20 days before the period end → not stalled.
  deal('d-33', '2026-10-01T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 8000,
    companyId: 'generic:co-1',
    source: 'google-ads',
    owner: 'rep-2',
  }),
  deal('d-33', '2026-10-27T05:00:00Z', { stage: 'presentationscheduled' }),
  // d-35: open at the period end (won one hour after it) → stalled.
  deal('d-35', '2026-09-01T15:00:00Z', {
    stage: 'qualifiedtobuy',
    amount: 5500,
    companyId: 'generic:co-1',
    source: 'google-ads',
    owner: 'rep-3',
  }),
  deal('d-35', '2026-11-16T06:00:00Z', { stage: 'closedwon' }),
];

/** Wins of the 4 previous weeks (the ICP drift baseline) and one of the 5th week back (not in it). */
export const BASELINE_WINS: readonly CanonicalEvent[] = [
  deal('d-40', '2026-11-03T15:00:00Z', {
    stage: 'closedwon',
    amount: 10000,
    companyId: 'generic:co-1',
    contactIds: ['generic:c-30'],
    source: 'google-ads',
  }),
  deal('d-41', '2026-10-28T15:00:00Z', {
    stage: 'closedwon',
    amount: 10000,
    companyId: 'generic:co-2',
    contactIds: ['generic:c-36'],
    source: 'partner',
  }),
  deal('d-42', '2026-10-21T15:00:00Z', {
    stage: 'closedwon',
    amount: 10000,
    companyId: 'generic:co-3',
    contactIds: ['generic:c-33'],
    source: 'google-ads',
  }),
  deal('d-43', '2026-10-14T15:00:00Z', {
    stage: 'closedwon',
    amount: 10000,
    companyId: 'generic:co-1',
    contactIds: ['generic:c-31'],
    source: 'google-ads',
  }),
  deal('d-44', '2026-10-05T15:00:00Z', {
    stage: 'closedwon',
    amount: 10000,
    companyId: 'generic:co-7',
    contactIds: ['generic:c-37'],
    source: 'webinar',
  }),
];

export const EVENTS: readonly CanonicalEvent[] = [
  ...COMPANIES,
  ...PERIOD_CONTACTS,
  ...EARLIER_REJECTIONS,
  ...COHORT_CONTACTS,
  ...DEAL_CONTACTS,
  ...PERIOD_DEALS,
  ...CLOSING_DEALS,
  ...AUGUST_DEALS,
  ...OPEN_DEALS,
  ...BASELINE_WINS,
];

export const CONFIG: ClientConfig = exampleConfig();

/**
 * Groups events by entity key (in the order each entity first appears) and applies each group, as
 * the projection would; the order of the states follows the order of the events on purpose, so a
 * shuffle also reorders the states a FactSet is built from.
 */
export function statesOf(events: readonly CanonicalEvent[]): EntityState[] {
  const groups = new Map<string, CanonicalEvent[]>();
  for (const item of events) {
    const key = entityKey(item);
    const group = groups.get(key);
    if (group) group.push(item);
    else groups.set(key, [item]);
  }
  return [...groups.values()].map((group) => applyEvents(undefined, group));
}

export function factsOf(
  events: readonly CanonicalEvent[] = EVENTS,
  asOf: number = AS_OF,
  config: ClientConfig = CONFIG,
): FactSet {
  return buildFactSet(statesOf(events), config, asOf);
}

export function metricsOf(
  events: readonly CanonicalEvent[] = EVENTS,
  asOf: number = AS_OF,
  windows: MetricWindows = WINDOWS,
  config: ClientConfig = CONFIG,
): MetricValue[] {
  return computeMetrics(factsOf(events, asOf, config), config, windows);
}

/** The metric with this id (throws when missing, so a test reads it without non-null assertions). */
export function pick(metrics: readonly MetricValue[], id: string): MetricValue {
  const found = metrics.find((metric) => metric.id === id);
  if (!found) throw new Error(`no metric ${id}`);
  return found;
}

/** The breakdown row with this key. */
export function row(metric: MetricValue, key: string) {
  const found = metric.breakdown?.find((candidate) => candidate.key === key);
  if (!found) throw new Error(`no breakdown row ${key} in ${metric.id}`);
  return found;
}

/**
 * The 95% Wilson score interval written out from its formula (independent of shared/stats):
 * centre = (p̂ + z²/2n) / (1 + z²/n), half = z·√(p̂(1−p̂)/n + z²/4n²) / (1 + z²/n), z = 1.959964.
 */
export function wilsonByHand(successes: number, n: number): [number, number] {
  const z = 1.959964;
  const p = successes / n;
  const centre = (p + (z * z) / (2 * n)) / (1 + (z * z) / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / (1 + (z * z) / n);
  return [successes === 0 ? 0 : centre - half, successes === n ? 1 : centre + half];
}

export function expectInterval(actual: [number, number] | undefined, successes: number, n: number): void {
  const [low, high] = wilsonByHand(successes, n);
  expect(actual).toBeDefined();
  expect(actual?.[0]).toBeCloseTo(low, 12);
  expect(actual?.[1]).toBeCloseTo(high, 12);
}
