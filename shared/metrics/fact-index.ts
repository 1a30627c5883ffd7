import type { FactSet } from './facts.ts';
import type { CompanyView, ContactView } from './views.ts';
import { type Window, within } from './window.ts';

/**
 * Lookups a packet makes again and again over one FactSet: the records whose instant falls in a
 * window, and values worked out once per record. A packet computes its metrics for its period and
 * each comparison period, and the rejection streak for twelve weeks of each; scanning every
 * contact each time made a quarterly build at a million events take seconds. A FactSet is never
 * changed after it is built, so what is worked out here holds for as long as it lives.
 */

/**
 * A map's records in time order, held as numbers: positions into the map's record list, sorted by
 * instant. A packet keeps several of these over every contact; objects per entry would cost tens
 * of megabytes at a million events a year.
 */
interface SortedRecords<T> {
  records: readonly T[];
  /** Positions into `records` of the records that have an instant, in time order. */
  positions: Uint32Array;
  /** The instant of each position, same order. */
  instants: Float64Array;
}

const sortedLists = new WeakMap<ReadonlyMap<string, unknown>, Map<string, SortedRecords<unknown>>>();

function sortedBy<T>(
  map: ReadonlyMap<string, T>,
  name: string,
  instantOf: (record: T) => number | undefined,
): SortedRecords<T> {
  let byName = sortedLists.get(map);
  if (!byName) {
    byName = new Map();
    sortedLists.set(map, byName);
  }
  const known = byName.get(name);
  if (known) return known as SortedRecords<T>;
  const records = [...map.values()];
  const timed: number[] = [];
  const at = new Float64Array(records.length);
  records.forEach((record, position) => {
    const instant = instantOf(record);
    if (instant === undefined) return;
    at[position] = instant;
    timed.push(position);
  });
  timed.sort((a, b) => (at[a] as number) - (at[b] as number) || a - b);
  const positions = Uint32Array.from(timed);
  const sorted: SortedRecords<T> = {
    records,
    positions,
    instants: Float64Array.from(positions, (position) => at[position] as number),
  };
  byName.set(name, sorted as SortedRecords<unknown>);
  return sorted;
}

/** The first index whose instant is at or after `instant`. */
function firstAtOrAfter(instants: Float64Array, instant: number): number {
  let low = 0;
  let high = instants.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((instants[middle] as number) < instant) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * The records of a map whose instant (named `name`, read by `instantOf`) lies in the window, in
 * the map's order: the same list as `[...records.values()].filter((r) => within(instantOf(r), window))`.
 * `name` must always go with the same `instantOf` for the same map.
 */
export function recordsWithin<T>(
  map: ReadonlyMap<string, T>,
  name: string,
  instantOf: (record: T) => number | undefined,
  window: Window,
): T[] {
  const { records, positions, instants } = sortedBy(map, name, instantOf);
  const found: number[] = [];
  for (let index = firstAtOrAfter(instants, window.start); index < instants.length; index++) {
    if (!within(instants[index], window)) break;
    found.push(positions[index] as number);
  }
  return found.sort((a, b) => a - b).map((position) => records[position] as T);
}

const perFactSet = new WeakMap<FactSet, Map<string, unknown>>();

/** A value worked out once per FactSet (`name` must always go with the same `compute`). */
export function oncePerFactSet<V>(facts: FactSet, name: string, compute: (facts: FactSet) => V): V {
  let values = perFactSet.get(facts);
  if (!values) {
    values = new Map();
    perFactSet.set(facts, values);
  }
  if (values.has(name)) return values.get(name) as V;
  const value = compute(facts);
  values.set(name, value);
  return value;
}

/** Contacts created in the window. */
export function contactsCreatedIn(facts: FactSet, window: Window): ContactView[] {
  return recordsWithin(facts.contacts, 'created', (contact) => contact.createdAt, window);
}

/** Contacts whose first entry into a stage falls in the window. */
export function contactsEnteringIn(
  facts: FactSet,
  stage: keyof ContactView['milestones'],
  window: Window,
): ContactView[] {
  return recordsWithin(facts.contacts, `milestone:${stage}`, (contact) => contact.milestones[stage], window);
}

/** Companies first seen in the window. */
export function companiesFirstSeenIn(facts: FactSet, window: Window): CompanyView[] {
  return recordsWithin(facts.companies, 'firstSeen', (company) => company.firstSeenAt, window);
}

/** A value worked out once per record of a FactSet (`name` must always go with the same `compute`). */
export function oncePerRecord<R extends object, V>(
  facts: FactSet,
  name: string,
  record: R,
  compute: (record: R) => V,
): V {
  const known = oncePerFactSet(facts, name, () => new WeakMap<R, V>());
  if (known.has(record)) return known.get(record) as V;
  const value = compute(record);
  known.set(record, value);
  return value;
}
