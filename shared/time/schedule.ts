import { DateTime } from 'luxon';
import type { ClientConfig } from '../config/schema.ts';
import type { Cadence } from './periods.ts';

type ScheduleConfig = Pick<ClientConfig, 'timezone' | 'fiscalYearStartMonth' | 'businessHours' | 'schedules'>;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

function isBusinessDay(day: DateTime, config: ScheduleConfig): boolean {
  const weekday = WEEKDAYS[day.weekday - 1];
  return (
    weekday !== undefined &&
    config.businessHours.days.includes(weekday) &&
    !config.businessHours.holidays.includes(day.toISODate() ?? '')
  );
}

/**
 * The forecast snapshot instants of a fiscal quarter starting at `quarterStart` (DESIGN.md): the
 * first business day on or after the start, start + 6 weeks and start + 12 weeks, each at the
 * weekly schedule's local time.
 */
export function forecastSnapshots(quarterStart: number, config: ScheduleConfig): [number, number, number] {
  const [hour = 0, minute = 0] = config.schedules.weekly.at.split(':').map(Number);
  const start = DateTime.fromMillis(quarterStart, { zone: config.timezone }).startOf('day');
  const at = (weeks: number) => {
    let day = start.plus({ weeks });
    // A year without a business day is not a calendar; stop after one anyway.
    for (let tries = 0; tries < 366 && !isBusinessDay(day, config); tries++) day = day.plus({ days: 1 });
    return day.set({ hour, minute }).toMillis();
  };
  return [at(0), at(6), at(12)];
}

/** The n-th business day (1-based) of the local month containing `day`. */
export function nthBusinessDay(day: DateTime, n: number, config: ScheduleConfig): DateTime | undefined {
  let cursor = day.startOf('month');
  let count = 0;
  while (cursor.month === day.month) {
    if (isBusinessDay(cursor, config) && ++count === n) return cursor;
    cursor = cursor.plus({ days: 1 });
  }
  return undefined;
}

const WEEKLY_DAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

/**
 * Whether a scheduled run at this instant is the one that should build the packet. Cron cannot
 * say "first business day" (holidays included), so the monthly and quarterly schedules fire on
 * every weekday morning and this decides: the configured business day of the month, and for
 * quarters only in the month after a fiscal quarter ends. The weekly schedule fires every business
 * weekday too (to retry a held packet): its build day is `schedules.weekly.day`.
 */
export function isScheduledDay(cadence: Cadence, instant: number, config: ScheduleConfig): boolean {
  const local = DateTime.fromMillis(instant, { zone: config.timezone });
  if (cadence === 'weekly') return WEEKLY_DAYS[local.weekday - 1] === config.schedules.weekly.day;
  if (cadence === 'quarterly' && (local.month - config.fiscalYearStartMonth + 12) % 3 !== 0) return false;
  const businessDay =
    cadence === 'monthly' ? config.schedules.monthly.businessDay : config.schedules.quarterly.businessDay;
  return nthBusinessDay(local, businessDay, config)?.hasSame(local, 'day') === true;
}

/**
 * The instant the schedule builds a period's packet: the first scheduled run after the period
 * ends (the weekly day, or the configured business day) at the schedule's local time. Past
 * packets built later (`history`) are built as of this instant, so they hold what the scheduled
 * run would have seen. The period's end when no run falls inside the next period.
 */
export function scheduledBuildAfter(
  cadence: Cadence,
  period: { end: number },
  config: ScheduleConfig & Pick<ClientConfig, 'weekStartsOn'>,
): number {
  const schedule = config.schedules[cadence];
  const [hour, minute] = schedule.at.split(':').map(Number);
  let day = DateTime.fromMillis(period.end, { zone: config.timezone }).startOf('day');
  const limit = day.plus({ months: cadence === 'quarterly' ? 3 : 1 });
  while (day < limit) {
    const run = day.set({ hour: hour ?? 0, minute: minute ?? 0 });
    const weekly = 'day' in schedule && run.toFormat('cccc').toLowerCase() === schedule.day;
    if (
      run.toMillis() >= period.end &&
      (cadence === 'weekly' ? weekly : isScheduledDay(cadence, run.toMillis(), config))
    ) {
      return run.toMillis();
    }
    day = day.plus({ days: 1 });
  }
  return period.end;
}
