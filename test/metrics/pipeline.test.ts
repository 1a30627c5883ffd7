import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import { METRIC_REGISTRY } from '#shared/metrics/registry.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import {
  AS_OF,
  CONFIG,
  EVENTS,
  expectInterval,
  factsOf,
  metricsOf,
  PERIOD,
  pick,
  row,
  statesOf,
  t,
} from './fixture.ts';

const metrics = metricsOf();
const facts = factsOf();
const qualifiedOf = (id: string) => facts.deals.get(`generic:${id}`)?.qualified;

describe('qualification (DESIGN.md: the first `at` at which all of the bar holds)', () => {
  it('qualifies at the stage change and keeps the amount of that moment', () => {
    // d-1: appointmentscheduled 12000 → qualifiedtobuy 11-10 15:00Z; raised to 20000 on 11-12.
    expect(qualifiedOf('d-1')).toEqual({ at: t('2026-11-10T15:00:00Z'), amount: 12000 });
  });

  it('qualifies when the amount reaches minAmount after the stage change', () => {
    // d-2: qualifiedtobuy with 3000 (< 5000) on 11-03; 8000 on 11-11 16:00Z.
    expect(qualifiedOf('d-2')).toEqual({ at: t('2026-11-11T16:00:00Z'), amount: 8000 });
  });

  it('qualifies when a missing required field (companyId) is set', () => {
    // d-3: presentationscheduled 15000 from 11-04 without companyId; companyId 11-12 17:00Z.
    expect(qualifiedOf('d-3')).toEqual({ at: t('2026-11-12T17:00:00Z'), amount: 15000 });
  });

  it('qualifies a deal created straight into a won stage at that moment', () => {
    // d-4: closedwon 6000 with companyId at 11-13 16:00Z.
    expect(qualifiedOf('d-4')).toEqual({ at: t('2026-11-13T16:00:00Z'), amount: 6000 });
    expect(facts.deals.get('generic:d-4')?.closed).toEqual({
      at: t('2026-11-13T16:00:00Z'),
      outcome: 'won',
      amount: 6000,
    });
  });

  it('counts exactly minAmount as meeting the bar', () => {
    expect(qualifiedOf('d-9')).toEqual({ at: t('2026-11-15T22:00:00Z'), amount: 5000 });
  });

  it('never qualifies a deal after its close', () => {
    // d-6: 4000 at qualifiedtobuy, closedlost 11-11, raised to 9000 on 11-12 → never qualified.
    expect(qualifiedOf('d-6')).toBeUndefined();
    expect(facts.deals.get('generic:d-6')?.closed).toEqual({
      at: t('2026-11-11T15:00:00Z'),
      outcome: 'lost',
      amount: 4000,
    });
  });

  it('never qualifies a deal in another currency, also when the currency arrives later', () => {
    // d-5: EUR from the start. d-17: 20000 without currency at 11-10 16:00Z, EUR at 16:05Z.
    expect(qualifiedOf('d-5')).toBeUndefined();
    expect(qualifiedOf('d-17')).toBeUndefined();
    expect(facts.deals.get('generic:d-17')?.inClientCurrency).toBe(false);
  });

  it('does not see a stage change after the as-of instant', () => {
    // d-8 reaches qualifiedtobuy at 11-16 14:00Z, after the as-of 13:00Z.
    expect(qualifiedOf('d-8')).toBeUndefined();
    expect(facts.deals.get('generic:d-8')?.stage).toBe('appointmentscheduled');
    // Read one hour later, it qualifies then with 30000.
    const later = factsOf(EVENTS, t('2026-11-16T15:00:00Z'));
    expect(later.deals.get('generic:d-8')?.qualified).toEqual({
      at: t('2026-11-16T14:00:00Z'),
      amount: 30000,
    });
  });

  it('treats a won stage as past the bar when the bar names a won stage', () => {
    // With qualification.stage = closedwon, a deal at contractsent (the last open stage) is not past it.
    const config: ClientConfig = {
      ...CONFIG,
      qualification: { ...CONFIG.qualification, stage: 'closedwon' },
    };
    const events: CanonicalEvent[] = [
      {
        entity: 'deal',
        id: 'generic:x-1',
        at: t('2026-11-10T15:00:00Z'),
        fields: { stage: 'contractsent', amount: 9000, companyId: 'generic:co-1' },
      },
      { entity: 'deal', id: 'generic:x-1', at: t('2026-11-12T15:00:00Z'), fields: { stage: 'closedwon' } },
    ];
    const deal = buildFactSet(statesOf(events), config, AS_OF).deals.get('generic:x-1');
    expect(deal?.qualified).toEqual({ at: t('2026-11-12T15:00:00Z'), amount: 9000 });
  });
});

