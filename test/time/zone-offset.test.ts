import { DateTime, IANAZone } from 'luxon';
import { describe, expect, it } from 'vitest';
import { cachedZone, isoWithOffset, zoneOffsetMinutes } from '#shared/time/zone-offset.ts';

// Zones with whole-hour, half-hour (St John's, Lord Howe's 30-minute DST) and 45-minute
// (Kathmandu, Chatham) offsets, both hemispheres, and one without DST.
const ZONES = [
  'America/New_York',
  'Europe/London',
  'Europe/Berlin',
  'America/St_Johns',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'America/Sao_Paulo',
  'UTC',
];

/** Instants every 7 min 13 s through the hours around each DST change of 2026, and spread over 2020–2031. */
function instantsToCheck(zone: string): number[] {
  const instants: number[] = [];
  const luxonZone = IANAZone.create(zone);
  const step = 7 * 60_000 + 13_000;
  // Finds each offset change of 2026 hour by hour, then checks the six hours around it densely.
  for (let hour = Date.UTC(2026, 0, 1); hour < Date.UTC(2027, 0, 1); hour += 3_600_000) {
    if (luxonZone.offset(hour) === luxonZone.offset(hour + 3_600_000)) continue;
    for (let at = hour - 3 * 3_600_000; at < hour + 3 * 3_600_000; at += step) instants.push(at);
  }
  for (
    let at = Date.UTC(2020, 0, 1, 0, 0, 0, 999);
    at < Date.UTC(2031, 0, 1);
    at += 86_400_000 * 3 + 3_917_311
  )
    instants.push(at);
  return instants;
}

describe('zone offsets through the per-hour cache', () => {
  it.each(ZONES)('match luxon at every instant checked in %s, DST changes included', (zone) => {
    const instants = instantsToCheck(zone);
    expect(instants.length).toBeGreaterThan(1000);
    for (const at of instants) {
      const expected = DateTime.fromMillis(at, { zone }).toFormat("yyyy-MM-dd'T'HH:mm:ssZZ");
      expect(isoWithOffset(at, zone), new Date(at).toISOString()).toBe(expected);
      expect(zoneOffsetMinutes(at, zone)).toBe(IANAZone.create(zone).offset(at));
    }
  });

  it("reads an hour with a change inside it instant by instant (St John's springs forward at 05:30 UTC)", () => {
    // 2026-03-08 02:00 local NST (-03:30) becomes 03:00 NDT (-02:30): 05:30 UTC, in the middle
    // of the UTC hour 05:00–06:00, whose two ends have different offsets.
    const change = Date.UTC(2026, 2, 8, 5, 30, 0);
    const zone = 'America/St_Johns';
    expect(zoneOffsetMinutes(change - 1, zone)).toBe(-210);
    expect(zoneOffsetMinutes(change, zone)).toBe(-150);
    expect(zoneOffsetMinutes(change - 1, zone)).toBe(-210);
    expect(isoWithOffset(change - 1000, zone)).toBe('2026-03-08T01:59:59-03:30');
    expect(isoWithOffset(change, zone)).toBe('2026-03-08T03:00:00-02:30');
  });

  it('refuses a zone it does not know, naming it', () => {
    expect(() => cachedZone('Mars/Olympus_Mons')).toThrow('Unknown time zone "Mars/Olympus_Mons"');
  });
});
