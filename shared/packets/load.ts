import type { ClientConfig } from '../config/schema.ts';
import { buildFactSet, type FactSet, type QuarantineFact } from '../metrics/facts.ts';
import { DAY_MS } from '../metrics/window.ts';
import type { EntityType } from '../model/events.ts';
import type { Store, TimeIndex } from '../ports/store.ts';
import type { EntityState } from '../projection/state.ts';
import { dealContactIds, fieldValue } from '../projection/state.ts';
import { type Cadence, lastCompletePeriod, previousPeriods } from '../time/periods.ts';
import { COMPARISON_PERIODS, STREAK_WEEKS } from './packet.ts';

/**
 * The instants a packet's reads must cover: from the oldest window any metric looks at (the
 * comparison periods and the rejection-streak weeks, moved back by the longest cohort shift) to
 * the as-of instant.
 */
export function readWindow(
  config: ClientConfig,
  cadence: Cadence,
  asOf: number,
): { from: number; to: number } {
  const period = lastCompletePeriod(cadence, asOf, config);
  const previous = previousPeriods(period, COMPARISON_PERIODS, config);
  const lastWeek = lastCompletePeriod('weekly', period.end, config);
  const weeks = previousPeriods(lastWeek, STREAK_WEEKS - 1, config);
  const oldest = Math.min(period.start, ...previous.map((p) => p.start), ...weeks.map((w) => w.start));
  const shift = Math.max(config.cycles.salesCycleDays, config.cycles.maturityDays) * DAY_MS;
  return { from: oldest - shift, to: asOf + 1 };
}

/**
 * Reads the facts of one packet without a Scan. The queries, for the read window W = [from, to):
 *
 * 1. deals: `byDisqualified` partition `deal#open` (every open deal) and `byMilestone`
 *    `deal#milestone#<month>` for the months from W's start to now (deals closed since then).
 *    A deal qualified or closed in any window is one of these: a closed deal cannot qualify later.
 * 2. contacts: `byCreated` `contact#created#<month>`, `byMilestone` `contact#milestone#<month>`
 *    (MQL time) and `byDisqualified` `contact#disqualified#<month>`, for the months of W.
 * 3. companies: `byCreated` `company#created#<month>` for W (first seen, for ICP breadth).
 * 4. forms and activities: `byCreated` `form#created#<month>` and `activity#created#<month>` for W
 *    (a touch is at or after its clock's start, so it lies in W when the clock does).
 * 5. `byOwner` `contact:<id>` and `email:<hash>` for each contact with a clock candidate in W (MQL
 *    or a form in W), limited to forms submitted before W (the rest came with query 4), so a
 *    high-intent form before W moves the clock out of the window. One query per such contact,
 *    OWNER_QUERY_CONCURRENCY at a time; most return nothing.
 * 6. BatchGetItem for the contacts and companies the deals, contacts and forms refer to that the
 *    queries above did not return (first contacts, companies for ICP fit).
 * 7. `byCreated` `quarantine#<month>` for W (data health), and GetItem `client#meta` (first fact).
 */
export async function loadFacts(
  store: Store,
  config: ClientConfig,
  cadence: Cadence,
  asOf: number,
): Promise<FactSet> {
  const window = readWindow(config, cadence, asOf);
  const states = new Map<string, EntityState>();
  const keep = (state: EntityState) => states.set(`${state.entity}#${state.id}`, state);
  const collect = async (iterable: AsyncIterable<EntityState>) => {
    for await (const state of iterable) keep(state);
  };
  const byTime = (entity: EntityType, index: TimeIndex) =>
    collect(store.entitiesByTime(entity, index, window));

  await Promise.all([
    collect(store.openDeals()),
    collect(
      store.entitiesByTime('deal', 'milestone', {
        from: window.from,
        to: Math.max(window.to, Date.now() + DAY_MS),
      }),
    ),
    byTime('contact', 'created'),
    byTime('contact', 'milestone'),
    byTime('contact', 'disqualified'),
    byTime('company', 'created'),
    byTime('form', 'created'),
    byTime('activity', 'created'),
  ]);

  const contacts = [...states.values()].filter((state) => state.entity === 'contact');
  const formsInWindow = [...states.values()].filter((state) => state.entity === 'form');
  const clockCandidates = new Set<string>();
  for (const contact of contacts) {
    const mql = contact.milestones.mql;
    if (mql !== undefined && mql >= window.from) clockCandidates.add(contact.id);
  }
  for (const form of formsInWindow) {
    const contactId = fieldValue(form, 'contactId');
    if (typeof contactId === 'string') clockCandidates.add(contactId);
  }
  const owners = new Set<string>();
  for (const contact of contacts) {
    if (!clockCandidates.has(contact.id)) continue;
    owners.add(`contact:${contact.id}`);
    const emailHash = fieldValue(contact, 'emailHash');
    if (typeof emailHash === 'string') owners.add(`email:${emailHash}`);
  }
  for (const form of formsInWindow) {
    const emailHash = fieldValue(form, 'emailHash');
    if (typeof emailHash === 'string') owners.add(`email:${emailHash}`);
  }
  await forEachLimited([...owners], OWNER_QUERY_CONCURRENCY, (owner) =>
    collect(store.formsOwnedBy(owner, window.from)),
  );

  // Referenced entities not returned by the queries: first contacts and companies of deals,
  // companies of contacts, contacts named by forms.
  const referenced = new Set<string>();
  for (const state of states.values()) {
    if (state.entity === 'deal') {
      for (const id of dealContactIds(state)) referenced.add(`contact#${id}`);
    }
    if (state.entity === 'form') {
      const contactId = fieldValue(state, 'contactId');
      if (typeof contactId === 'string') referenced.add(`contact#${contactId}`);
    }
  }
  await addMissing(store, states, referenced);
  const companies = new Set<string>();
  for (const state of states.values()) {
    const companyId = fieldValue(state, 'companyId');
    if ((state.entity === 'deal' || state.entity === 'contact') && typeof companyId === 'string') {
      companies.add(`company#${companyId}`);
    }
  }
  await addMissing(store, states, companies);

  const quarantined: QuarantineFact[] = [];
  for await (const delivery of store.quarantinedDeliveries(window)) {
    quarantined.push({ source: delivery.source, receivedAt: delivery.receivedAt });
  }
  return buildFactSet(states.values(), config, asOf, { quarantined, firstFactAt: await store.firstFactAt() });
}

/** Enough to keep a Lambda's sockets busy without queueing thousands of requests at once. */
const OWNER_QUERY_CONCURRENCY = 32;

async function forEachLimited<T>(items: readonly T[], limit: number, run: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await run(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

async function addMissing(store: Store, states: Map<string, EntityState>, keys: Set<string>): Promise<void> {
  const missing = [...keys].filter((key) => !states.has(key));
  if (missing.length === 0) return;
  for (const [key, stored] of await store.getEntities(missing)) states.set(key, stored.state);
}
