import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import {
  addBusinessMinutes,
  type BusinessCalendar,
  businessMinutesBetween,
} from '#shared/time/business-time.ts';
import { exampleConfig } from '../support/config.ts';

// The example client's calendar (clients/example.yaml): New York, Mon–Fri 09:00–17:00 (480 min a day),
// holidays Thu 2026-11-26 and Fri 2026-12-25.
// Weekdays by hand: 2026-01-01 is a Thursday, so 2026-11-16 and 2026-11-23 are Mondays, 2026-11-18 is a
// Wednesday, 2026-10-30 a Friday, 2026-12-24 a Thursday, 2026-12-28 a Monday.
const NY: BusinessCalendar = {
  timezone: 'America/New_York',
  businessHours: {
    days: ['mon', 'tue', 'wed', 'thu', 'fri'],
    start: '09:00',
    end: '17:00',
    holidays: ['2026-11-26', '2026-12-25'],
  },
};

/** A New York wall-clock time as epoch ms (input only; expected values are worked out in comments). */
const ny = (local: string) => DateTime.fromISO(local, { zone: 'America/New_York' }).toMillis();
const t = (iso: string) => Date.parse(iso);
const minutes = (from: number, to: number) => businessMinutesBetween(from, to, NY);

describe('businessMinutesBetween', () => {
  it('counts a span inside one business day, to the millisecond', () => {
    // Wed 10:00 → 15:30 = 5 h 30 = 330 min.
    expect(minutes(ny('2026-11-18T10:00'), ny('2026-11-18T15:30'))).toBe(330);
    // 30 s = 0.5 min.
    expect(minutes(ny('2026-11-18T10:00:00'), ny('2026-11-18T10:00:30'))).toBe(0.5);
  });

  it('counts an overnight span across a weekend', () => {
    // Fri 16:00 → 17:00 = 60, Sat and Sun closed, Mon 09:00 → 10:00 = 60: 120.
    expect(minutes(ny('2026-11-20T16:00'), ny('2026-11-23T10:00'))).toBe(120);
  });

  it('starts counting at the opening and stops at the closing', () => {
    // Wed 07:00 → 10:00: only 09:00 → 10:00 counts = 60.
    expect(minutes(ny('2026-11-18T07:00'), ny('2026-11-18T10:00'))).toBe(60);
    // Wed 18:00 → Thu 09:30: nothing after Wed's closing, Thu 09:00 → 09:30 = 30.
    expect(minutes(ny('2026-11-18T18:00'), ny('2026-11-19T09:30'))).toBe(30);
    // Wed 18:00 → Thu 08:00 and Sat 10:00 → Sun 15:00 lie wholly outside business hours: 0.
    expect(minutes(ny('2026-11-18T18:00'), ny('2026-11-19T08:00'))).toBe(0);
    expect(minutes(ny('2026-11-21T10:00'), ny('2026-11-22T15:00'))).toBe(0);
  });

  it('is 0 when to <= from', () => {
    expect(minutes(ny('2026-11-18T12:00'), ny('2026-11-18T12:00'))).toBe(0);
    expect(minutes(ny('2026-11-18T12:00'), ny('2026-11-18T10:00'))).toBe(0);
  });

  it('skips a holiday in the middle', () => {
    // Wed 11-25 16:00 → 17:00 = 60, Thu 11-26 (Thanksgiving, a holiday) 0, Fri 11-27 09:00 → 10:00 = 60: 120.
    expect(minutes(ny('2026-11-25T16:00'), ny('2026-11-27T10:00'))).toBe(120);
    // The whole holiday alone: 0.
    expect(minutes(ny('2026-11-26T00:00'), ny('2026-11-27T00:00'))).toBe(0);
  });

  it('keeps local business hours across the DST change', () => {
    // Fri 2026-10-30 16:00 EDT = 20:00Z → Mon 2026-11-02 10:00 EST = 15:00Z. The UTC gap is 67 h
    // (wall clock 66 h + the repeated hour of Sun 11-01), but business time is Fri 60 + Mon 60 = 120.
    const from = t('2026-10-30T20:00:00Z');
    const to = t('2026-11-02T15:00:00Z');
    expect((to - from) / 3_600_000).toBe(67);
    expect(minutes(from, to)).toBe(120);
    // Mon 11-02 opens at 09:00 EST = 14:00Z (not 13:00Z as it would under EDT): 13:00Z → 14:30Z = 30.
    expect(minutes(t('2026-11-02T13:00:00Z'), t('2026-11-02T14:30:00Z'))).toBe(30);
  });

  it('counts real elapsed time when the clock changes inside business hours', () => {
    // Sunday 00:00–06:00 hours in New York. Sun 2026-03-08: 00:00 EST = 05:00Z to 06:00 EDT = 10:00Z,
    // 6 wall-clock hours less the skipped 02:00–03:00 = 5 h = 300 min. Sun 2026-11-01: 00:00 EDT = 04:00Z
    // to 06:00 EST = 11:00Z, 6 h plus the repeated 01:00–02:00 = 7 h = 420 min.
    const night: BusinessCalendar = {
      timezone: 'America/New_York',
      businessHours: { days: ['sun'], start: '00:00', end: '06:00', holidays: [] },
    };
    expect(businessMinutesBetween(t('2026-03-08T00:00:00Z'), t('2026-03-09T00:00:00Z'), night)).toBe(300);
    expect(businessMinutesBetween(t('2026-11-01T00:00:00Z'), t('2026-11-02T00:00:00Z'), night)).toBe(420);
    // Sat 2026-03-07 12:00 EST (17:00Z) + 120: opens Sun 05:00Z, + 2 h of real time = 07:00Z (03:00 EDT).
    expect(addBusinessMinutes(t('2026-03-07T17:00:00Z'), 120, night)).toBe(t('2026-03-08T07:00:00Z'));
  });

  it('counts a span of several weeks day by day', () => {
    // Mon 11-02 09:00 → Mon 12-28 09:00 = 56 days = 8 weeks = 40 weekdays, less the holidays 11-26 and
    // 12-25 = 38 business days × 480 = 18240 (12-28 contributes nothing before its 09:00 opening).
    expect(minutes(ny('2026-11-02T09:00'), ny('2026-12-28T09:00'))).toBe(18240);
  });

  it('counts a whole year', () => {
    // 2026 has 365 days = 52 weeks + Thu 12-31: 52 × 5 + 1 = 261 weekdays, less 2 holidays = 259 × 480 = 124320.
    expect(minutes(ny('2026-01-01T00:00'), ny('2027-01-01T00:00'))).toBe(124320);
  });

  it('follows the configured days and zone', () => {
    // Dubai (+04:00, no DST), Sun–Thu 08:00–16:00. Fri 2026-11-20 10:00 → Sun 11-22 10:00 local:
    // Fri and Sat closed, Sun 08:00 → 10:00 = 120.
    const dubai: BusinessCalendar = {
      timezone: 'Asia/Dubai',
      businessHours: {
        days: ['sun', 'mon', 'tue', 'wed', 'thu'],
        start: '08:00',
        end: '16:00',
        holidays: [],
      },
    };
    // Fri 10:00 +04:00 = 06:00Z; Sun 10:00 +04:00 = 06:00Z.
    expect(businessMinutesBetween(t('2026-11-20T06:00:00Z'), t('2026-11-22T06:00:00Z'), dubai)).toBe(120);
  });

  it('accepts a whole client config as the calendar', () => {
    // Same as the overnight case above: 60 + 60 = 120.
    expect(businessMinutesBetween(ny('2026-11-20T16:00'), ny('2026-11-23T10:00'), exampleConfig())).toBe(120);
  });
});

