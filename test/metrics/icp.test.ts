import { describe, expect, it } from 'vitest';
import { METRIC_REGISTRY } from '#shared/metrics/registry.ts';
import { fisherExactTwoSided } from '#shared/stats/index.ts';
import { CONFIG, expectInterval, metricsOf, pick, row } from './fixture.ts';

const metrics = metricsOf();
const rateOf = (id: string) => {
  const metric = pick(metrics, id);
  return [metric.value, metric.n];
};
const EPS = 0.0001;
/** One PSI term (p − q) ln(p / q). */
const term = (p: number, q: number) => (p - q) * Math.log(p / q);

// Profiles (company firmographics as of 11-16 13:00Z; deals also their first contact's seniority):
//   co-1 Software 850 NA · co-2 Financial Services 1200 UK&I · co-3 Retail 300 NA (its change to Software is
//   after as-of) · co-4 Software 120 NA · co-5 Healthcare 5000 NA · co-6 Software ? NA · co-7 Healthcare 2500 DACH
//   · co-8 Manufacturing 40 DACH · co-9 Healthcare 5000 UK&I · co-10 Software 200 NA.
// ICP: Software|Financial Services|Healthcare, 200–5000 (both ends), North America|UK&I, vp|director|c_level.

describe('icp fit rates', () => {
  it('icp.fit_rate.closed_won uses every deal won in the period, also under minAmount', () => {
    // Won in the period: d-20 (co-4: 120 employees ✗), d-16 (co-6 without employees, no contact ✗),
    // d-21 (co-5 + c-32 vp ✓), d-11 (co-1 but first contact c-33 manager ✗), d-15 (co-8 ✗, 3000 < minAmount),
    // d-4 (co-1 + c-30 vp ✓), d-14 (co-2 + c-36 director ✓) → 3 / 7.
    expect(rateOf('icp.fit_rate.closed_won')).toEqual([3 / 7, 7]);
    expectInterval(pick(metrics, 'icp.fit_rate.closed_won').interval, 3, 7);
    // By segment: industry=Software d-4 ✓ d-11 ✗ d-16 ✗ d-20 ✗ → 1/4; seniority=vp d-4 ✓ d-15 ✗ d-20 ✗ d-21 ✓ → 2/4.
    const metric = pick(metrics, 'icp.fit_rate.closed_won');
    expect(row(metric, 'segment:industry=Software')).toMatchObject({ value: 0.25, n: 4 });
    expect(row(metric, 'segment:seniority=vp')).toMatchObject({ value: 0.5, n: 4 });
  });

  it('icp.fit_rate.qpc uses the deals qualified in the period', () => {
    // d-7 (co-4 ✗), d-1 (co-1 + c-1 vp ✓), d-2 (co-2 + c-9 manager ✗), d-3 (co-5 + c-8 director ✓),
    // d-4 (✓), d-9 (co-2 + c-11 vp ✓) → 4 / 6.
    expect(rateOf('icp.fit_rate.qpc')).toEqual([4 / 6, 6]);
  });

  it('icp.fit_rate.leads uses the contacts created in the period; a missing attribute does not fit', () => {
    // c-8 (co-5 director ✓), c-9 (co-2 manager ✗), c-14 (co-5 vp ✓), c-7 (co-3 Retail ✗), c-12 (co-4 120 ✗),
    // c-4 (co-2 vp ✓), c-11 (co-1 vp ✓), c-6 (co-1 director ✓), c-5 (co-6 no employees ✗), c-13 (co-2 c_level ✓),
    // c-10 (co-1, no seniority ✗). Not c-15 (after as-of). → 6 / 11.
    expect(rateOf('icp.fit_rate.leads')).toEqual([6 / 11, 11]);
    const metric = pick(metrics, 'icp.fit_rate.leads');
    // c-5 and c-10 are left out of the dimension they lack: employees rows cover 10 leads, seniority rows 10.
    const total = (prefix: string) =>
      metric.breakdown
        ?.filter((entry) => entry.key.startsWith(prefix))
        .reduce((sum, entry) => sum + entry.n, 0);
    expect(total('segment:employees=')).toBe(10);
    expect(total('segment:seniority=')).toBe(10);
    expect(total('segment:industry=')).toBe(11);
  });

  it('icp.breadth uses the companies first seen in the period, on firmographics only', () => {
    // First seen in [11-09 05:00Z, 11-16 05:00Z): co-6 (no employees ✗), co-8 (✗), co-9 (Healthcare 5000 UK&I ✓),
    // co-10 (Software 200 NA ✓). Not co-11 (at the end), co-12 (after as-of). → 2 / 4.
    expect(rateOf('icp.breadth')).toEqual([0.5, 4]);
    const metric = pick(metrics, 'icp.breadth');
    expect(metric.breakdown?.some((entry) => entry.key.startsWith('segment:seniority='))).toBe(false);
    expect(row(metric, 'segment:industry=Software')).toMatchObject({ value: 0.5, n: 2 });
  });

  it('icp.outbound_adherence uses the new leads of the sales team', () => {
    // Team sales (sdr, OFFLINE, outbound): c-12 (co-4 ✗), c-13 (co-2 c_level ✓), c-14 (co-5 vp ✓) → 2 / 3.
    expect(rateOf('icp.outbound_adherence')).toEqual([2 / 3, 3]);
  });
});

