import { describe, expect, it } from 'vitest';
import {
  CADENCES,
  type CalendarConfig,
  isoInZone,
  lastCompletePeriod,
  type Period,
  periodContaining,
  previousPeriods,
  shiftedBack,
  targetPace,
} from '#shared/time/periods.ts';

// Calendar facts used below (worked out by hand):
// - 2026-01-01 is a Thursday, so 2026-03-01 and 2026-11-01 are Sundays, 2026-11-16 is a Monday.
// - US DST 2026: starts Sun 03-08 (second Sunday of March), ends Sun 11-01 (first Sunday of November);
//   in 2025 it ended Sun 11-02. New York midnight is 05:00Z under EST (-05:00), 04:00Z under EDT (-04:00).
// - EU DST 2026: starts Sun 03-29, ends Sun 10-25 (last Sundays). Berlin midnight is 23:00Z the day
//   before under CET (+01:00), 22:00Z under CEST (+02:00).

const t = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

const NY: CalendarConfig = { timezone: 'America/New_York', weekStartsOn: 'monday', fiscalYearStartMonth: 2 };
const BERLIN: CalendarConfig = { timezone: 'Europe/Berlin', weekStartsOn: 'monday', fiscalYearStartMonth: 1 };

const span = (period: Pick<Period, 'start' | 'end'>) => ({ start: period.start, end: period.end });

describe('CADENCES', () => {
  it('lists the three packet cadences', () => {
    expect(CADENCES).toEqual(['weekly', 'monthly', 'quarterly']);
  });
});

describe('weekly periods', () => {
  it('gives the week before a Monday as-of in New York', () => {
    // As of Mon 2026-11-16 08:00 EST: the running week starts Mon 11-16 00:00 EST = 05:00Z, so the
    // last complete week is Mon 11-09 00:00 EST (05:00Z) to Mon 11-16 00:00 EST (05:00Z).
    const period = lastCompletePeriod('weekly', t('2026-11-16T13:00:00Z'), NY);
    expect(period).toEqual({
      cadence: 'weekly',
      start: t('2026-11-09T05:00:00Z'),
      end: t('2026-11-16T05:00:00Z'),
      timezone: 'America/New_York',
      label: 'Week of 2026-11-09',
    });
  });

  it('makes a fall-back week 169 hours long (US 2026-11-01, Berlin 2026-10-25)', () => {
    // Mon 10-26 00:00 EDT = 04:00Z → Mon 11-02 00:00 EST = 05:00Z: 7 × 24 + 1 = 169 h.
    const ny = periodContaining('weekly', t('2026-10-29T12:00:00Z'), NY);
    expect(span(ny)).toEqual({ start: t('2026-10-26T04:00:00Z'), end: t('2026-11-02T05:00:00Z') });
    expect((ny.end - ny.start) / HOUR).toBe(169);
    // Mon 10-19 00:00 CEST = 10-18 22:00Z → Mon 10-26 00:00 CET = 10-25 23:00Z: 169 h.
    const berlin = periodContaining('weekly', t('2026-10-22T12:00:00Z'), BERLIN);
    expect(span(berlin)).toEqual({ start: t('2026-10-18T22:00:00Z'), end: t('2026-10-25T23:00:00Z') });
    expect((berlin.end - berlin.start) / HOUR).toBe(169);
  });

  it('makes a spring-forward week 167 hours long (US 2026-03-08, Berlin 2026-03-29)', () => {
    // Mon 03-02 00:00 EST = 05:00Z → Mon 03-09 00:00 EDT = 04:00Z: 7 × 24 − 1 = 167 h.
    const ny = periodContaining('weekly', t('2026-03-04T12:00:00Z'), NY);
    expect(span(ny)).toEqual({ start: t('2026-03-02T05:00:00Z'), end: t('2026-03-09T04:00:00Z') });
    expect((ny.end - ny.start) / HOUR).toBe(167);
    // Mon 03-23 00:00 CET = 03-22 23:00Z → Mon 03-30 00:00 CEST = 03-29 22:00Z: 167 h.
    const berlin = periodContaining('weekly', t('2026-03-25T12:00:00Z'), BERLIN);
    expect(span(berlin)).toEqual({ start: t('2026-03-22T23:00:00Z'), end: t('2026-03-29T22:00:00Z') });
    expect((berlin.end - berlin.start) / HOUR).toBe(167);
  });

  it('starts weeks on Sunday when weekStartsOn is sunday', () => {
    const sunday: CalendarConfig = { ...NY, weekStartsOn: 'sunday' };
    // Wed 11-18 10:00 EST lies in the week Sun 11-15 00:00 EST (05:00Z) → Sun 11-22 00:00 EST (05:00Z).
    const week = periodContaining('weekly', t('2026-11-18T15:00:00Z'), sunday);
    expect(week.label).toBe('Week of 2026-11-15');
    expect(span(week)).toEqual({ start: t('2026-11-15T05:00:00Z'), end: t('2026-11-22T05:00:00Z') });
    // Sat 11-21 23:59 EST (11-22 04:59Z) is the same week; Sun 11-22 00:00 EST (05:00Z) the next one.
    expect(periodContaining('weekly', t('2026-11-22T04:59:00Z'), sunday).start).toBe(week.start);
    expect(periodContaining('weekly', t('2026-11-22T05:00:00Z'), sunday).start).toBe(week.end);
  });

  it('treats an as-of exactly at a boundary as the end of the period that just ended', () => {
    // 2026-11-16T05:00Z is Mon 11-16 00:00 EST, a week boundary: the week ending there is complete.
    const atBoundary = lastCompletePeriod('weekly', t('2026-11-16T05:00:00Z'), NY);
    expect(span(atBoundary)).toEqual({ start: t('2026-11-09T05:00:00Z'), end: t('2026-11-16T05:00:00Z') });
    // One millisecond earlier that week is still running, so the week before it (Mon 11-02) is the last.
    const justBefore = lastCompletePeriod('weekly', t('2026-11-16T04:59:59.999Z'), NY);
    expect(span(justBefore)).toEqual({ start: t('2026-11-02T05:00:00Z'), end: t('2026-11-09T05:00:00Z') });
    // A fact exactly at a period's end belongs to the next period.
    expect(periodContaining('weekly', t('2026-11-16T05:00:00Z'), NY).start).toBe(t('2026-11-16T05:00:00Z'));
  });
});

