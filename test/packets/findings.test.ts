import { describe, expect, it } from 'vitest';
import { breakdownUnit, METRIC_REGISTRY, type MetricId, type Words } from '#shared/metrics/registry.ts';
import type { MetricValue } from '#shared/metrics/types.ts';
import { type Finding, findingsOf } from '#shared/packets/findings.ts';
import { formatP } from '#shared/packets/format.ts';
import { keyLabel } from '#shared/packets/labels.ts';
import type { PacketBreakdownRow, PacketMetric } from '#shared/packets/packet.ts';
import { fisherExactTwoSided } from '#shared/stats/index.ts';
import type { Cadence } from '#shared/time/periods.ts';
import { exampleConfig } from '../support/config.ts';

const config = exampleConfig();
const PERIOD_WORDS: Record<Cadence, string> = { weekly: 'week', monthly: 'month', quarterly: 'quarter' };
const wordsFor = (cadence: Cadence): Words => ({
  label: (key) => keyLabel(key, config),
  period: PERIOD_WORDS[cadence],
  p: formatP,
  amount: (value: number) => `$${value}`,
  percent: (value: number) => `${value * 100}%`,
});

// ---------------------------------------------------------------------------------------------
// Fisher's exact test by hand: P(x) = C(r1, x)·C(r2, c1 − x) / C(N, c1) for the tables with the
// observed margins, two-sided = the sum of P(x) over the tables no more likely than the observed
// one (R's convention, with its relative tolerance 1 + 1e-7). Log-factorials keep it finite.
// ---------------------------------------------------------------------------------------------
const logFactorial = (k: number): number => {
  let sum = 0;
  for (let i = 2; i <= k; i++) sum += Math.log(i);
  return sum;
};
const logChoose = (n: number, k: number) => logFactorial(n) - logFactorial(k) - logFactorial(n - k);
function fisherByHand(a: number, b: number, c: number, d: number): number {
  const [r1, r2, c1] = [a + b, c + d, a + c];
  const probability = (x: number) =>
    Math.exp(logChoose(r1, x) + logChoose(r2, c1 - x) - logChoose(r1 + r2, c1));
  const observed = probability(a);
  let p = 0;
  for (let x = Math.max(0, c1 - r2); x <= Math.min(r1, c1); x++) {
    if (probability(x) <= observed * (1 + 1e-7)) p += probability(x);
  }
  return p;
}

// ---------------------------------------------------------------------------------------------
// Inputs built by hand: only the fields findings.ts reads, the rest filled from the registry.
// ---------------------------------------------------------------------------------------------
function metric(id: MetricId, fields: Partial<PacketMetric> = {}): PacketMetric {
  const definition = METRIC_REGISTRY[id];
  return {
    id,
    label: definition.label,
    unit: definition.unit === 'currency' ? config.currency : definition.unit,
    value: null,
    n: 0,
    status: 'none',
    owner: definition.owner,
    ...fields,
  };
}
/** A rate metric: `successes` of `n`. */
const rateMetric = (id: MetricId, successes: number, n: number, breakdown?: PacketBreakdownRow[]) =>
  metric(id, { value: successes / n, n, ...(breakdown ? { breakdown } : {}) });
/** A breakdown row of a rate: `successes` of `n`, labelled as the packet labels it. */
const rateRow = (id: MetricId, key: string, successes: number, n: number): PacketBreakdownRow => ({
  key,
  label: keyLabel(key, config),
  unit: breakdownUnit(id, key),
  value: successes / n,
  n,
});
/** A breakdown row of counts (breaches by owner, rejections by reason). */
const countRow = (id: MetricId, key: string, n: number): PacketBreakdownRow => ({
  key,
  label: keyLabel(key, config),
  unit: breakdownUnit(id, key),
  value: n,
  n,
});
/** A value's share of the wins: `n` of `wins` now, `then` of `baselineWins` before (as icpDrift gives it). */
const driftRow = (
  id: MetricId,
  key: string,
  n: number,
  wins: number,
  then: number,
  baselineWins: number,
) => ({
  key,
  label: keyLabel(key, config),
  unit: breakdownUnit(id, key),
  value: n / wins,
  n,
  baseline: { value: then / baselineWins, n: then },
});
/** One previous period's computed values, one `[successes, n]` per metric. */
const run = (values: Partial<Record<MetricId, [number, number] | null>>): MetricValue[] =>
  Object.entries(values).map(([id, counts]) => ({
    id: id as MetricId,
    value: counts ? counts[0] / counts[1] : null,
    n: counts ? counts[1] : 0,
  }));