describe('qpc.created.amount / qpc.created.count', () => {
  // Qualified in [11-09 05:00Z, 11-16 05:00Z):
  //   d-7 11-09 16:00Z 7000 (tradeshow-2026 → unmapped), d-1 11-10 15:00Z 12000 (linkedin-ads → paid_social),
  //   d-2 11-11 16:00Z 8000 (partner → partner_referral), d-3 11-12 17:00Z 15000 (no source → c-8's webinar
  //   → events), d-4 11-13 16:00Z 6000 (sdr → outbound), d-9 11-15 22:00Z 5000 (adwords → paid_search).
  //   Not: d-5/d-17 (EUR), d-6 (closed first), d-8 (after as-of), d-10 (at the period end).
  //   7000 + 12000 + 8000 + 15000 + 6000 + 5000 = 53000, n = 6.
  const amount = pick(metrics, 'qpc.created.amount');
  const count = pick(metrics, 'qpc.created.count');

  it('sums the qualified amounts', () => {
    expect(amount.value).toBe(53000);
    expect(amount.n).toBe(6);
    expect(METRIC_REGISTRY[amount.id].unit).toBe('currency');
    expect(count.value).toBe(6);
  });

  it('breaks down by team and channel', () => {
    // team:marketing = d-1 12000 + d-3 15000 + d-9 5000 = 32000 (n 3); partner 8000; sales 6000; unmapped 7000.
    expect(amount.breakdown).toEqual([
      { key: 'channel:events', value: 15000, n: 1 },
      { key: 'channel:outbound', value: 6000, n: 1 },
      { key: 'channel:paid_search', value: 5000, n: 1 },
      { key: 'channel:paid_social', value: 12000, n: 1 },
      { key: 'channel:partner_referral', value: 8000, n: 1 },
      { key: 'channel:unmapped', value: 7000, n: 1 },
      { key: 'team:marketing', value: 32000, n: 3 },
      { key: 'team:partner', value: 8000, n: 1 },
      { key: 'team:sales', value: 6000, n: 1 },
      { key: 'team:unmapped', value: 7000, n: 1 },
    ]);
    expect(row(count, 'team:marketing')).toEqual({ key: 'team:marketing', value: 3, n: 3 });
  });

  it('credits a deal without a source through its first contact', () => {
    expect(facts.deals.get('generic:d-3')?.attribution).toEqual({
      channel: 'events',
      team: 'marketing',
      source: 'webinar',
    });
  });
});

describe('qpc.won.amount / qpc.lost.amount / qpc.win_rate', () => {
  // Qualified deals closed in the period, at their amount at close:
  //   won: d-20 11-10 10000, d-21 11-12 20000, d-11 11-12 25000 (30000 only after), d-4 11-13 6000,
  //        d-14 11-14 9000 → 70000, n 5;
  //   lost: d-12 11-10 10000, d-13 11-11 40000 → 50000, n 2.
  //   Not: d-6 (lost, never qualified), d-15/d-16 (won under minAmount), d-35 (won after the period end).
  //   win rate 5 / 7.
  it('values won and lost deals at their amount at close', () => {
    const won = pick(metrics, 'qpc.won.amount');
    const lost = pick(metrics, 'qpc.lost.amount');
    expect([won.value, won.n]).toEqual([70000, 5]);
    expect([lost.value, lost.n]).toEqual([50000, 2]);
    // team:partner = d-11 25000 + d-14 9000 + d-21 20000 = 54000; marketing d-20 10000; sales d-4 6000.
    expect(row(won, 'team:partner')).toEqual({ key: 'team:partner', value: 54000, n: 3 });
    expect(row(won, 'team:marketing')).toEqual({ key: 'team:marketing', value: 10000, n: 1 });
    expect(row(won, 'team:sales')).toEqual({ key: 'team:sales', value: 6000, n: 1 });
    // d-12 (google-ads) + d-13 (webinar): both marketing.
    expect(row(lost, 'team:marketing')).toEqual({ key: 'team:marketing', value: 50000, n: 2 });
  });

  it('gives the win rate with its Wilson interval', () => {
    const rate = pick(metrics, 'qpc.win_rate');
    expect(rate.value).toBeCloseTo(5 / 7, 12);
    expect(rate.n).toBe(7);
    expectInterval(rate.interval, 5, 7);
    // marketing: d-20 won, d-12 and d-13 lost → 1/3; partner 3/3; sales 1/1.
    const marketing = row(rate, 'team:marketing');
    expect([marketing.value, marketing.n]).toEqual([1 / 3, 3]);
    expectInterval(marketing.interval, 1, 3);
    expect([row(rate, 'team:partner').value, row(rate, 'team:partner').n]).toEqual([1, 3]);
  });
});

