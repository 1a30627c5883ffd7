import { DateTime } from 'luxon';
import type { ClientConfig } from '../config/schema.ts';
import { isoWithOffset } from './zone-offset.ts';

/**
 * Reporting periods (DESIGN.md "Metrics (the exact meanings)"): half-open `[start, end)` in the
 * client's IANA zone — weeks from `weekStartsOn`, calendar months, fiscal quarters. Every
 * boundary is a local midnight, so a week across a DST change is 167 or 169 hours long.
 */

export type Cadence = 'weekly' | 'monthly' | 'quarterly';
export const CADENCES: readonly Cadence[] = ['weekly', 'monthly', 'quarterly'];

export type CalendarConfig = Pick<ClientConfig, 'timezone' | 'weekStartsOn' | 'fiscalYearStartMonth'>;

/** Half-open [start, end) in epoch ms; start/end are local midnights in the zone. */
export interface Period {
  cadence: Cadence;
  start: number;
  end: number;
  timezone: string;
  label: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const WEEKDAY_NUMBER: Record<CalendarConfig['weekStartsOn'], number> = {
  monday: 1,
  tuesday: 2,
  wednesday: 3,
  thursday: 4,
  friday: 5,
  saturday: 6,
  sunday: 7,
};

const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
] as const;

function monthName(month: number): string {
  return MONTH_NAMES[month - 1] ?? String(month);
}

function shortMonth(month: number): string {
  return monthName(month).slice(0, 3);
}

function inZone(instant: number, timezone: string): DateTime {
  const dt = DateTime.fromMillis(instant, { zone: timezone });
  if (!dt.isValid) {
    throw new RangeError(`Cannot place ${instant} in time zone "${timezone}": ${dt.invalidExplanation}`);
  }
  return dt;
}

/** The local midnight starting a calendar date; month and day may run past their range (13, 0, 35…). */
function midnight(year: number, month: number, day: number, timezone: string): DateTime {
  return DateTime.fromObject({ year, month: 1, day: 1 }, { zone: timezone }).plus({
    months: month - 1,
    days: day - 1,
  });
}

/**
 * The period of a cadence that contains an instant.
 *
 * Fiscal-year label rule: with `fiscalYearStartMonth` 1 the fiscal year is named by its calendar
 * year (FY2026 = Jan–Dec 2026); otherwise it is named by the calendar year in which it ENDS
 * (with a February start, FY2027 = Feb 2026–Jan 2027, so Feb–Apr 2026 is "FY2027 Q1").
 * Labels: weekly "Week of 2026-11-09" (the local start date), monthly "November 2026",
 * quarterly "FY2027 Q1 (Feb–Apr 2026)" or "FY2027 Q4 (Nov 2026–Jan 2027)" across a year end.
 */
export function periodContaining(cadence: Cadence, instant: number, calendar: CalendarConfig): Period {
  const zone = calendar.timezone;
  const local = inZone(instant, zone);
  let start: DateTime;
  let end: DateTime;
  let label: string;
  switch (cadence) {
    case 'weekly': {
      const back = (local.weekday - WEEKDAY_NUMBER[calendar.weekStartsOn] + 7) % 7;
      start = midnight(local.year, local.month, local.day - back, zone);
      end = midnight(start.year, start.month, start.day + 7, zone);
      label = `Week of ${start.toFormat('yyyy-MM-dd')}`;
      break;
    }
    case 'monthly': {
      start = midnight(local.year, local.month, 1, zone);
      end = midnight(local.year, local.month + 1, 1, zone);
      label = `${monthName(start.month)} ${start.year}`;
      break;
    }
    case 'quarterly': {
      const first = calendar.fiscalYearStartMonth;
      const fiscalStartYear = local.month >= first ? local.year : local.year - 1;
      const quarterIndex = Math.floor(((local.month - first + 12) % 12) / 3);
      start = midnight(fiscalStartYear, first + quarterIndex * 3, 1, zone);
      end = midnight(fiscalStartYear, first + quarterIndex * 3 + 3, 1, zone);
      const fiscalYear = fiscalYearLabel(instant, calendar).slice(2);
      const last = end.minus({ days: 1 });
      const months =
        start.year === last.year
          ? `${shortMonth(start.month)}–${shortMonth(last.month)} ${start.year}`
          : `${shortMonth(start.month)} ${start.year}–${shortMonth(last.month)} ${last.year}`;
      label = `FY${fiscalYear} Q${quarterIndex + 1} (${months})`;
      break;
    }
  }
  return { cadence, start: start.toMillis(), end: end.toMillis(), timezone: zone, label };
}