describe('monthly periods', () => {
  it('gives the calendar month before the as-of, across the DST end', () => {
    // As of 2026-12-03: November 2026, from 11-01 00:00 EDT (04:00Z; DST ends at 02:00 that day)
    // to 12-01 00:00 EST (05:00Z): 30 × 24 + 1 = 721 h.
    const period = lastCompletePeriod('monthly', t('2026-12-03T12:00:00Z'), NY);
    expect(period).toEqual({
      cadence: 'monthly',
      start: t('2026-11-01T04:00:00Z'),
      end: t('2026-12-01T05:00:00Z'),
      timezone: 'America/New_York',
      label: 'November 2026',
    });
    expect((period.end - period.start) / HOUR).toBe(721);
  });

  it('gives December at exactly the New Year boundary', () => {
    // 2027-01-01T05:00Z is 2027-01-01 00:00 EST, so December 2026 has just ended.
    const period = lastCompletePeriod('monthly', t('2027-01-01T05:00:00Z'), NY);
    expect(period.label).toBe('December 2026');
    expect(span(period)).toEqual({ start: t('2026-12-01T05:00:00Z'), end: t('2027-01-01T05:00:00Z') });
  });
});

describe('fiscal quarters', () => {
  it('with a February start: Q1 is Feb–Apr, named by the year the fiscal year ends', () => {
    // FY starting Feb 2026 ends Jan 2027 → FY2027. Feb 1 00:00 EST = 05:00Z; May 1 00:00 EDT = 04:00Z.
    const period = periodContaining('quarterly', t('2026-03-15T12:00:00Z'), NY);
    expect(period).toEqual({
      cadence: 'quarterly',
      start: t('2026-02-01T05:00:00Z'),
      end: t('2026-05-01T04:00:00Z'),
      timezone: 'America/New_York',
      label: 'FY2027 Q1 (Feb–Apr 2026)',
    });
  });

  it('with a February start: Q4 is Nov–Jan and crosses the year end', () => {
    // January 2026 belongs to the FY that started Feb 2025 and ends Jan 2026 → FY2026, Q4 = Nov 2025–Jan 2026.
    // 2025-11-01 00:00 is still EDT (DST 2025 ended 11-02) = 04:00Z; 2026-02-01 00:00 EST = 05:00Z.
    const period = periodContaining('quarterly', t('2026-01-15T12:00:00Z'), NY);
    expect(period.label).toBe('FY2026 Q4 (Nov 2025–Jan 2026)');
    expect(span(period)).toEqual({ start: t('2025-11-01T04:00:00Z'), end: t('2026-02-01T05:00:00Z') });
  });

  it('with a January start: calendar quarters, named by the calendar year', () => {
    // August 2026 → Q3 = Jul–Sep 2026 of FY2026; 07-01 and 10-01 00:00 EDT = 04:00Z.
    const calendar: CalendarConfig = { ...NY, fiscalYearStartMonth: 1 };
    const period = periodContaining('quarterly', t('2026-08-10T12:00:00Z'), calendar);
    expect(period.label).toBe('FY2026 Q3 (Jul–Sep 2026)');
    expect(span(period)).toEqual({ start: t('2026-07-01T04:00:00Z'), end: t('2026-10-01T04:00:00Z') });
  });

  it('with an October start: the fiscal year crosses the calendar year end', () => {
    // FY starting Oct 2026 ends Sep 2027 → FY2027: Q1 = Oct–Dec 2026, Q2 = Jan–Mar 2027 (UTC midnights).
    const calendar: CalendarConfig = { timezone: 'UTC', weekStartsOn: 'monday', fiscalYearStartMonth: 10 };
    const q1 = periodContaining('quarterly', t('2026-11-05T00:00:00Z'), calendar);
    expect(q1.label).toBe('FY2027 Q1 (Oct–Dec 2026)');
    expect(span(q1)).toEqual({ start: t('2026-10-01T00:00:00Z'), end: t('2027-01-01T00:00:00Z') });
    const q2 = periodContaining('quarterly', t('2027-02-10T00:00:00Z'), calendar);
    expect(q2.label).toBe('FY2027 Q2 (Jan–Mar 2027)');
    expect(span(q2)).toEqual({ start: t('2027-01-01T00:00:00Z'), end: t('2027-04-01T00:00:00Z') });
    // September 2026 is the last quarter of the FY that ends Sep 2026 → FY2026 Q4 (Jul–Sep 2026).
    expect(periodContaining('quarterly', t('2026-09-30T23:59:59Z'), calendar).label).toBe(
      'FY2026 Q4 (Jul–Sep 2026)',
    );
    // As of exactly 2027-01-01T00:00Z, Q1 (Oct–Dec 2026) has just ended.
    expect(lastCompletePeriod('quarterly', t('2027-01-01T00:00:00Z'), calendar).label).toBe(
      'FY2027 Q1 (Oct–Dec 2026)',
    );
  });
});

