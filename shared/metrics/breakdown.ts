import { wilsonInterval } from '../stats/index.ts';
import type { BreakdownRow } from './types.ts';

/** Groups items by key prefix (`channel:`, `team:`, ...) and sums a value over each group. */
export function sumBreakdown<T>(
  items: readonly T[],
  keysOf: (item: T) => readonly string[],
  valueFor: (item: T) => number,
): BreakdownRow[] {
  const rows = new Map<string, BreakdownRow>();
  for (const item of items) {
    for (const key of keysOf(item)) {
      const row = rows.get(key) ?? { key, value: 0, n: 0 };
      row.value = (row.value ?? 0) + valueFor(item);
      row.n++;
      rows.set(key, row);
    }
  }
  return sortRows([...rows.values()]);
}

/** Groups a cohort by key and gives each group its rate (successes / n) with its Wilson interval. */
export function rateBreakdown<T>(
  cohort: readonly T[],
  keysOf: (item: T) => readonly string[],
  succeeded: (item: T) => boolean,
): BreakdownRow[] {
  const groups = new Map<string, { n: number; successes: number }>();
  for (const item of cohort) {
    for (const key of keysOf(item)) {
      const group = groups.get(key) ?? { n: 0, successes: 0 };
      group.n++;
      if (succeeded(item)) group.successes++;
      groups.set(key, group);
    }
  }
  return sortRows(
    [...groups.entries()].map(([key, { n, successes }]) => ({
      key,
      value: n === 0 ? null : successes / n,
      n,
      interval: wilsonInterval(successes, n),
    })),
  );
}

/** Breakdown rows in a stable order: by key family as given, then by n descending, then by key. */
function sortRows(rows: BreakdownRow[]): BreakdownRow[] {
  const family = (key: string) => key.slice(0, key.indexOf(':'));
  return rows.sort(
    (a, b) =>
      (family(a.key) < family(b.key) ? -1 : family(a.key) > family(b.key) ? 1 : 0) ||
      b.n - a.n ||
      (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** A rate with its n and interval, null when there is no case. */
export function rate(
  successes: number,
  n: number,
): { value: number | null; n: number; interval?: [number, number] } {
  return { value: n === 0 ? null : successes / n, n, interval: wilsonInterval(successes, n) };
}