describe('icp.win_rate.in / .out', () => {
  // Qualified deals closed in the period:
  //   fit:   d-4 won, d-14 won, d-21 won                          → 3 won, 0 lost
  //   unfit: d-11 won (c-33 manager), d-20 won (co-4), d-12 lost (co-3 Retail), d-13 lost (co-7 DACH) → 2 won, 2 lost
  // 2×2 [[3, 0], [2, 2]]: margins rows 3 | 4, won 5, N 7. Tables by fit-won x ∈ {1, 2, 3}:
  //   P(x) = C(3, x) C(4, 5 − x) / C(7, 5): x=1 3/21, x=2 12/21, x=3 6/21 (observed).
  //   Two-sided p = P(x) ≤ 6/21 → (3 + 6) / 21 = 3/7.
  const inside = pick(metrics, 'icp.win_rate.in');
  const outside = pick(metrics, 'icp.win_rate.out');

  it('gives the rates and the Fisher p-value', () => {
    expect([inside.value, inside.n]).toEqual([1, 3]);
    expect([outside.value, outside.n]).toEqual([0.5, 4]);
    expectInterval(inside.interval, 3, 3);
    expectInterval(outside.interval, 2, 4);
    expect(inside.notes?.fisherP).toBeCloseTo(3 / 7, 12);
    expect(outside.notes?.fisherP).toBeCloseTo(3 / 7, 12);
    expect(fisherExactTwoSided(3, 0, 2, 2)).toBeCloseTo(3 / 7, 12);
  });
});

