import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { metricsOf, pick, row, t } from './fixture.ts';

/**
 * The seeds' worked examples, on the main weekly period [2026-11-09T05:00Z, 2026-11-16T05:00Z) read as of
 * 2026-11-16T13:00Z: the 30-day cohort is [2026-10-10T05:00Z, 2026-10-17T05:00Z).
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
const COHORT_START = t('2026-10-12T14:00:00Z');

/** The Wilson interval from its formula, z = 1.959964 (the 97.5% normal quantile). */
function wilson(successes: number, n: number): [number, number] {
  const z = 1.959964;
  const p = successes / n;
  const denominator = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
  return [centre - half, centre + half];
}

function contactEvents(
  id: string,
  createdAt: number,
  first: CanonicalEvent['fields'],
  later: [number, string][],
): CanonicalEvent[] {
  return [
    { entity: 'contact', id: `generic:${id}`, at: createdAt, fields: first },
    ...later.map(([at, stage]) => ({
      entity: 'contact' as const,
      id: `generic:${id}`,
      at,
      fields: { stage },
    })),
  ];
}

describe('seed: paid social converts at 2%, partner referrals at 22%', () => {
  // 100 leads from linkedin-ads (paid_social) and 100 from partner (partner_referral), created a minute
  // apart from 10-12 14:00Z; the first 2 and the first 22 of each become opportunities 5 days later.
  const events: CanonicalEvent[] = [];
  for (let i = 0; i < 100; i++) {
    const social = COHORT_START + i * MINUTE;
    events.push(
      ...contactEvents(
        `ps-${i}`,
        social,
        { stage: 'lead', source: 'linkedin-ads' },
        i < 2 ? [[social + 5 * DAY, 'opportunity']] : [],
      ),
    );
    const partner = COHORT_START + (100 + i) * MINUTE;
    events.push(
      ...contactEvents(
        `pr-${i}`,
        partner,
        { stage: 'lead', source: 'partner' },
        i < 22 ? [[partner + 5 * DAY, 'opportunity']] : [],
      ),
    );
  }
  const metric = pick(metricsOf(events), 'lead_to_opp.rate');

  it('gives lead_to_opp by channel with Wilson intervals', () => {
    // Overall (2 + 22) / 200 = 0.12.
    expect([metric.value, metric.n]).toEqual([0.12, 200]);
    const social = row(metric, 'channel:paid_social');
    const partner = row(metric, 'channel:partner_referral');
    expect([social.value, social.n]).toEqual([0.02, 100]);
    expect([partner.value, partner.n]).toEqual([0.22, 100]);
    // 2/100: p̂ 0.02, z²/n = 0.0384146, centre = (0.02 + 0.0192073) / 1.0384146 = 0.0377568,
    // half = 1.959964 × √(0.02 × 0.98 / 100 + 3.841459 / 40000) / 1.0384146 = 0.0322549 → [0.0055, 0.0700].
    const [socialLow, socialHigh] = wilson(2, 100);
    expect(social.interval?.[0]).toBeCloseTo(socialLow, 12);
    expect(social.interval?.[1]).toBeCloseTo(socialHigh, 12);
    expect(socialLow).toBeCloseTo(0.0055, 4);
    expect(socialHigh).toBeCloseTo(0.07, 4);
    // 22/100: centre = (0.22 + 0.0192073) / 1.0384146 = 0.2303617, half = 0.0803418 → [0.1500, 0.3107].
    const [partnerLow, partnerHigh] = wilson(22, 100);
    expect(partner.interval?.[0]).toBeCloseTo(partnerLow, 12);
    expect(partner.interval?.[1]).toBeCloseTo(partnerHigh, 12);
    expect(partnerLow).toBeCloseTo(0.15, 4);
    expect(partnerHigh).toBeCloseTo(0.3107, 4);
  });
});

describe('seed: 400 MQLs, 12 reach SQL, 3 an opportunity', () => {
  // 400 contacts created as MQLs a minute apart from 10-12 14:00Z (6 h 40 min in all, inside the cohort);
  // the first 12 reach sql 10 days later, the first 3 of those an opportunity 15 days after creation.
  const events: CanonicalEvent[] = [];
  for (let i = 0; i < 400; i++) {
    const created = COHORT_START + i * MINUTE;
    const later: [number, string][] = [];
    if (i < 12) later.push([created + 10 * DAY, 'sql']);
    if (i < 3) later.push([created + 15 * DAY, 'opportunity']);
    events.push(...contactEvents(`m-${i}`, created, { stage: 'mql', source: 'google-ads' }, later));
  }
  const metrics = metricsOf(events);

  it('gives mql_to_sql 12/400 = 0.03 and lead_to_opp 3/400', () => {
    const mqlToSql = pick(metrics, 'mql_to_sql.rate');
    expect([mqlToSql.value, mqlToSql.n]).toEqual([0.03, 400]);
    // 12/400: [0.0172, 0.0517].
    const [low, high] = wilson(12, 400);
    expect(mqlToSql.interval?.[0]).toBeCloseTo(low, 12);
    expect(mqlToSql.interval?.[1]).toBeCloseTo(high, 12);
    expect(low).toBeCloseTo(0.0172, 4);
    expect(high).toBeCloseTo(0.0517, 4);
    expect(row(mqlToSql, 'channel:paid_search')).toMatchObject({ value: 0.03, n: 400 });

    const leadToOpp = pick(metrics, 'lead_to_opp.rate');
    expect([leadToOpp.value, leadToOpp.n]).toEqual([3 / 400, 400]);
    const [oppLow, oppHigh] = wilson(3, 400);
    expect(leadToOpp.interval?.[0]).toBeCloseTo(oppLow, 12);
    expect(leadToOpp.interval?.[1]).toBeCloseTo(oppHigh, 12);
    // None of them is an MQL of the period itself.
    expect(pick(metrics, 'mql.count').value).toBe(0);
  });
});
