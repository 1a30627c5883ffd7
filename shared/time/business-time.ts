import type { ClientConfig } from '../config/schema.ts';
import { cachedZone } from './zone-offset.ts';

/**
 * Business time for SLA clocks (DESIGN.md "SLA"): minutes that fall on a listed weekday that is
 * not a holiday, between `businessHours.start` and `.end` local time in the client's zone. Work
 * is done one local calendar day at a time, each day's opening and closing turned into real
 * instants with the zone's offset, so a DST change shifts the UTC offsets but never the business
 * hours. A day costs integer arithmetic plus, on business days, a few offset look-ups, so spans of
 * months stay cheap.
 */

export type BusinessCalendar = Pick<ClientConfig, 'timezone'> & {
  businessHours: ClientConfig['businessHours'];
};

type Weekday = ClientConfig['businessHours']['days'][number];

/** Day names by `Date#getUTCDay()` (0 = Sunday). */
const WEEKDAY_BY_UTC_DAY: readonly Weekday[] = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

const MINUTE_MS = 60_000;
const DAY_MS = 24 * 60 * MINUTE_MS;

interface Hours {
  zone: ReturnType<typeof cachedZone>;
  /** Open weekdays by `getUTCDay()` of the local date. */
  open: readonly boolean[];
  /** Holidays as local day numbers (days since 1970-01-01 of the local calendar date). */
  holidays: ReadonlySet<number>;
  /** Opening and closing as ms after local midnight. */
  opensAt: number;
  closesAt: number;
  /** Each local day's window once worked out (null: a closed day). */
  windows: Map<number, { open: number; close: number } | null>;
}

function clock(value: string): number {
  const match = /^(\d{2}):(\d{2})$/.exec(value);
  if (!match) throw new RangeError(`Expected a 24-hour time "HH:MM", got "${value}"`);
  return (Number(match[1]) * 60 + Number(match[2])) * MINUTE_MS;
}

/** Hours by the config's `businessHours` object and zone: a packet asks for the same days again and again. */
const known = new WeakMap<BusinessCalendar['businessHours'], Map<string, Hours>>();

function hoursOf(calendar: BusinessCalendar): Hours {
  let byZone = known.get(calendar.businessHours);
  if (!byZone) {
    byZone = new Map();
    known.set(calendar.businessHours, byZone);
  }
  let hours = byZone.get(calendar.timezone);
  if (!hours) {
    hours = newHours(calendar);
    byZone.set(calendar.timezone, hours);
  }
  return hours;
}

function newHours(calendar: BusinessCalendar): Hours {
  const { days, start, end, holidays } = calendar.businessHours;
  const zone = cachedZone(calendar.timezone);
  const opensAt = clock(start);
  const closesAt = clock(end);
  if (days.length === 0 || opensAt >= closesAt) {
    throw new RangeError('Business hours need at least one day and a start before the end');
  }
  return {
    zone,
    open: WEEKDAY_BY_UTC_DAY.map((day) => days.includes(day)),
    holidays: new Set(holidays.map((date) => Date.parse(`${date}T00:00:00Z`) / DAY_MS)),
    opensAt,
    closesAt,
    windows: new Map(),
  };
}

/** The local day number of an instant (local wall-clock time read as UTC, in whole days). */
function localDay(instant: number, zone: Hours['zone']): number {
  return Math.floor((instant + zone.offset(instant) * MINUTE_MS) / DAY_MS);
}

/**
 * The instant a local wall-clock time (as ms since 1970-01-01T00:00 local) happens. Luxon's own
 * rule: a time skipped by a spring-forward moves forward by the gap; a repeated time takes the
 * earlier offset's reading.
 */
function instantOf(wall: number, zone: Hours['zone']): number {
  const first = zone.offset(wall);
  let guess = wall - first * MINUTE_MS;
  const second = zone.offset(guess);
  if (second === first) return guess;
  guess -= (second - first) * MINUTE_MS;
  const third = zone.offset(guess);
  if (third === second) return guess;
  return wall - Math.min(second, third) * MINUTE_MS;
}

/** The local day's business window [open, close) in epoch ms, or undefined on a closed day. */
function windowOf(day: number, hours: Hours): { open: number; close: number } | undefined {
  const known = hours.windows.get(day);
  if (known !== undefined) return known ?? undefined;
  const weekday = new Date(day * DAY_MS).getUTCDay();
  const midnight = day * DAY_MS;
  const window =
    !hours.open[weekday] || hours.holidays.has(day)
      ? null
      : {
          open: instantOf(midnight + hours.opensAt, hours.zone),
          close: instantOf(midnight + hours.closesAt, hours.zone),
        };
  hours.windows.set(day, window);
  return window ?? undefined;
}

/**
 * Business minutes (fractional, from exact ms) between two instants: the part of [from, to)
 * that falls on a business day (listed weekday, not a holiday date in the zone) between start
 * and end local time. 0 when to <= from.
 */
export function businessMinutesBetween(from: number, to: number, calendar: BusinessCalendar): number {
  if (to <= from) return 0;
  const hours = hoursOf(calendar);
  let total = 0;
  const lastDay = localDay(to, hours.zone);
  for (let day = localDay(from, hours.zone); day <= lastDay; day++) {
    const window = windowOf(day, hours);
    if (window === undefined) continue;
    const inside = Math.min(to, window.close) - Math.max(from, window.open);
    if (inside > 0) total += inside;
  }
  return total / MINUTE_MS;
}

/**
 * The instant at which `minutes` business minutes have elapsed since `from` (the SLA deadline).
 * A start outside business hours begins counting at the next opening. It is the earliest instant
 * `t` with `businessMinutesBetween(from, t) >= minutes`, so 0 minutes gives `from` itself and a
 * deadline that uses up a day's last minute is that day's closing, not the next opening.
 * Fractional minutes are rounded to whole milliseconds.
 */
export function addBusinessMinutes(from: number, minutes: number, calendar: BusinessCalendar): number {
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new RangeError(`Expected a non-negative number of business minutes, got ${minutes}`);
  }
  let remaining = Math.round(minutes * MINUTE_MS);
  if (remaining === 0) return from;
  const hours = hoursOf(calendar);
  // Terminates: at least one weekday is open and holidays are finitely many.
  for (let day = localDay(from, hours.zone); ; day++) {
    const window = windowOf(day, hours);
    if (window === undefined) continue;
    const begin = Math.max(from, window.open);
    const available = window.close - begin;
    if (available <= 0) continue;
    if (remaining <= available) return begin + remaining;
    remaining -= available;
  }
}