/** Every finding reads as plain words: no breakdown keys, no camelCase or snake_case identifiers. */
function expectPlain(findings: readonly Finding[]) {
  for (const { text } of findings) {
    expect(text).not.toMatch(/\b(owner|channel|segment|reason|team|amount):/);
    expect(text).not.toMatch(/\b[a-z]+[A-Z]\w*/);
    expect(text).not.toMatch(/\b[a-z]+_[a-z]+\b/);
  }
}

function findings(cadence: Cadence, metrics: PacketMetric[], history: MetricValue[][] = []): Finding[] {
  const found = findingsOf({ cadence, metrics, history, words: wordsFor(cadence) });
  expectPlain(found);
  return found;
}

/** Four previous weeks of MQL → SQL pooling 90 of 200 (25 + 20 + 25 + 20 of 50 each). */
const MQL_HISTORY = [
  run({ 'mql_to_sql.rate': [25, 50] }),
  run({ 'mql_to_sql.rate': [20, 50] }),
  run({ 'mql_to_sql.rate': [25, 50] }),
  run({ 'mql_to_sql.rate': [20, 50] }),
];

describe('the Fisher helper of these tests', () => {
  it("agrees with the project's fisherExactTwoSided, itself checked against R", () => {
    const tables: [number, number, number, number][] = [
      [12, 28, 90, 110],
      [8, 32, 90, 110],
      [22, 78, 2, 98],
      [7, 3, 1, 29],
      [3, 1, 1, 3],
    ];
    for (const [a, b, c, d] of tables) {
      const byHand = fisherByHand(a, b, c, d);
      expect(Math.abs(byHand - fisherExactTwoSided(a, b, c, d))).toBeLessThanOrEqual(1e-9 * byHand);
    }
    // R's ?fisher.test tea tasting example: 0.4857 (exactly 17/35).
    expect(fisherByHand(3, 1, 1, 3)).toBeCloseTo(17 / 35, 12);
  });
});

