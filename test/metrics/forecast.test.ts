import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import {
  accuracyOf,
  currentForecast,
  forecastAccuracy,
  forecastFor,
  quarterAccuracy,
} from '#shared/metrics/forecast.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { dataHealth } from '#shared/packets/data-health.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { periodContaining } from '#shared/time/periods.ts';
import { forecastSnapshots } from '#shared/time/schedule.ts';
import { shuffled } from '../support/shuffle.ts';
import { CONFIG, statesOf, t } from './fixture.ts';

/*
 * The example client: New York, fiscal year from February, so FY2027 Q3 is Aug 1 – Oct 31 2026.
 * Its snapshots (first business day on or after the start, + 6 weeks, + 12 weeks, at the weekly
 * schedule's 08:00): Aug 1 is a Saturday → Mon Aug 3; Sep 12 → Mon Sep 14; Oct 24 → Mon Oct 26.
 * Stage probabilities: qualifiedtobuy 20%, presentationscheduled 50%, contractsent 80%.
 */
const config: ClientConfig = {
  ...CONFIG,
  forecast: {
    stageProbabilities: { qualifiedtobuy: 0.2, presentationscheduled: 0.5, contractsent: 0.8 },
    accuracyTolerance: 0.1,
  },
};
const deal = (id: string, iso: string, fields: CanonicalEvent['fields']): CanonicalEvent => ({
  entity: 'deal',
  id: `generic:${id}`,
  at: t(iso),
  fields,
});

const EVENTS: CanonicalEvent[] = [
  // Slips: 10,000 in contractsent (80%), commit, closing Sep 30; on Sep 20 it moves to Nov 20 (Q4).
  deal('slip', '2026-07-15T16:00:00Z', {
    amount: 10000,
    stage: 'contractsent',
    closeDate: '2026-09-30',
    forecastCategory: 'commit',
  }),
  deal('slip', '2026-09-20T16:00:00Z', { closeDate: '2026-11-20' }),
  // Pulled in: 20,000 (50%) expected Dec 15 (Q4); on Oct 1 moved to Oct 20, won Oct 20.
  deal('pull', '2026-07-15T16:00:00Z', {
    amount: 20000,
    stage: 'presentationscheduled',
    closeDate: '2026-12-15',
  }),
  deal('pull', '2026-10-01T16:00:00Z', { closeDate: '2026-10-20' }),
  deal('pull', '2026-10-20T16:00:00Z', { stage: 'closedwon' }),
  // Its own probability: 30,000 at 30%, raised to 60% on Sep 1, won Oct 30.
  deal('prob', '2026-07-15T16:00:00Z', {
    amount: 30000,
    stage: 'qualifiedtobuy',
    probability: 0.3,
    closeDate: '2026-10-15',
  }),
  deal('prob', '2026-09-01T16:00:00Z', { probability: 0.6 }),
  deal('prob', '2026-10-30T16:00:00Z', { stage: 'closedwon' }),
  // Lost Aug 20: 15,000 in contractsent (80%), commit, expected Sep 10.
  deal('lost', '2026-07-15T16:00:00Z', {
    amount: 15000,
    stage: 'contractsent',
    closeDate: '2026-09-10',
    forecastCategory: 'commit',
  }),
  deal('lost', '2026-08-20T16:00:00Z', { stage: 'closedlost' }),
  // Won without ever being forecast: created Oct 10 without a close date, won Oct 12 at 5,000.
  deal('unforecast', '2026-10-10T16:00:00Z', { amount: 5000, stage: 'appointmentscheduled' }),
  deal('unforecast', '2026-10-12T16:00:00Z', { stage: 'closedwon' }),
];
const AS_OF = t('2026-11-02T13:00:00Z');
const QUARTER = periodContaining('quarterly', t('2026-09-01T12:00:00Z'), config);
const facts = (events: readonly CanonicalEvent[] = EVENTS, asOf = AS_OF) =>
  buildFactSet(statesOf(events), config, asOf);