describe('previousPeriods', () => {
  it('walks weekly periods back across the year end, most recent first', () => {
    // Mondays: 2027-01-11, 2027-01-04, 2026-12-28, 2026-12-21 (2026-11-16 is a Monday, + 7-day steps);
    // all EST, so every start is 05:00Z.
    const period = periodContaining('weekly', t('2027-01-13T12:00:00Z'), NY);
    expect(period.label).toBe('Week of 2027-01-11');
    const previous = previousPeriods(period, 3, NY);
    expect(previous.map((p) => p.label)).toEqual([
      'Week of 2027-01-04',
      'Week of 2026-12-28',
      'Week of 2026-12-21',
    ]);
    expect(previous.map(span)).toEqual([
      { start: t('2027-01-04T05:00:00Z'), end: t('2027-01-11T05:00:00Z') },
      { start: t('2026-12-28T05:00:00Z'), end: t('2027-01-04T05:00:00Z') },
      { start: t('2026-12-21T05:00:00Z'), end: t('2026-12-28T05:00:00Z') },
    ]);
  });

  it('walks months and fiscal quarters back across the year end', () => {
    const january = periodContaining('monthly', t('2027-01-15T12:00:00Z'), NY);
    expect(previousPeriods(january, 2, NY).map((p) => p.label)).toEqual(['December 2026', 'November 2026']);
    // With a February start, before FY2027 Q1 (Feb–Apr 2026) come FY2026 Q4 (Nov 2025–Jan 2026) and Q3.
    const q1 = periodContaining('quarterly', t('2026-03-15T12:00:00Z'), NY);
    expect(previousPeriods(q1, 2, NY).map((p) => p.label)).toEqual([
      'FY2026 Q4 (Nov 2025–Jan 2026)',
      'FY2026 Q3 (Aug–Oct 2025)',
    ]);
    expect(previousPeriods(q1, 0, NY)).toEqual([]);
  });
});