describe('findingsOf: rate_moved', () => {
  it('says nothing when 12 of 40 against 90 of 200 is within chance (p ≈ 0.083)', () => {
    // 30% against 45% looks like a drop, but on these samples Fisher gives p = 0.0835 ≥ 0.05.
    expect(fisherByHand(12, 40 - 12, 90, 200 - 90)).toBeCloseTo(0.0835, 4);
    expect(findings('weekly', [rateMetric('mql_to_sql.rate', 12, 40)], MQL_HISTORY)).toEqual([]);
  });

  it('reports a rate that fell beyond chance, with both shares, both counts and the p', () => {
    // 8 of 40 (20%) against 90 of 200 (45%): p = 0.00436 by hand.
    const p = fisherByHand(8, 32, 90, 110);
    expect(p).toBeCloseTo(0.00436, 5);
    const [finding, ...rest] = findings('weekly', [rateMetric('mql_to_sql.rate', 8, 40)], MQL_HISTORY);
    expect(rest).toEqual([]);
    expect(finding?.kind).toBe('rate_moved');
    expect(finding?.metric).toBe('mql_to_sql.rate');
    expect(finding?.text).toBe(
      'MQL to SQL fell to 20% (8 of 40) from 45% (90 of 200) over the previous 4 weeks; Fisher exact test, p = 0.004.',
    );
    expect(finding?.numbers).toEqual({ successes: 8, n: 40, previousSuccesses: 90, previousN: 200 });
    expect(finding?.test.n).toBe(40 + 200);
    expect(finding?.test.p).toBeCloseTo(p, 12);
  });

  it('says "rose" for a rise, and counts only the previous periods that have the rate', () => {
    // 30 of 40 (75%) against 90 of 200: p ≈ 0.0007. A fifth week without the rate (null, n 0) and
    // other metrics in the runs add nothing.
    const history = [
      ...MQL_HISTORY.map((values) => [...values, ...run({ 'sla.within_rate': [90, 100] })]),
      run({ 'mql_to_sql.rate': null }),
    ];
    const p = fisherByHand(30, 10, 90, 110);
    expect(p).toBeLessThan(0.001);
    const found = findings('weekly', [rateMetric('mql_to_sql.rate', 30, 40)], history);
    expect(found.map((finding) => finding.text)).toEqual([
      'MQL to SQL rose to 75% (30 of 40) from 45% (90 of 200) over the previous 4 weeks; Fisher exact test, p < 0.001.',
    ]);
  });

  it('says "the previous week" when only one earlier week has the rate', () => {
    // 8 of 40 against 90 of 200, all in one week: p = 0.004 as above.
    const found = findings(
      'weekly',
      [rateMetric('mql_to_sql.rate', 8, 40)],
      [run({ 'mql_to_sql.rate': [90, 200] })],
    );
    expect(found.map((finding) => finding.text)).toEqual([
      'MQL to SQL fell to 20% (8 of 40) from 45% (90 of 200) over the previous week; Fisher exact test, p = 0.004.',
    ]);
  });

  it('needs 10 cases this period and 10 pooled before', () => {
    // 9 of 9 against 90 of 200 would be p ≈ 0.001, but 9 is a small sample.
    expect(fisherByHand(9, 0, 90, 110)).toBeLessThan(0.05);
    expect(findings('weekly', [rateMetric('mql_to_sql.rate', 9, 9)], MQL_HISTORY)).toEqual([]);
    // 10 of 10 is enough on this side.
    expect(findings('weekly', [rateMetric('mql_to_sql.rate', 10, 10)], MQL_HISTORY)).toHaveLength(1);

    // 40 of 40 against 0 of 4 + 0 of 5 = 0 of 9 before: too few before, whatever p says.
    const thin = [run({ 'mql_to_sql.rate': [0, 4] }), run({ 'mql_to_sql.rate': [0, 5] })];
    expect(fisherByHand(40, 0, 0, 9)).toBeLessThan(0.05);
    expect(findings('weekly', [rateMetric('mql_to_sql.rate', 40, 40)], thin)).toEqual([]);
    // 0 of 10 before is enough.
    const enough = [...thin, run({ 'mql_to_sql.rate': [0, 1] })];
    expect(findings('weekly', [rateMetric('mql_to_sql.rate', 40, 40)], enough)).toHaveLength(1);
  });

  it("leaves out rates that the cadence's meeting does not read", () => {
    // Lead → opportunity is read monthly and quarterly; the same drop is a finding there only.
    const history = MQL_HISTORY.map((values) =>
      values.map((value) => ({ ...value, id: 'lead_to_opp.rate' as const })),
    );
    const drop = rateMetric('lead_to_opp.rate', 8, 40);
    expect(findings('weekly', [drop], history)).toEqual([]);
    expect(findings('monthly', [drop], history).map((finding) => finding.metric)).toEqual([
      'lead_to_opp.rate',
    ]);
  });
});

