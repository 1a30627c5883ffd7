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

interface Timed<T> {
  at: number;
  /** The record's place in its map: answers keep the map's order, as a filter over it would. */
  order: number;
  item: T;
}

const sortedLists = new WeakMap<ReadonlyMap<string, unknown>, Map<string, Timed<unknown>[]>>();

function sortedBy<T>(
  records: ReadonlyMap<string, T>,
  name: string,
  instantOf: (record: T) => number | undefined,
): Timed<T>[] {
  let byName = sortedLists.get(records);
  if (!byName) {
    byName = new Map();
    sortedLists.set(records, byName);
  }
  const known = byName.get(name);
  if (known) return known as Timed<T>[];
  const list: Timed<T>[] = [];
  let order = 0;
  for (const item of records.values()) {
    const at = instantOf(item);
    if (at !== undefined) list.push({ at, order, item });
    order++;
  }
  list.sort((a, b) => a.at - b.at);
  byName.set(name, list);
  return list;
}

/** The first position whose instant is at or after `instant`. */
function firstAtOrAfter(list: readonly Timed<unknown>[], instant: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((list[middle] as Timed<unknown>).at < instant) low = middle + 1;
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
  records: ReadonlyMap<string, T>,
  name: string,
  instantOf: (record: T) => number | undefined,
  window: Window,
): T[] {
  const list = sortedBy(records, name, instantOf);
  const found: Timed<T>[] = [];
  for (let index = firstAtOrAfter(list, window.start); index < list.length; index++) {
    const entry = list[index] as Timed<T>;
    if (!within(entry.at, window)) break;
    found.push(entry);
  }
  return found.sort((a, b) => a.order - b.order).map((entry) => entry.item);
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