describe('shiftedBack', () => {
  it('moves both ends back by N × 24 hours, not by calendar days', () => {
    // Week Mon 11-09 05:00Z → 11-16 05:00Z shifted 14 days = 14 × 24 h: 10-26 05:00Z → 11-02 05:00Z.
    // (Across the DST end that is 01:00 local on 10-26, not local midnight: durations are exact hours.)
    const week = periodContaining('weekly', t('2026-11-10T12:00:00Z'), NY);
    expect(shiftedBack(week, 14)).toEqual({
      start: t('2026-10-26T05:00:00Z'),
      end: t('2026-11-02T05:00:00Z'),
    });
  });
});

describe('targetPace', () => {
  it('gives perQuarter × 7/89 for a week inside Feb–Apr 2026 (28 + 31 + 30 = 89 days)', () => {
    // The 167-hour DST week of Mon 03-02 still counts 7 local calendar days; 89 × 7/89 = 7.
    const week = periodContaining('weekly', t('2026-03-04T12:00:00Z'), NY);
    expect(targetPace(week, 89, NY)).toBeCloseTo(7, 9);
  });

  it('sums the parts of a week straddling two fiscal quarters', () => {
    // Week Mon 04-27 → Mon 05-04 2026: Apr 27–30 = 4 days of Q1 (89 days), May 1–3 = 3 days of Q2
    // (May–Jul = 31 + 30 + 31 = 92 days). With perQuarter 89 × 92 = 8188: 4 × 92 + 3 × 89 = 635.
    const week = periodContaining('weekly', t('2026-04-29T12:00:00Z'), NY);
    expect(week.label).toBe('Week of 2026-04-27');
    expect(targetPace(week, 8188, NY)).toBeCloseTo(635, 9);
  });

  it('gives perQuarter for a full fiscal quarter', () => {
    // Feb–Apr 2026 contains the spring-forward; the whole quarter is 89/89 of the target.
    const quarter = periodContaining('quarterly', t('2026-03-15T12:00:00Z'), NY);
    expect(targetPace(quarter, 1234.5, NY)).toBeCloseTo(1234.5, 9);
  });

  it('pro-rates a month by its days in the fiscal quarter', () => {
    // November 2026 (30 days) lies in FY2027 Q4 = Nov 2026–Jan 2027 = 30 + 31 + 31 = 92 days: 92 × 30/92 = 30.
    const november = periodContaining('monthly', t('2026-11-15T12:00:00Z'), NY);
    expect(targetPace(november, 92, NY)).toBeCloseTo(30, 9);
    // With calendar quarters, March 2026 (31 days) of Q1 = Jan–Mar = 31 + 28 + 31 = 90 days: 90 × 31/90 = 31.
    const calendar: CalendarConfig = { ...NY, fiscalYearStartMonth: 1 };
    const march = periodContaining('monthly', t('2026-03-15T12:00:00Z'), calendar);
    expect(targetPace(march, 90, calendar)).toBeCloseTo(31, 9);
  });
});

describe('isoInZone', () => {
  it('writes the zone offset at that instant, to the second', () => {
    // 05:00Z is midnight EST (−05:00); 16:30:15.789Z in July is 12:30:15 EDT (−04:00), ms dropped.
    expect(isoInZone(t('2026-11-09T05:00:00Z'), 'America/New_York')).toBe('2026-11-09T00:00:00-05:00');
    expect(isoInZone(t('2026-07-04T16:30:15.789Z'), 'America/New_York')).toBe('2026-07-04T12:30:15-04:00');
    // Berlin in January is CET, +01:00: 12:00Z → 13:00.
    expect(isoInZone(t('2026-01-15T12:00:00Z'), 'Europe/Berlin')).toBe('2026-01-15T13:00:00+01:00');
    // Kolkata is always +05:30: 00:00Z → 05:30.
    expect(isoInZone(t('2026-11-09T00:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-09T05:30:00+05:30');
  });
});