describe('findingsOf: segment_differs', () => {
  it('writes one sentence for a channel against the rest of its channels', () => {
    // 22 of 100 against 2 of 100: p = 1.2e-5 by hand.
    expect(fisherByHand(22, 78, 2, 98)).toBeCloseTo(1.21e-5, 7);
    const lead = rateMetric('lead_to_opp.rate', 24, 200, [
      rateRow('lead_to_opp.rate', 'channel:partner_referral', 22, 100),
      rateRow('lead_to_opp.rate', 'channel:paid_social', 2, 100),
    ]);
    const found = findings('monthly', [lead]);
    // One finding: "paid social against the rest" is the same table seen from the other row.
    expect(found.map((finding) => finding.text)).toEqual([
      'Partner referrals — 22% of leads became opportunities (22 of 100), against 2% for the rest (2 of 100); Fisher exact test, p < 0.001.',
    ]);
    expect(found[0]?.kind).toBe('segment_differs');
    expect(found[0]?.numbers).toEqual({
      key: 'channel:partner_referral',
      successes: 22,
      n: 100,
      restSuccesses: 2,
      restN: 100,
    });
    expect(found[0]?.test.p).toBeCloseTo(fisherByHand(22, 78, 2, 98), 12);
  });

  it('names each of three channels against the other two when it differs beyond 0.05 / 3 (Bonferroni)', () => {
    // MQL → SQL by channel: partner 7 of 10, paid social 0 of 15, paid search 1 of 15.
    // partner vs 1 of 30: p = 4.7e-5; paid social vs 8 of 25: p = 0.016; paid search vs 7 of 25: p = 0.22.
    // Three rows are tested, so each needs p < 0.05 / 3 = 0.0167: partner and paid social pass.
    expect(fisherByHand(7, 3, 1, 29)).toBeCloseTo(4.74e-5, 7);
    expect(fisherByHand(0, 15, 8, 17)).toBeCloseTo(0.0162, 4);
    expect(fisherByHand(1, 14, 7, 18)).toBeGreaterThan(0.05);
    const mql = rateMetric('mql_to_sql.rate', 8, 40, [
      rateRow('mql_to_sql.rate', 'channel:partner_referral', 7, 10),
      rateRow('mql_to_sql.rate', 'channel:paid_social', 0, 15),
      rateRow('mql_to_sql.rate', 'channel:paid_search', 1, 15),
    ]);
    expect(findings('weekly', [mql]).map((finding) => finding.text)).toEqual([
      'Partner referrals — 70% of MQLs became SQLs (7 of 10), against 3% for the rest (1 of 30); Fisher exact test, p < 0.001, 3 rows compared.',
      'Paid social — 0% of MQLs became SQLs (0 of 15), against 32% for the rest (8 of 25); Fisher exact test, p = 0.02, 3 rows compared.',
    ]);
  });

  it('keeps a p under 0.05 out when it does not survive the Bonferroni bar of its rows', () => {
    // Paid search 12 of 30 against the rest 10 of 60: p = 0.020 < 0.05, but three rows are tested,
    // so the bar is 0.05 / 3 = 0.0167, and the other two (5 of 30 against 17 of 60, p = 0.30) pass nothing.
    expect(fisherByHand(12, 18, 10, 50)).toBeCloseTo(0.0203, 4);
    const mql = rateMetric('mql_to_sql.rate', 22, 90, [
      rateRow('mql_to_sql.rate', 'channel:paid_search', 12, 30),
      rateRow('mql_to_sql.rate', 'channel:paid_social', 5, 30),
      rateRow('mql_to_sql.rate', 'channel:events', 5, 30),
    ]);
    expect(findings('weekly', [mql])).toEqual([]);
  });

  it('needs 10 cases in the row and 10 in the rest', () => {
    // 9 of 9 against 2 of 100 is far beyond chance, but the partner row is a small sample, and so is
    // the rest of paid social.
    expect(fisherByHand(9, 0, 2, 98)).toBeLessThan(0.001);
    const small = rateMetric('lead_to_opp.rate', 11, 109, [
      rateRow('lead_to_opp.rate', 'channel:partner_referral', 9, 9),
      rateRow('lead_to_opp.rate', 'channel:paid_social', 2, 100),
    ]);
    expect(findings('monthly', [small])).toEqual([]);
    // One more partner lead (10 of 10) and there is a finding.
    const enough = rateMetric('lead_to_opp.rate', 12, 110, [
      rateRow('lead_to_opp.rate', 'channel:partner_referral', 10, 10),
      rateRow('lead_to_opp.rate', 'channel:paid_social', 2, 100),
    ]);
    expect(findings('monthly', [enough])).toHaveLength(1);
  });

  it('compares a segment only with the other values of its own dimension', () => {
    // Region: North America 30 of 50 against EMEA 10 of 50 → p = 8.3e-5. Industry rows are 20 of 50
    // each (p = 1). Against every other row (50 of 150) the rest would read 33%, not 20%.
    expect(fisherByHand(30, 20, 10, 40)).toBeCloseTo(8.31e-5, 7);
    expect(fisherByHand(20, 30, 20, 30)).toBeCloseTo(1, 12);
    const lead = rateMetric('lead_to_opp.rate', 40, 100, [
      rateRow('lead_to_opp.rate', 'segment:region=North America', 30, 50),
      rateRow('lead_to_opp.rate', 'segment:region=EMEA', 10, 50),
      rateRow('lead_to_opp.rate', 'segment:industry=Software', 20, 50),
      rateRow('lead_to_opp.rate', 'segment:industry=Healthcare', 20, 50),
      rateRow('lead_to_opp.rate', 'team:marketing', 40, 100),
    ]);
    const found = findings('monthly', [lead]);
    expect(found.map((finding) => finding.text)).toEqual([
      'Region: North America — 60% of leads became opportunities (30 of 50), against 20% for the rest (10 of 50); Fisher exact test, p < 0.001, 2 rows compared.',
    ]);
  });

  it('reads breakdowns of conversion rates only', () => {
    // The same rows under the SLA rate are not conversions of one stage into the next.
    const sla = rateMetric('sla.within_rate', 24, 200, [
      rateRow('sla.within_rate', 'channel:partner_referral', 22, 100),
      rateRow('sla.within_rate', 'channel:paid_social', 2, 100),
    ]);
    expect(findings('weekly', [sla])).toEqual([]);
  });
});