describe('addBusinessMinutes', () => {
  const add = (from: number, m: number) => addBusinessMinutes(from, m, NY);

  it('adds within one business day', () => {
    // Wed 10:00 + 120 = Wed 12:00.
    expect(add(ny('2026-11-18T10:00'), 120)).toBe(ny('2026-11-18T12:00'));
  });

  it('carries over to the next business day', () => {
    // Wed 16:00 + 120: 60 to Wed's closing, 60 more from Thu 09:00 → Thu 10:00.
    expect(add(ny('2026-11-18T16:00'), 120)).toBe(ny('2026-11-19T10:00'));
    // Exactly the rest of the day ends at the closing itself, not at the next opening.
    expect(add(ny('2026-11-18T16:00'), 60)).toBe(ny('2026-11-18T17:00'));
  });

  it('starts counting at the next opening when it starts outside business hours', () => {
    // Wed 18:00 + 30 → Thu 09:30; Sat 12:00 + 60 → Mon 11-23 10:00; Wed 07:00 + 15 → Wed 09:15.
    expect(add(ny('2026-11-18T18:00'), 30)).toBe(ny('2026-11-19T09:30'));
    expect(add(ny('2026-11-21T12:00'), 60)).toBe(ny('2026-11-23T10:00'));
    expect(add(ny('2026-11-18T07:00'), 15)).toBe(ny('2026-11-18T09:15'));
  });

  it('returns the start itself for 0 minutes and rejects negative minutes', () => {
    expect(add(ny('2026-11-21T12:00'), 0)).toBe(ny('2026-11-21T12:00'));
    expect(() => add(ny('2026-11-18T10:00'), -1)).toThrow(RangeError);
  });

  it('puts a deadline past a holiday and a weekend', () => {
    // Wed 11-25 16:00 + 600: Wed 60 (540 left), Thu 11-26 holiday, Fri 11-27 480 (60 left),
    // Sat/Sun closed, Mon 11-30 09:00 + 60 → Mon 11-30 10:00.
    expect(add(ny('2026-11-25T16:00'), 600)).toBe(ny('2026-11-30T10:00'));
    // Thu 12-24 15:00 + 300: Thu 120 (180 left), Fri 12-25 holiday, weekend, Mon 12-28 09:00 + 180 → 12:00.
    expect(add(ny('2026-12-24T15:00'), 300)).toBe(ny('2026-12-28T12:00'));
  });

  it('puts a deadline across the DST change at local business hours', () => {
    // Fri 10-30 16:00 EDT (20:00Z) + 120: Fri 60, Mon 11-02 09:00 EST + 60 = 10:00 EST = 15:00Z.
    expect(add(t('2026-10-30T20:00:00Z'), 120)).toBe(t('2026-11-02T15:00:00Z'));
  });

  it('is the inverse of businessMinutesBetween', () => {
    const starts = [
      ny('2026-11-18T10:17:23.456'), // inside hours, off the minute
      ny('2026-11-18T18:00'), // after closing
      ny('2026-11-18T06:00'), // before opening
      ny('2026-11-21T12:00'), // Saturday
      ny('2026-11-25T16:30'), // the day before a holiday
      t('2026-10-30T20:00:00Z'), // Friday before the DST change
    ];
    for (const from of starts) {
      for (const m of [1, 59, 480, 481, 1000, 5000, 20000]) {
        expect(businessMinutesBetween(from, add(from, m), NY)).toBe(m);
      }
    }
  });
});
