import { describe, expect, it } from 'vitest';
import { isScheduledDay } from '#shared/time/schedule.ts';
import { exampleConfig } from '../support/config.ts';

// Acme: New York, Mon–Fri, holidays 2026-11-26 and 2026-12-25, fiscal year from February
// (quarters start in Feb, May, Aug, Nov), monthly and quarterly on business day 1 at 08:00.
const config = exampleConfig();
const at = (iso: string) => Date.parse(iso);

describe('scheduled days', () => {
  it('runs the monthly packet on the first business day only', () => {
    // 2026-11-01 is a Sunday: the first business day of November is Monday 11-02.
    expect(isScheduledDay('monthly', at('2026-11-02T13:00:00Z'), config)).toBe(true);
    expect(isScheduledDay('monthly', at('2026-11-03T13:00:00Z'), config)).toBe(false);
    // 2026-10-01 is a Thursday.
    expect(isScheduledDay('monthly', at('2026-10-01T12:00:00Z'), config)).toBe(true);
  });

  it('skips a holiday that falls on the first weekday', () => {
    // A client whose only business days are Thursdays: 2026-11-05 is November's first Thursday;
    // with 11-05 as a holiday, the first business day is Thursday 11-12.
    const thursdays = {
      ...config,
      businessHours: { ...config.businessHours, days: ['thu' as const], holidays: ['2026-11-05'] },
    };
    expect(isScheduledDay('monthly', at('2026-11-05T13:00:00Z'), thursdays)).toBe(false);
    expect(isScheduledDay('monthly', at('2026-11-12T13:00:00Z'), thursdays)).toBe(true);
  });

  it('runs the quarterly packet only in the month after a fiscal quarter ends', () => {
    // November starts Acme's fiscal Q4 (Nov–Jan): Monday 11-02 builds Q3 (Aug–Oct).
    expect(isScheduledDay('quarterly', at('2026-11-02T13:00:00Z'), config)).toBe(true);
    // December 1 (Tuesday) is a first business day, but not after a quarter.
    expect(isScheduledDay('quarterly', at('2026-12-01T13:00:00Z'), config)).toBe(false);
    // February 2027: 02-01 is a Monday and starts the fiscal year.
    expect(isScheduledDay('quarterly', at('2027-02-01T13:00:00Z'), config)).toBe(true);
  });

  it('reads the day in the client time zone', () => {
    // 2026-11-02T03:00Z is still Sunday 11-01 22:00 in New York.
    expect(isScheduledDay('monthly', at('2026-11-02T03:00:00Z'), config)).toBe(false);
    // The weekly packet builds on Mondays: Sunday evening in New York is not one, though UTC says Monday.
    expect(isScheduledDay('weekly', at('2026-11-02T03:00:00Z'), config)).toBe(false);
    expect(isScheduledDay('weekly', at('2026-11-02T13:00:00Z'), config)).toBe(true);
    // The weekly schedule fires every business day now (to retry a held packet); Tuesday builds nothing.
    expect(isScheduledDay('weekly', at('2026-11-03T13:00:00Z'), config)).toBe(false);
  });
});