describe('findingsOf: icp_mix', () => {
  /** Industry of the wins: 20 this quarter, 40 in the 4 before. */
  const industryDrift = (notes: PacketMetric['notes'], n = 20) =>
    metric('icp.drift.industry', {
      value: 0.52,
      n,
      notes,
      breakdown: [
        // Retail 10 of 20 (50%) now, 10 of 40 (25%) before: moved 25 points.
        driftRow('icp.drift.industry', 'segment:industry=Retail', 10, 20, 10, 40),
        // Software 8 of 20 (40%) now, 10 of 40 (25%) before: moved 15 points.
        driftRow('icp.drift.industry', 'segment:industry=Software', 8, 20, 10, 40),
        // Healthcare 2 of 20 (10%) now, 20 of 40 (50%) before: moved 40 points, the most.
        driftRow('icp.drift.industry', 'segment:industry=Healthcare', 2, 20, 20, 40),
      ],
    });

  it('names the value whose share of wins moved most, with both shares', () => {
    const found = findings('quarterly', [industryDrift({ band: 'shifted', baselineWins: 40 })]);
    expect(found.map((finding) => finding.text)).toEqual([
      "Healthcare is 10% of this quarter's wins (2 of 20), down from 50% (20 of 40) in the previous 4 quarters: industry mix shifted.",
    ]);
    expect(found[0]?.kind).toBe('icp_mix');
    expect(found[0]?.test.p).toBeUndefined();
    expect(found[0]?.test.n).toBe(20 + 40);
  });

  it('uses the label of employee bands and says "up" for a share that grew', () => {
    const employees = metric('icp.drift.employees', {
      value: 0.9,
      n: 10,
      notes: { band: 'shifted', baselineWins: 10 },
      breakdown: [
        // 200–999: 8 of 10 now against 2 of 10 before (60 points); 1000–4999: 2 against 6 (40);
        // 5000+: 0 against 2 (20).
        driftRow('icp.drift.employees', 'segment:employees=200-999', 8, 10, 2, 10),
        driftRow('icp.drift.employees', 'segment:employees=1000-4999', 2, 10, 6, 10),
        driftRow('icp.drift.employees', 'segment:employees=5000+', 0, 10, 2, 10),
      ],
    });
    expect(findings('quarterly', [employees]).map((finding) => finding.text)).toEqual([
      "200–999 employees is 80% of this quarter's wins (8 of 10), up from 20% (2 of 10) in the previous 4 quarters: company size mix shifted.",
    ]);
  });

  it('says nothing for a stable mix or under 10 wins on either side', () => {
    expect(findings('quarterly', [industryDrift({ band: 'stable', baselineWins: 40 })])).toEqual([]);
    expect(findings('quarterly', [industryDrift({ band: 'shifted', baselineWins: 9 })])).toEqual([]);
    expect(findings('quarterly', [industryDrift({ band: 'shifted', baselineWins: 40 }, 9)])).toEqual([]);
    expect(findings('quarterly', [industryDrift({ band: 'shifted', baselineWins: 10 }, 10)])).toHaveLength(1);
  });
});