describe('icp.drift.<dimension>', () => {
  // The fixture's wins are few: every value with one deal is a candidate here, so the lists can be checked.
  const metrics = metricsOf(undefined, undefined, undefined, { ...CONFIG, icpCandidateMinDeals: 1 });
  // Won in the period (p): d-4, d-11, d-14, d-15, d-16, d-20, d-21.
  // Won in the 4 previous weeks [10-12 04:00Z, 11-09 05:00Z) (q): d-40 (co-1, c-30 vp), d-41 (co-2, c-36 director),
  // d-42 (co-3, c-33 manager), d-43 (co-1, c-31 director). d-44 (10-05) is 5 weeks back: not in it.
  // A deal without the attribute is left out of that dimension's mix; an empty bin's share is 0.0001.

  it('industry', () => {
    // p: Software 4/7 (d-4, d-11, d-16, d-20), Financial Services 1/7, Healthcare 1/7, Manufacturing 1/7.
    // q: Software 2/4, Financial Services 1/4, Retail 1/4.
    const psi =
      term(1 / 7, 1 / 4) + // Financial Services
      term(1 / 7, EPS) + // Healthcare
      term(1 / 7, EPS) + // Manufacturing
      term(EPS, 1 / 4) + // Retail
      term(4 / 7, 2 / 4); // Software
    const metric = pick(metrics, 'icp.drift.industry');
    expect(metric.value).toBeCloseTo(psi, 12);
    expect(METRIC_REGISTRY[metric.id].unit).toBe('psi');
    expect(metric.n).toBe(7);
    expect(metric.notes).toEqual({ band: 'shifted', baselineWins: 4 });
    // Each value's share now beside its baseline share; Retail won only in the baseline (0 now).
    expect(metric.breakdown).toEqual([
      { key: 'segment:industry=Software', value: 4 / 7, n: 4, baseline: { value: 2 / 4, n: 2 } },
      { key: 'segment:industry=Financial Services', value: 1 / 7, n: 1, baseline: { value: 1 / 4, n: 1 } },
      { key: 'segment:industry=Healthcare', value: 1 / 7, n: 1, baseline: { value: 0, n: 0 } },
      { key: 'segment:industry=Manufacturing', value: 1 / 7, n: 1, baseline: { value: 0, n: 0 } },
      { key: 'segment:industry=Retail', value: 0, n: 0, baseline: { value: 1 / 4, n: 1 } },
    ]);
    // Candidates to add: Manufacturing won (n 1). To remove: none (every ICP industry closed here also won).
    expect(metric.items).toEqual([
      { id: 'add:Manufacturing', label: 'won outside the ICP: Manufacturing', value: 1 },
    ]);
  });

  it('employees (bands; a deal whose company has no employee count is left out)', () => {
    // p (d-16 left out, 6): 200-999 2/6 (d-4, d-11), 1000-4999 1/6 (d-14), 1-49 1/6 (d-15), 50-199 1/6 (d-20),
    // 5000+ 1/6 (d-21). q: 200-999 3/4 (d-40, d-42, d-43), 1000-4999 1/4 (d-41).
    const psi =
      term(1 / 6, 1 / 4) + // 1000-4999
      term(1 / 6, EPS) + // 1-49
      term(2 / 6, 3 / 4) + // 200-999
      term(1 / 6, EPS) + // 50-199
      term(1 / 6, EPS); // 5000+
    const metric = pick(metrics, 'icp.drift.employees');
    expect(metric.value).toBeCloseTo(psi, 12);
    expect(metric.n).toBe(6);
    // Bands outside 200–5000 that won: 1-49 and 50-199 (5000+ overlaps the range: inside).
    expect(metric.items?.map((item) => [item.id, item.value])).toEqual([
      ['add:1-49', 1],
      ['add:50-199', 1],
    ]);
  });

  it('region', () => {
    // p: North America 5/7 (d-4, d-11, d-16, d-20, d-21), UK&I 1/7, DACH 1/7.
    // q: North America 3/4, UK&I 1/4.
    const psi = term(1 / 7, EPS) + term(5 / 7, 3 / 4) + term(1 / 7, 1 / 4);
    const metric = pick(metrics, 'icp.drift.region');
    expect(metric.value).toBeCloseTo(psi, 12);
    expect(metric.items?.map((item) => [item.id, item.value])).toEqual([['add:DACH', 1]]);
  });

  it('seniority (first contact; a deal without contacts is left out)', () => {
    // p (d-16 left out, 6): vp 4/6 (d-4 c-30, d-15 c-34, d-20 c-35, d-21 c-32), manager 1/6 (d-11), director 1/6 (d-14).
    // q: vp 1/4, director 2/4, manager 1/4.
    // = (1/6 − 1/2) ln(1/3) + (1/6 − 1/4) ln(2/3) + (2/3 − 1/4) ln(8/3) ≈ 0.3662 + 0.0338 + 0.4087 = 0.8087.
    const psi = term(1 / 6, 2 / 4) + term(1 / 6, 1 / 4) + term(4 / 6, 1 / 4);
    const metric = pick(metrics, 'icp.drift.seniority');
    expect(metric.value).toBeCloseTo(psi, 12);
    expect(metric.value).toBeCloseTo(0.8087, 4);
    expect(metric.n).toBe(6);
    // Add: manager won (n 1). Remove: c_level is in the ICP, closed here (d-13 lost, first contact c-37) without
    // a win (n 1).
    expect(metric.items).toEqual([
      { id: 'add:manager', label: 'won outside the ICP: manager', value: 1 },
      { id: 'remove:c_level', label: 'in the ICP, closed without a win: c_level', value: 1 },
    ]);
  });

  it('names no candidate with fewer deals than icpCandidateMinDeals (3 by default)', () => {
    // Every candidate above has 1 deal; Software (4 wins) is inside the ICP, so none reaches 3.
    const withDefault = metricsOf();
    expect(CONFIG.icpCandidateMinDeals).toBe(3);
    for (const dimension of ['industry', 'employees', 'region', 'seniority']) {
      expect(pick(withDefault, `icp.drift.${dimension}`).items).toEqual([]);
    }
    const atTwo = metricsOf(undefined, undefined, undefined, { ...CONFIG, icpCandidateMinDeals: 1 });
    expect(pick(atTwo, 'icp.drift.industry').items?.map((item) => item.value)).toEqual([1]);
  });
});