describe('pipeline_to_revenue.rate', () => {
  // Cohort = period − 90 × 24 h = [08-11 05:00Z, 08-18 05:00Z):
  //   d-20 08-12 10000 won 11-10 (exactly 90 d → within) ✓; d-21 08-13 20000 won 11-12 (91 d) ✗;
  //   d-22 08-14 30000 lost ✗; d-23 08-17 40000 open ✗ (amount 45000 now; the qualified 40000 counts).
  //   Not: d-24 (08-18 05:00Z = the end), d-25 (08-10).
  //   rate 1/4; $ share 10000 / (10000 + 20000 + 30000 + 40000) = 0.1.
  const metric = pick(metrics, 'pipeline_to_revenue.rate');

  it('is the share of the shifted cohort won within the sales cycle', () => {
    expect(metric.cohort).toEqual({ start: t('2026-08-11T05:00:00Z'), end: t('2026-08-18T05:00:00Z') });
    expect(metric.value).toBe(0.25);
    expect(metric.n).toBe(4);
    expectInterval(metric.interval, 1, 4);
  });

  it('gives the $ share (qualified amounts) and the split by team', () => {
    expect(row(metric, 'amount:share')).toEqual({ key: 'amount:share', value: 0.1, n: 4 });
    // marketing: d-20 ✓, d-23 ✗ → 1/2; partner d-21 0/1; sales d-22 0/1.
    expect(row(metric, 'team:marketing')).toMatchObject({ value: 0.5, n: 2 });
    expect(row(metric, 'team:partner')).toMatchObject({ value: 0, n: 1 });
    expect(row(metric, 'team:sales')).toMatchObject({ value: 0, n: 1 });
  });
});

describe('stalled.count / stalled.amount', () => {
  // Qualified, open at the period end 11-16 05:00Z, no stage change for ≥ 21 × 24 h (since ≤ 10-26 05:00Z):
  //   d-23 qualifiedtobuy since 08-17 15:00Z (re-sent 11-01: no change), current amount 45000, rep-1;
  //   d-35 since 09-01 15:00Z, 5500, won only at 11-16 06:00Z (after the end), rep-3;
  //   d-30 since 10-20 15:00Z, 12000, rep-2;
  //   d-32 presentationscheduled since 10-26 05:00Z (exactly 21 d), 8000, rep-2.
  //   Not: d-33 (changed 10-27, 20 d), d-1/d-2/d-3/d-7/d-9 (recent), d-10 (qualified at the end),
  //   d-31/d-5/d-17 (never qualified), closed deals.
  //   count 4, amount 45000 + 5500 + 12000 + 8000 = 70500.
  const count = pick(metrics, 'stalled.count');
  const amount = pick(metrics, 'stalled.amount');

  it('counts open qualified deals without a stage change for stallDays', () => {
    expect(count.value).toBe(4);
    expect(amount.value).toBe(70500);
    expect(amount.n).toBe(4);
  });

  it('lists them oldest change first with their current amount', () => {
    // Days: d-23 08-17 15:00Z → 11-16 05:00Z = 90 d 14 h → 90; d-35 75 d 14 h → 75; d-30 26 d 14 h → 26; d-32 21.
    expect(count.items?.map((item) => [item.id, item.label, item.value, item.owner])).toEqual([
      ['generic:d-23', 'qualifiedtobuy for 90 days', 45000, 'Dana Reyes'],
      ['generic:d-35', 'qualifiedtobuy for 75 days', 5500, 'generic:rep-3'],
      ['generic:d-30', 'qualifiedtobuy for 26 days', 12000, 'Eli Park'],
      ['generic:d-32', 'presentationscheduled for 21 days', 8000, 'Eli Park'],
    ]);
  });

  it('breaks down by owner, named through the roster (rep-1 Dana Reyes, rep-2 Eli Park; rep-3 unknown)', () => {
    expect(count.breakdown).toEqual([
      { key: 'owner:Eli Park', value: 2, n: 2 },
      { key: 'owner:Dana Reyes', value: 1, n: 1 },
      { key: 'owner:generic:rep-3', value: 1, n: 1 },
    ]);
    expect(row(amount, 'owner:Eli Park')).toEqual({ key: 'owner:Eli Park', value: 20000, n: 2 });
  });

  it('is measured at the period end, not at the as-of instant', () => {
    // One week earlier (period end 11-09 05:00Z; ≥ 21 d means no change since 10-19 05:00Z):
    //   d-20 (08-12) and d-21 (08-13), won only later; d-23 (08-17); d-35 (09-01); d-11 (10-01), d-12 (10-05),
    //   d-13 (10-06), d-14 (10-07), all closed only later. Not: d-30 (10-20, 19 d), d-32/d-33 (changed
    //   10-26/10-27), d-1/d-2 (qualified after that end). → 8.
    const previous = { start: t('2026-11-02T05:00:00Z'), end: PERIOD.start };
    const earlier = metricsOf(EVENTS, AS_OF, { period: previous, previous: [], weeks: [previous] });
    expect(pick(earlier, 'stalled.count').value).toBe(8);
  });
});
