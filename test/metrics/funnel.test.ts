import { describe, expect, it } from 'vitest';
import { expectInterval, factsOf, metricsOf, pick, row, t } from './fixture.ts';

const metrics = metricsOf();
const facts = factsOf();

describe('milestones (DESIGN.md: first entry, no implied milestones)', () => {
  it('keeps a recycled contact at its first mql time', () => {
    // c-2: mql 10-13 14:00Z, recycled 10-20, mql again 11-11 15:00Z.
    expect(facts.contacts.get('generic:c-2')?.milestones.mql).toBe(t('2026-10-13T14:00:00Z'));
  });

  it('does not imply mql for a contact that went straight to sql', () => {
    // c-3: lead 11-03, sql 11-10.
    expect(facts.contacts.get('generic:c-3')?.milestones).toEqual({
      lead: t('2026-11-03T15:00:00Z'),
      sql: t('2026-11-10T16:00:00Z'),
    });
  });

  it('creates a contact at its first contact event, not at an earlier form naming it', () => {
    // c-8: newsletter form 11-09 13:00Z, first contact event 14:00Z.
    expect(facts.contacts.get('generic:c-8')?.createdAt).toBe(t('2026-11-09T14:00:00Z'));
  });
});

describe('mql.count', () => {
  // First mql in [11-09 05:00Z, 11-16 05:00Z): c-8 11-09 (webinar → events), c-1 11-10 (linkedin-ads →
  // paid_social; its switch to partner is after as-of), c-9 11-10 (partner), c-7 11-11 (LinkedIn-Ads →
  // paid_social, case-insensitive), c-4 11-12 (google-ads), c-11 11-12 (google-ads), c-10 11-14
  // (now tradeshow-2026 → unmapped). Not: c-2 (re-entry), c-3 (no mql), c-15 (after as-of). → 7.
  const metric = pick(metrics, 'mql.count');

  it('counts first mql entries in the period by channel', () => {
    expect(metric.value).toBe(7);
    expect(metric.n).toBe(7);
    expect(metric.breakdown).toEqual([
      { key: 'channel:paid_search', value: 2, n: 2 },
      { key: 'channel:paid_social', value: 2, n: 2 },
      { key: 'channel:events', value: 1, n: 1 },
      { key: 'channel:partner_referral', value: 1, n: 1 },
      { key: 'channel:unmapped', value: 1, n: 1 },
    ]);
  });
});

describe('mql_to_sql.rate', () => {
  // Cohort: mql in [10-10 05:00Z, 10-17 05:00Z):
  //   c-20 mql 10-12 14:00Z, sql 11-11 14:00Z = exactly 30 × 24 h ✓ (paid_social)
  //   c-2  mql 10-13 14:00Z, sql 11-13 15:00Z = 31 d 1 h ✗ (EVENT → events)
  //   c-21 mql 10-13 14:00Z, sql 11-12 14:01Z = 30 d 1 min ✗ (paid_social)
  //   c-22 mql 10-14 15:00Z, sql 10-20 ✓ (partner_referral)
  //   c-23 mql 10-15 15:00Z, no sql ✗ (paid_search)
  //   Not: c-24 (mql 10-09), c-25 (mql 10-17 05:00Z = the end), c-27 (no mql).
  //   → 2 / 5 = 0.4.
  const metric = pick(metrics, 'mql_to_sql.rate');

  it('uses the 30-day shifted cohort and counts an sql exactly 30 days later', () => {
    expect(metric.cohort).toEqual({ start: t('2026-10-10T05:00:00Z'), end: t('2026-10-17T05:00:00Z') });
    expect(metric.value).toBe(0.4);
    expect(metric.n).toBe(5);
    expectInterval(metric.interval, 2, 5);
  });

  it('breaks down by channel', () => {
    // paid_social c-20 ✓ c-21 ✗ → 1/2; events 0/1; partner_referral 1/1; paid_search 0/1.
    expect(metric.breakdown?.map(({ key, value, n }) => ({ key, value, n }))).toEqual([
      { key: 'channel:paid_social', value: 0.5, n: 2 },
      { key: 'channel:events', value: 0, n: 1 },
      { key: 'channel:paid_search', value: 0, n: 1 },
      { key: 'channel:partner_referral', value: 1, n: 1 },
    ]);
    expectInterval(row(metric, 'channel:paid_social').interval, 1, 2);
  });
});