/** The fiscal year an instant falls in, named as the quarterly labels name it ("FY2027"). */
export function fiscalYearLabel(
  instant: number,
  calendar: Pick<CalendarConfig, 'timezone' | 'fiscalYearStartMonth'>,
): string {
  const local = inZone(instant, calendar.timezone);
  const first = calendar.fiscalYearStartMonth;
  const fiscalStartYear = local.month >= first ? local.year : local.year - 1;
  return `FY${first === 1 ? fiscalStartYear : fiscalStartYear + 1}`;
}

/**
 * The last complete period before the as-of instant: the period whose end is <= asOf, latest such.
 * An as-of exactly at a period boundary gives the period that just ended.
 */
export function lastCompletePeriod(cadence: Cadence, asOf: number, calendar: CalendarConfig): Period {
  // The period containing asOf never ends at or before it, so the answer is always its predecessor.
  const current = periodContaining(cadence, asOf, calendar);
  return periodContaining(cadence, current.start - 1, calendar);
}

/** The `count` periods before `period`, most recent first. */
export function previousPeriods(period: Period, count: number, calendar: CalendarConfig): Period[] {
  const result: Period[] = [];
  let cursor = period;
  for (let i = 0; i < count; i++) {
    cursor = periodContaining(period.cadence, cursor.start - 1, calendar);
    result.push(cursor);
  }
  return result;
}

/**
 * The period shifted back by a duration in days (N × 24 h, DESIGN.md "N days is N × 24 hours"),
 * used for cohorts: [start − days, end − days).
 */
export function shiftedBack(period: Period, days: number): { start: number; end: number } {
  return { start: period.start - days * DAY_MS, end: period.end - days * DAY_MS };
}

/**
 * An instant as a count of local calendar days: local midnights are whole numbers, so the
 * difference of two local midnights is their number of calendar days whatever DST does between.
 */
function localDays(instant: number, timezone: string): number {
  const local = inZone(instant, timezone);
  return (instant + local.offset * 60_000) / DAY_MS;
}

/**
 * Target pace (DESIGN.md "Comparisons"): perQuarter × Σ over fiscal quarters q of
 * (local calendar days of the period inside q / days of q). A full fiscal quarter gives
 * perQuarter; a week inside a 91-day quarter gives perQuarter × 7/91. Bounds that are not local
 * midnights count their partial day by local wall-clock hours / 24.
 */
export function targetPace(
  period: Pick<Period, 'start' | 'end'>,
  perQuarter: number,
  calendar: CalendarConfig,
): number {
  const zone = calendar.timezone;
  const from = localDays(period.start, zone);
  const to = localDays(period.end, zone);
  let share = 0;
  let quarter = periodContaining('quarterly', period.start, calendar);
  while (quarter.start < period.end) {
    const quarterStart = localDays(quarter.start, zone);
    const quarterEnd = localDays(quarter.end, zone);
    const inside = Math.min(to, quarterEnd) - Math.max(from, quarterStart);
    if (inside > 0) share += inside / (quarterEnd - quarterStart);
    quarter = periodContaining('quarterly', quarter.end, calendar);
  }
  return perQuarter * share;
}

/** ISO-8601 with the zone's offset at that instant, seconds precision: 2026-11-09T00:00:00-05:00 */
export function isoInZone(instant: number, timezone: string): string {
  return isoWithOffset(instant, timezone);
}