describe('the forecast as it stood, reconstructed from field history', () => {
  it('takes its snapshots on the first business day on or after start, + 6 and + 12 weeks, at 08:00', () => {
    expect(QUARTER.label).toBe('FY2027 Q3 (Aug–Oct 2026)');
    expect(forecastSnapshots(QUARTER.start, config)).toEqual([
      t('2026-08-03T12:00:00Z'),
      t('2026-09-14T12:00:00Z'),
      t('2026-10-26T12:00:00Z'),
    ]);
  });

  it('weights each open deal by its probability as of the snapshot and adds what was won', () => {
    const [first, mid, late] = quarterAccuracy(facts(), QUARTER, config).snapshots;
    // Aug 3: slip 10,000 × 0.8 + prob 30,000 × 0.3 + lost 15,000 × 0.8 (still open) = 8,000 + 9,000 + 12,000.
    expect(first?.weighted).toMatchObject({ won: 0, weighted: 29000, commit: 25000, openDeals: 3 });
    // Sep 14: slip 8,000 + prob at 60% 18,000; lost is closed; pull still expected in Q4.
    expect(mid?.weighted).toMatchObject({ won: 0, weighted: 26000, commit: 10000, openDeals: 2 });
    // Oct 26: slip moved to Nov 20 (out); pull won Oct 20 (20,000) and unforecast won Oct 12 (5,000);
    // prob open at 60%: 25,000 + 18,000.
    expect(late?.weighted).toMatchObject({ won: 25000, weighted: 43000, commit: 25000, openDeals: 1 });
  });

  it('scores the mid-quarter weighted forecast against what closed: accuracy, bias, the other snapshots', () => {
    // A = 20,000 + 30,000 + 5,000 = 55,000; F(mid) = 26,000.
    const [accuracy, bias] = forecastAccuracy(
      facts(),
      { start: QUARTER.start + 1, end: QUARTER.end },
      config,
    );
    expect(accuracy?.notes).toMatchObject({ actual: 55000, forecastAtMid: 26000, twoInARow: 0 });
    expect(accuracy?.value).toBe(Math.round((1 - 29000 / 55000) * 10_000) / 10_000); // 0.4727
    expect(bias?.value).toBe(Math.round((-29000 / 55000) * 10_000) / 10_000); // -0.5273
    const row = (key: string) => accuracy?.breakdown?.find((entry) => entry.key === key)?.value;
    expect(row('snapshot:weighted-first')).toBe(Math.round((29000 / 55000) * 10_000) / 10_000);
    expect(row('snapshot:weighted-late')).toBe(Math.round((43000 / 55000) * 10_000) / 10_000);
    expect(row('snapshot:commit-mid')).toBe(Math.round((10000 / 55000) * 10_000) / 10_000);
    // The quarter before (May–Jul) won nothing: no accuracy there, so not two in a row.
    expect(accuracy?.notes?.previousAccuracy).toBeNull();
  });

  it('lists the deals that moved the number after the mid-quarter snapshot, most first', () => {
    const [accuracy] = forecastAccuracy(facts(), { start: QUARTER.start, end: QUARTER.end }, config);
    // pull: expected Dec 15 at mid, won Oct 20 (+20,000); slip: 10,000 × 0.8 forecast at mid, now
    // Nov 20 (−8,000); unforecast: created after mid, won Oct 12 (+5,000). prob was forecast and
    // won as forecast; lost closed before mid.
    expect(accuracy?.items?.map((item) => [item.id, item.moved])).toEqual([
      ['generic:pull', { kind: 'pulled-in', impact: 20000, from: '2026-12-15' }],
      ['generic:slip', { kind: 'slipped', impact: -8000, to: '2026-11-20' }],
      ['generic:unforecast', { kind: 'won-unforecast', impact: 5000 }],
    ]);
  });

  it('floors accuracy at 0 when the forecast is off by more than what was won, keeping the bias', () => {
    expect(accuracyOf(110000, 10000)).toEqual({ accuracy: 0, bias: 10 });
    expect(accuracyOf(9000, 10000)).toEqual({ accuracy: 0.9, bias: -0.1 });
  });

  it('gives no accuracy to a quarter that won nothing, and says why', () => {
    const nothingWon = EVENTS.filter((event) => event.fields.stage !== 'closedwon');
    const [accuracy] = forecastAccuracy(
      facts(nothingWon),
      { start: QUARTER.start, end: QUARTER.end },
      config,
    );
    expect(accuracy?.value).toBeNull();
    expect(accuracy?.notes?.noAccuracy).toBe('nothing was won in the quarter');
  });

  it("reads the current quarter's forecast at a weekly period's end", () => {
    // Week of Oct 19: as of Mon Oct 26 00:00 local, the same as the late snapshot but for 8 hours.
    const week = { start: t('2026-10-19T04:00:00Z'), end: t('2026-10-26T04:00:00Z') };
    const [weighted, commit] = currentForecast(facts(), week, config);
    expect(weighted).toMatchObject({ value: 43000, n: 1 });
    expect(commit).toMatchObject({ value: 25000, n: 1 });
    // A week before (Oct 19 00:00): unforecast won 5,000; pull open for Oct 20 at 50% (10,000);
    // prob at 60% (18,000) = 33,000. The 10,000 since is pull, won Oct 20 at 20,000.
    expect(weighted?.notes?.weekBefore).toBe(33000);
    expect(weighted?.items?.map((item) => [item.id, item.moved])).toEqual([
      ['generic:pull', { kind: 'won', impact: 10000 }],
    ]);
  });

  it('says in the weekly packet what was won so far and how the forecast moved since a week before', () => {
    // As of Mon Oct 26 08:00 local: won unforecast 5,000 (Oct 12) + pull 20,000 (Oct 20) = 25,000,
    // and prob open at 60% of 30,000 = 18,000: 43,000. A week before, 33,000 (above): up 10,000.
    const weekly = buildPacket(facts(), config, 'weekly', t('2026-10-26T12:00:00Z'));
    const weighted = weekly.metrics.find((metric) => metric.id === 'forecast.weighted');
    expect(weighted?.value).toBe(43000);
    expect(weighted?.remarks).toEqual([
      'FY2027 Q3 (Aug–Oct 2026): $25,000 won so far; up $10,000 from $33,000 a week before.',
    ]);
    // Commit as of Oct 26: the 25,000 won and no open commit deal (slip went to Q4 on Sep 20). A
    // week before only unforecast's 5,000 was won (pull, never commit, won Oct 20): up 20,000.
    const commit = weekly.metrics.find((metric) => metric.id === 'forecast.commit');
    expect(commit?.value).toBe(25000);
    expect(commit?.remarks).toEqual([
      '$0 in open commit deals on top of what was won; up $20,000 from $5,000 a week before.',
    ]);
    // Only the quarterly packet judges a whole ended quarter.
    expect(weekly.metrics.map((metric) => metric.id)).not.toContain('forecast.accuracy');
  });

  it('counts in data health the forecast deals without any probability (counted at 0)', () => {
    // Week of Sep 7: slip (contractsent, no probability of its own) and prob (its own 60%) are open
    // for Q3. Without stage probabilities slip has none; with them it takes contractsent's 80%.
    const week = { start: t('2026-09-07T04:00:00Z'), end: t('2026-09-14T04:00:00Z') };
    expect(dataHealth(facts(EVENTS, AS_OF), week, CONFIG).forecastDealsWithoutProbability).toBe(1);
    expect(dataHealth(facts(), week, config).forecastDealsWithoutProbability).toBe(0);
  });

  it('prints in the weekly packet built at the mid snapshot what the quarterly packet later shows for it', () => {
    const mid = t('2026-09-14T12:00:00Z');
    // The weekly packet of Mon Sep 14 08:00, from the facts known then.
    const knownThen = EVENTS.filter((event) => event.at <= mid);
    const weekly = buildPacket(facts(knownThen, mid), config, 'weekly', mid);
    expect(weekly.metrics.find((metric) => metric.id === 'forecast.weighted')?.value).toBe(26000);
    // The quarterly packet of Nov 2, after every later event (none back-dated before Sep 14).
    const quarterly = buildPacket(facts(), config, 'quarterly', AS_OF);
    const accuracy = quarterly.metrics.find((metric) => metric.id === 'forecast.accuracy');
    expect(accuracy?.notes?.forecastAtMid).toBe(26000);
    // The weighted forecast at each snapshot first, then the commit one, so a capped list shows the first three.
    expect(accuracy?.breakdown?.map((row) => row.label)).toEqual([
      'Weighted, first day',
      'Weighted, mid-quarter',
      'Weighted, week 12',
      'Commit, first day',
      'Commit, mid-quarter',
      'Commit, week 12',
    ]);
    // Dates in words, amounts as the movements above.
    const texts = new Map(accuracy?.items?.map((item) => [item.id, item.text]));
    expect(texts.get('generic:pull')).toBe('pulled in from Dec 15, 2026 (+$20,000)');
    expect(texts.get('generic:slip')).toBe('slipped to Nov 20, 2026 (−$8,000 weighted)');
  });

  it('gives the same forecast for shuffled and repeated deliveries', () => {
    const reference = quarterAccuracy(facts(), QUARTER, config);
    for (const seed of [1, 2, 3]) {
      const events = shuffled([...EVENTS, ...EVENTS.slice(seed, seed + 4)], seed);
      expect(quarterAccuracy(facts(events), QUARTER, config)).toEqual(reference);
    }
  });

  it('equals, rebuilt later, the forecast computed at the snapshot from the facts known then', () => {
    const mid = t('2026-09-14T12:00:00Z');
    const knownThen = EVENTS.filter((event) => event.at <= mid);
    const then = forecastFor(facts(knownThen, mid), QUARTER, mid, config);
    const later = quarterAccuracy(facts(), QUARTER, config).snapshots[1]?.weighted;
    expect(later).toEqual(then);
  });
});
