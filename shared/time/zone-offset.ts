import { IANAZone } from 'luxon';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * A zone's UTC offset through a per-hour cache. Luxon reads an offset through
 * `Intl.DateTimeFormat#formatToParts`, a few microseconds each; a quarterly packet asks for
 * hundreds of thousands (every SLA clock, every local date), which made time zones most of its
 * build time. An hour whose two ends have the same offset has it throughout (no zone changes its
 * offset twice within an hour), so one look-up serves the whole hour; an hour with a transition
 * inside is read exactly, instant by instant.
 */
class CachedZone {
  private readonly hours = new Map<number, number>();

  constructor(readonly zone: IANAZone) {}

  /** Minutes east of UTC at the instant (luxon's sign: New York in winter is -300). */
  offset(instant: number): number {
    const hour = Math.floor(instant / HOUR_MS);
    const cached = this.hours.get(hour);
    if (cached !== undefined) return cached;
    const start = this.zone.offset(hour * HOUR_MS);
    if (start !== this.zone.offset(hour * HOUR_MS + HOUR_MS - 1)) return this.zone.offset(instant);
    this.hours.set(hour, start);
    return start;
  }
}

const zones = new Map<string, CachedZone>();

/** The cached zone of an IANA name; throws a RangeError naming a zone luxon does not know. */
export function cachedZone(timezone: string): CachedZone {
  let cached = zones.get(timezone);
  if (!cached) {
    const zone = IANAZone.create(timezone);
    if (!zone.isValid) throw new RangeError(`Unknown time zone "${timezone}"`);
    cached = new CachedZone(zone);
    zones.set(timezone, cached);
  }
  return cached;
}

/** The zone's offset from UTC at the instant, in minutes east of UTC. */
export function zoneOffsetMinutes(instant: number, timezone: string): number {
  return cachedZone(timezone).offset(instant);
}

function twoDigits(value: number): string {
  return String(value).padStart(2, '0');
}

/**
 * ISO-8601 with the zone's offset at that instant, seconds precision: 2026-11-09T00:00:00-05:00.
 * The same text as luxon's `yyyy-MM-dd'T'HH:mm:ssZZ` (tested against it), without its formatter.
 */
export function isoWithOffset(instant: number, timezone: string): string {
  const offset = zoneOffsetMinutes(instant, timezone);
  // Seconds precision truncates, as luxon's format does: the wall clock's milliseconds are dropped.
  const wall = new Date(instant + offset * MINUTE_MS).toISOString().slice(0, 19);
  const sign = offset < 0 ? '-' : '+';
  const magnitude = Math.abs(offset);
  return `${wall}${sign}${twoDigits(Math.floor(magnitude / 60))}:${twoDigits(magnitude % 60)}`;
}
