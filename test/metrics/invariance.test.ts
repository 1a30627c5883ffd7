import { describe, expect, it } from 'vitest';
import { canonicalJson } from '#shared/config/parse.ts';
import { lastCompletePeriod, previousPeriods } from '#shared/time/periods.ts';
import { shuffled } from '../support/shuffle.ts';
import { AS_OF, CONFIG, EVENTS, metricsOf, PERIOD, PREVIOUS_WEEKS } from './fixture.ts';

describe('order and duplicate invariance', () => {
  const reference = metricsOf();

  it('uses the calendar weeks of the example client', () => {
    // The last complete week before Monday 11-16 08:00 New York, and the 4 before it (one spans the DST end).
    const week = lastCompletePeriod('weekly', AS_OF, CONFIG);
    expect({ start: week.start, end: week.end }).toEqual(PERIOD);
    expect(previousPeriods(week, 4, CONFIG).map(({ start, end }) => ({ start, end }))).toEqual(
      PREVIOUS_WEEKS,
    );
  });

  it('covers every metric id once', () => {
    expect(reference.map((metric) => metric.id)).toEqual([
      'qpc.created.amount',
      'qpc.created.count',
      'qpc.won.amount',
      'qpc.lost.amount',
      'qpc.win_rate',
      'pipeline_to_revenue.rate',
      'mql.count',
      'mql_to_sql.rate',
      'lead_to_opp.rate',
      'sla.within_rate',
      'sla.median_business_minutes',
      'sla.p90_business_minutes',
      'rejections.count',
      'rejections.missing_reason_share',
      'stalled.count',
      'stalled.amount',
      'icp.fit_rate.closed_won',
      'icp.fit_rate.qpc',
      'icp.fit_rate.leads',
      'icp.breadth',
      'icp.outbound_adherence',
      'icp.win_rate.in',
      'icp.win_rate.out',
      'icp.drift.industry',
      'icp.drift.employees',
      'icp.drift.region',
      'icp.drift.seniority',
      'forecast.weighted',
      'forecast.commit',
      'forecast.accuracy',
      'forecast.bias',
    ]);
  });

  it('gives deep-equal metrics for shuffled events with duplicates', () => {
    for (let seed = 1; seed <= 12; seed++) {
      // Every event once, a seed-dependent run of them a second time, a few a third time; then shuffled,
      // so the entities (and the states the FactSet is built from) also come in another order.
      const start = (seed * 7) % EVENTS.length;
      const repeated = [...EVENTS, ...EVENTS.slice(start, start + 40), ...EVENTS.slice(0, seed)];
      const metrics = metricsOf(shuffled(repeated, seed));
      expect(metrics).toEqual(reference);
      expect(canonicalJson(metrics)).toBe(canonicalJson(reference));
    }
  });

  it('gives the same metrics for the events in reverse order', () => {
    expect(metricsOf([...EVENTS].reverse())).toEqual(reference);
  });
});