describe('findingsOf: sla_breaches', () => {
  const sla = (rows: [string, number][]) =>
    rateMetric(
      'sla.within_rate',
      50,
      100,
      rows.map(([owner, n]) => countRow('sla.within_rate', `owner:${owner}`, n)),
    );

  it('names one person behind at least half of the breaches', () => {
    // 12 + 4 + 4 = 20 breaches; Dana's 12 are at least 10.
    const found = findings('weekly', [
      sla([
        ['Dana Reyes', 12],
        ['Eli Park', 4],
        ['hubspot:31000999', 4],
      ]),
    ]);
    expect(found.map((finding) => finding.text)).toEqual([
      'Dana Reyes accounts for 12 of the 20 SLA breaches.',
    ]);
    expect(found[0]?.numbers).toEqual({ breaches: 20, covered: 12, people: 1 });
    expect(found[0]?.test.smallSample).toBeUndefined();
  });

  it('names the fewest people, at most three, with CRM ids and unassigned in words', () => {
    // 5 + 4 + 2 + 1 = 12: 5 is under 6, 5 + 4 = 9 is at least 6.
    expect(
      findings('weekly', [
        sla([
          ['Dana Reyes', 5],
          ['Eli Park', 4],
          ['hubspot:31000999', 2],
          ['unassigned', 1],
        ]),
      ]).map((finding) => finding.text),
    ).toEqual(['Dana Reyes (5) and Eli Park (4) account for 9 of the 12 SLA breaches.']);
    // 4 + 3 + 3 + 3 + 3 = 16: 4 + 3 = 7 is under 8, 4 + 3 + 3 = 10 is at least 8.
    expect(
      findings('weekly', [
        sla([
          ['unassigned', 4],
          ['hubspot:31000999', 3],
          ['Eli Park', 3],
          ['Dana Reyes', 3],
          ['generic:rep-9', 3],
        ]),
      ]).map((finding) => finding.text),
    ).toEqual([
      'Unassigned (4), HubSpot user 31000999 (3) and Eli Park (3) account for 10 of the 16 SLA breaches.',
    ]);
  });

  it('finds the fewest people whatever order the rows come in', () => {
    // 1 + 8 + 1 = 10: Dana's 8 alone are at least 5.
    expect(
      findings('weekly', [
        sla([
          ['Eli Park', 1],
          ['Dana Reyes', 8],
          ['unassigned', 1],
        ]),
      ]).map((finding) => finding.text),
    ).toEqual(['Dana Reyes accounts for 8 of the 10 SLA breaches.']);
  });

  it('says nothing when three people cannot cover half', () => {
    // 7 people with 2 each = 14: three cover 6, under 7.
    const spread = [
      'Dana Reyes',
      'Eli Park',
      'Maya Lind',
      'unassigned',
      'hubspot:1',
      'hubspot:2',
      'hubspot:3',
    ];
    expect(findings('weekly', [sla(spread.map((owner) => [owner, 2]))])).toEqual([]);
    // 6 people with 3 each = 18: three cover 9, exactly half.
    expect(findings('weekly', [sla(spread.slice(0, 6).map((owner) => [owner, 3]))])).toHaveLength(1);
  });

  it('marks under 10 breaches a small sample and says nothing under 3', () => {
    const small = findings('weekly', [
      sla([
        ['Dana Reyes', 3],
        ['Eli Park', 2],
      ]),
    ]);
    expect(small.map((finding) => finding.text)).toEqual([
      'Dana Reyes accounts for 3 of the 5 SLA breaches (a small sample: 5 breaches).',
    ]);
    expect(small[0]?.test).toEqual({ name: 'share of breaches', n: 5, smallSample: true });
    expect(
      findings('weekly', [
        sla([
          ['Dana Reyes', 2],
          ['Eli Park', 1],
        ]),
      ]),
    ).toHaveLength(1);
    expect(findings('weekly', [sla([['Dana Reyes', 2]])])).toEqual([]);
  });
});

