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

/**
 * Whether a scheduled run at this instant is the one that should build the packet. Cron cannot
 * say "first business day" (holidays included), so the monthly and quarterly schedules fire on
 * every weekday morning and this decides: the configured business day of the month, and for
 * quarters only in the month after a fiscal quarter ends. Weekly runs fire on their day.
 */
export function isScheduledDay(cadence: Cadence, instant: number, config: ScheduleConfig): boolean {
  if (cadence === 'weekly') return true;
  const local = DateTime.fromMillis(instant, { zone: config.timezone });
  if (cadence === 'quarterly' && (local.month - config.fiscalYearStartMonth + 12) % 3 !== 0) return false;
  const businessDay =
    cadence === 'monthly' ? config.schedules.monthly.businessDay : config.schedules.quarterly.businessDay;
  return nthBusinessDay(local, businessDay, config)?.hasSame(local, 'day') === true;
}