describe('lead_to_opp.rate', () => {
  // Cohort: created in [10-10 05:00Z, 10-17 05:00Z):
  //   c-20 10-12 14:00Z: no opportunity ✗ (paid_social; co-1 Software 850 NA; vp)
  //   c-27 10-12 14:00Z: opportunity 11-11 14:00Z = exactly 30 d ✓ (sdr → outbound; co-1; c_level)
  //   c-21 10-13 14:00Z: listed on d-30, qualified 10-20 15:00Z ✓ (paid_social; co-2 FS 1200 UK&I; director)
  //   c-22 10-14 15:00Z: own opportunity 10-25 ✓ (partner_referral; co-3 Retail 300 NA; manager)
  //   c-23 10-15 15:00Z: nothing ✗ (paid_search; no company; vp)
  //   c-28 10-15 16:00Z: only on the EUR deal d-31 ✗ (OFFLINE → outbound; co-4 Software 120 NA; no seniority)
  //   c-29 10-16 14:00Z: opportunity 30 d 1 h later ✗ (paid_search; co-7 Healthcare 2500 DACH; director)
  //   → 3 / 7.
  const metric = pick(metrics, 'lead_to_opp.rate');

  it('counts an opportunity milestone or the qualification of a deal listing the contact', () => {
    expect(metric.cohort).toEqual({ start: t('2026-10-10T05:00:00Z'), end: t('2026-10-17T05:00:00Z') });
    expect(metric.value).toBeCloseTo(3 / 7, 12);
    expect(metric.n).toBe(7);
    expectInterval(metric.interval, 3, 7);
  });

  it('breaks down by channel', () => {
    // outbound: c-27 ✓ c-28 ✗ → 1/2; paid_search: c-23 ✗ c-29 ✗ → 0/2; paid_social: c-20 ✗ c-21 ✓ → 1/2;
    // partner_referral: c-22 ✓ → 1/1.
    const channels = metric.breakdown?.filter((entry) => entry.key.startsWith('channel:'));
    expect(channels?.map(({ key, value, n }) => ({ key, value, n }))).toEqual([
      { key: 'channel:outbound', value: 0.5, n: 2 },
      { key: 'channel:paid_search', value: 0, n: 2 },
      { key: 'channel:paid_social', value: 0.5, n: 2 },
      { key: 'channel:partner_referral', value: 1, n: 1 },
    ]);
  });

  it('breaks down by segment (each ICP dimension; a missing attribute is left out)', () => {
    const segment = (key: string) => {
      const found = row(metric, key);
      return [found.value, found.n];
    };
    // industry: Software c-20 ✗ c-27 ✓ c-28 ✗ → 1/3; Financial Services c-21 1/1; Retail c-22 1/1;
    // Healthcare c-29 0/1; c-23 has no company → no industry row (3 + 1 + 1 + 1 = 6 of 7).
    expect(segment('segment:industry=Software')).toEqual([1 / 3, 3]);
    expect(segment('segment:industry=Financial Services')).toEqual([1, 1]);
    expect(segment('segment:industry=Retail')).toEqual([1, 1]);
    expect(segment('segment:industry=Healthcare')).toEqual([0, 1]);
    const industryRows = metric.breakdown?.filter((entry) => entry.key.startsWith('segment:industry='));
    expect(industryRows?.reduce((sum, entry) => sum + entry.n, 0)).toBe(6);
    // employees: 200-999 c-20 (850) ✗ c-22 (300) ✓ c-27 (850) ✓ → 2/3; 1000-4999 c-21 (1200) ✓ c-29 (2500) ✗
    // → 1/2; 50-199 c-28 (120) 0/1.
    expect(segment('segment:employees=200-999')).toEqual([2 / 3, 3]);
    expect(segment('segment:employees=1000-4999')).toEqual([0.5, 2]);
    expect(segment('segment:employees=50-199')).toEqual([0, 1]);
    // region: North America c-20 ✗ c-22 ✓ c-27 ✓ c-28 ✗ → 2/4; UK&I c-21 1/1; DACH c-29 0/1.
    expect(segment('segment:region=North America')).toEqual([0.5, 4]);
    expect(segment('segment:region=UK&I')).toEqual([1, 1]);
    expect(segment('segment:region=DACH')).toEqual([0, 1]);
    // seniority: vp c-20 ✗ c-23 ✗ → 0/2; director c-21 ✓ c-29 ✗ → 1/2; manager c-22 1/1; c_level c-27 1/1.
    expect(segment('segment:seniority=vp')).toEqual([0, 2]);
    expect(segment('segment:seniority=director')).toEqual([0.5, 2]);
    expect(segment('segment:seniority=manager')).toEqual([1, 1]);
    expect(segment('segment:seniority=c_level')).toEqual([1, 1]);
    expectInterval(row(metric, 'segment:employees=200-999').interval, 2, 3);
  });
});

describe('rejections.count / rejections.missing_reason_share', () => {
  // Disqualified in the period (reason as of 11-16 13:00Z):
  //   c-16 11-10 '' (blank → missing), c-17 11-11 (none → missing), c-12 11-12 wrong company size,
  //   c-4 11-13 no budget, c-7 11-13 no budget, c-18 11-14 competitor → rewritten 11-15 wrong company size.
  //   → 6: no budget 2, wrong company size 2, (missing) 2; missing share 2/6.
  const count = pick(metrics, 'rejections.count');
  const missing = pick(metrics, 'rejections.missing_reason_share');

  it('counts rejections by reason (the last-written reason)', () => {
    expect(count.value).toBe(6);
    expect(count.breakdown).toEqual([
      { key: 'reason:(missing)', value: 2, n: 2 },
      { key: 'reason:no budget', value: 2, n: 2 },
      { key: 'reason:wrong company size', value: 2, n: 2 },
    ]);
  });

  it('gives the share without a reason', () => {
    expect(missing.value).toBeCloseTo(1 / 3, 12);
    expect(missing.n).toBe(6);
    expectInterval(missing.interval, 2, 6);
  });

  it('counts the weeks in a row with the same top reason, ties alphabetical', () => {
    // This week: no budget 2 = wrong company size 2 → 'no budget' (alphabetical).
    // 11-02 week: no budget 2 (c-50, c-51) > competitor 1 → no budget.
    // 10-26 week: no budget 1 (c-53) → no budget.
    // 10-19 week: competitor 2 (c-54, c-55) > no budget 1 → competitor: the streak stops. → 3.
    expect(count.notes).toEqual({ topReason: 'no budget', topReasonStreakWeeks: 3 });
  });
});