describe('findingsOf: top_reason', () => {
  const rejections = (notes: PacketMetric['notes'], n = 12) =>
    metric('rejections.count', {
      value: n,
      n,
      notes,
      breakdown: [
        countRow('rejections.count', 'reason:bad_timing', 6),
        countRow('rejections.count', 'reason:too_small', 4),
        countRow('rejections.count', 'reason:(missing)', n - 10),
      ],
    });

  it('reports a top reason on top two weeks or more, in words', () => {
    const found = findings('weekly', [rejections({ topReason: 'bad_timing', topReasonStreakWeeks: 2 })]);
    expect(found.map((finding) => finding.text)).toEqual([
      '"Bad timing" has been the top rejection reason 2 weeks in a row; 6 of 12 rejections this week.',
    ]);
    expect(found[0]?.numbers).toEqual({ reason: 'bad_timing', weeks: 2, n: 6, rejections: 12 });
  });

  it('says nothing for a streak of one week or without a top reason', () => {
    expect(findings('weekly', [rejections({ topReason: 'bad_timing', topReasonStreakWeeks: 1 })])).toEqual(
      [],
    );
    expect(findings('weekly', [rejections({ topReason: null, topReasonStreakWeeks: 0 })])).toEqual([]);
  });
});

describe('findingsOf: ranking and caps', () => {
  /**
   * A weekly packet with eight candidates:
   * - rate_moved: missing reasons 10 of 20 against 20 of 200 (p = 3.7e-5), SLA 20 of 40 against
   *   160 of 200 (p = 2.0e-4), MQL → SQL 8 of 40 against 90 of 200 (p = 0.0044);
   * - segment_differs: partner 7 of 10 against 1 of 30 (p = 4.7e-5), paid social 0 of 15 against
   *   8 of 25 (p = 0.016), paid search (p = 0.22, none);
   * - sla_breaches (no p): Dana 12 of 20 breaches; top_reason (no p): 3 weeks.
   */
  const week = () => ({
    metrics: [
      rateMetric('mql_to_sql.rate', 8, 40, [
        rateRow('mql_to_sql.rate', 'channel:partner_referral', 7, 10),
        rateRow('mql_to_sql.rate', 'channel:paid_social', 0, 15),
        rateRow('mql_to_sql.rate', 'channel:paid_search', 1, 15),
      ]),
      rateMetric('sla.within_rate', 20, 40, [
        countRow('sla.within_rate', 'owner:Dana Reyes', 12),
        countRow('sla.within_rate', 'owner:Eli Park', 8),
      ]),
      rateMetric('rejections.missing_reason_share', 10, 20),
      metric('rejections.count', {
        value: 20,
        n: 20,
        notes: { topReason: 'bad_timing', topReasonStreakWeeks: 3 },
        breakdown: [countRow('rejections.count', 'reason:bad_timing', 8)],
      }),
    ],
    // MQL → SQL 90 of 200 as in MQL_HISTORY; SLA 4 × 40 of 50 = 160 of 200; missing 4 × 5 of 50 = 20 of 200.
    history: MQL_HISTORY.map((values) => [
      ...values,
      ...run({ 'sla.within_rate': [40, 50], 'rejections.missing_reason_share': [5, 50] }),
    ]),
  });

  it('puts smaller p first, keeps two of a kind and five in all', () => {
    const expected = [
      ['rate_moved', 'rejections.missing_reason_share', fisherByHand(10, 10, 20, 180)],
      ['segment_differs', 'mql_to_sql.rate', fisherByHand(7, 3, 1, 29)],
      ['rate_moved', 'sla.within_rate', fisherByHand(20, 20, 160, 40)],
      ['segment_differs', 'mql_to_sql.rate', fisherByHand(0, 15, 8, 17)],
    ] as const;
    // By hand: 3.7e-5 < 4.7e-5 < 2.0e-4 < 0.016, and MQL → SQL's 0.0044 would come between the last two.
    expect(expected.map(([, , p]) => p)).toEqual([...expected.map(([, , p]) => p)].sort((a, b) => a - b));
    expect(fisherByHand(8, 32, 90, 110)).toBeGreaterThan(expected[2][2]);
    expect(fisherByHand(8, 32, 90, 110)).toBeLessThan(expected[3][2]);

    const { metrics, history } = week();
    const found = findings('weekly', metrics, history);
    expect(found).toHaveLength(5);
    expect(found.slice(0, 4).map((finding) => [finding.kind, finding.metric])).toEqual(
      expected.map(([kind, id]) => [kind, id]),
    );
    found.slice(0, 4).forEach((finding, index) => {
      expect(finding.test.p).toBeCloseTo(expected[index]?.[2] ?? Number.NaN, 12);
    });
    // The third rate that moved (MQL → SQL) is over the cap of two; the untested SLA finding comes
    // after the tested ones, and the rejection streak is the sixth.
    expect(found[4]?.kind).toBe('sla_breaches');
    expect(found.some((finding) => finding.kind === 'top_reason')).toBe(false);
  });

  it('lets a later kind in when an earlier one is gone', () => {
    const { metrics, history } = week();
    const withoutSla = metrics.filter((candidate) => candidate.id !== 'sla.within_rate');
    const found = findings('weekly', withoutSla, history);
    // Without the SLA metric: missing reasons, partner, MQL → SQL (now the second rate), paid social, streak.
    expect(found.map((finding) => [finding.kind, finding.metric])).toEqual([
      ['rate_moved', 'rejections.missing_reason_share'],
      ['segment_differs', 'mql_to_sql.rate'],
      ['rate_moved', 'mql_to_sql.rate'],
      ['segment_differs', 'mql_to_sql.rate'],
      ['top_reason', 'rejections.count'],
    ]);
  });

  it('keeps at most two ICP mixes, after the tested findings', () => {
    const VALUES: Record<string, string> = {
      'icp.drift.region': 'segment:region=EMEA',
      'icp.drift.seniority': 'segment:seniority=c_level',
      'icp.drift.industry': 'segment:industry=Retail',
    };
    const shifted = (id: MetricId, n: number) =>
      metric(id, {
        value: 0.4,
        n,
        notes: { band: 'shifted', baselineWins: 40 },
        breakdown: [
          // Half of this quarter's wins against 4 of 40 before.
          driftRow(id, VALUES[id] ?? '', n / 2, n, 4, 40),
        ],
      });
    const lead = rateMetric('lead_to_opp.rate', 8, 40);
    const history = MQL_HISTORY.map((values) =>
      values.map((value) => ({ ...value, id: 'lead_to_opp.rate' as const })),
    );
    const found = findings(
      'quarterly',
      [
        shifted('icp.drift.region', 10),
        shifted('icp.drift.seniority', 30),
        shifted('icp.drift.industry', 20),
        lead,
      ],
      history,
    );
    // The tested rate first; then the mixes with the most wins behind them (30 + 40, then 20 + 40).
    expect(found.map((finding) => [finding.kind, finding.metric])).toEqual([
      ['rate_moved', 'lead_to_opp.rate'],
      ['icp_mix', 'icp.drift.seniority'],
      ['icp_mix', 'icp.drift.industry'],
    ]);
  });

  it('gives no finding at all when nothing stands out', () => {
    // 45 of 100 against 90 of 200 is the same rate (p = 1); 2 breaches; a one-week streak; a stable mix.
    expect(fisherByHand(45, 55, 90, 110)).toBeCloseTo(1, 9);
    const quiet = [
      rateMetric('mql_to_sql.rate', 45, 100, [
        rateRow('mql_to_sql.rate', 'channel:partner_referral', 23, 50),
        rateRow('mql_to_sql.rate', 'channel:paid_social', 22, 50),
      ]),
      rateMetric('sla.within_rate', 18, 20, [countRow('sla.within_rate', 'owner:Dana Reyes', 2)]),
      metric('rejections.count', {
        value: 5,
        n: 5,
        notes: { topReason: 'bad_timing', topReasonStreakWeeks: 1 },
      }),
    ];
    expect(findings('weekly', quiet, MQL_HISTORY)).toEqual([]);
  });
});
