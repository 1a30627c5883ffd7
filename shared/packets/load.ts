import type { ClientConfig } from '../config/schema.ts';
import { type FactSet, FactSetBuilder, type QuarantineFact } from '../metrics/facts.ts';
import { DAY_MS } from '../metrics/window.ts';
import { type EntityType, entityKey, MERGED_FROM_PREFIX } from '../model/events.ts';
import type { EntityRef, Store, TimeIndex, TimeRange } from '../ports/store.ts';
import type { EntityState } from '../projection/state.ts';
import { dealContactIds, fieldValue } from '../projection/state.ts';
import { type Cadence, lastCompletePeriod, periodContaining, previousPeriods } from '../time/periods.ts';
import { COMPARISON_PERIODS, STREAK_WEEKS } from './packet.ts';

/**
 * The instants a packet's reads must cover: from the oldest window any metric looks at (the
 * comparison periods and the rejection-streak weeks, moved back by the longest cohort shift, and
 * the start of the fiscal quarter the oldest period ends in) to the as-of instant.
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
  // The current-quarter forecast of each period (as of its end) counts the quarter's wins since
  // its start, which a short sales cycle's shift may not reach.
  const oldestEnd = Math.min(period.end, ...previous.map((p) => p.end));
  const forecastQuarter = periodContaining('quarterly', oldestEnd, config);
  return { from: Math.min(oldest - shift, forecastQuarter.start), to: asOf + 1 };
}

/**
 * Reads the facts of one packet without a Scan. The queries, for the read window W = [from, to):
 *
 * 1. deals: `openDeals` partition `deal#open` (every open deal) and `byMilestone`
 *    `deal#milestone#<month>` for the months from W's start to now (deals closed since then).
 *    A deal qualified or closed in any window is one of these: a closed deal cannot qualify later.
 * 2. contacts: `byMilestone` `contact#milestone#<month>` from W's start to now. A contact's
 *    milestone is the latest of its creation, MQL and disqualification, so every contact with one
 *    of them in W is found, and found once (three indexes read the same contact up to three times).
 * 3. companies: `byCreated` `company#created#<month>` for W (first seen, for ICP breadth).
 * 4. forms and activities: `byCreated` `form#created#<month>` and `activity#created#<month>` for W
 *    (a touch is at or after its clock's start, so it lies in W when the clock does).
 * 5. `byMilestone` `form#milestone#<month>` from the client's first fact to W's start: the
 *    high-intent forms before W (indexed at ingest from `sla.highIntentForms`), so a contact whose
 *    first high-intent form is older than W has its clock outside the window. A few queries, one
 *    per month of history, instead of one per contact.
 * 6. BatchGetItem for the contacts and companies the deals, contacts and forms refer to that the
 *    queries above did not return (first contacts, companies for ICP fit), and for both ends of
 *    merge and lead-conversion links (`mergedInto`, `mergedFrom:`), round by round.
 * 7. `byCreated` `quarantine#<month>` for W (data health), and GetItem `client#meta` (first fact,
 *    read first: it bounds query 5).
 */
export async function loadFacts(
  store: Store,
  config: ClientConfig,
  cadence: Cadence,
  asOf: number,
): Promise<FactSet> {
  const window = readWindow(config, cadence, asOf);
  // Each state becomes its view as it arrives and is let go (FactSetBuilder); only the references
  // it names are kept, to read what the queries did not return.
  const builder = new FactSetBuilder(config, asOf);
  let named = new Map<string, EntityRef>();
  const take = (state: EntityState) => {
    // What was read already needs no entry; what comes later is checked again in the rounds.
    for (const ref of referencesOf(state, window.from)) if (!builder.has(ref)) named.set(entityKey(ref), ref);
    builder.add(state);
  };
  const collect = async (iterable: AsyncIterable<EntityState>) => {
    for await (const state of iterable) take(state);
  };
  const byTime = (entity: EntityType, index: TimeIndex, range: TimeRange = window) =>
    collect(store.entitiesByTime(entity, index, range));

  // Milestones after W are read too: a build for a past period must still find what changed since.
  const untilNow = Math.max(window.to, Date.now() + DAY_MS);
  const firstFactAt = await store.firstFactAt();
  await Promise.all([
    collect(store.openDeals()),
    byTime('deal', 'milestone', { from: window.from, to: untilNow }),
    byTime('contact', 'milestone', { from: window.from, to: untilNow }),
    byTime('company', 'created'),
    byTime('form', 'created'),
    byTime('activity', 'created'),
    byTime('form', 'milestone', { from: Math.min(firstFactAt ?? window.from, window.from), to: window.from }),
  ]);

  // Referenced entities not returned by the queries: first contacts and companies of deals,
  // companies of contacts, contacts named by forms in W (a form before W matters only to a contact
  // some other query found), and both ends of every merge or conversion link, followed until
  // nothing new is named (a chain of links takes one round per step).
  for (let round = 0; round < MAX_REFERENCE_ROUNDS; round++) {
    const missing = [...named.values()].filter((ref) => !builder.has(ref));
    named = new Map();
    if (missing.length === 0) break;
    for (const stored of (await store.getEntities(missing)).values()) take(stored.state);
  }
  const quarantined: QuarantineFact[] = [];
  for await (const delivery of store.quarantinedDeliveries(window)) {
    quarantined.push({ source: delivery.source, receivedAt: delivery.receivedAt });
  }
  return builder.finish({ quarantined, firstFactAt });
}

/** How many rounds of references are followed: deal → contact → company, and merge chains. */
const MAX_REFERENCE_ROUNDS = 6;

/** The entities a state names that a packet needs to read it. */
function referencesOf(state: EntityState, windowStart: number): EntityRef[] {
  const refs: EntityRef[] = [];
  const merged = fieldValue(state, 'mergedInto');
  if (typeof merged === 'string' && state.entity !== 'form' && state.entity !== 'activity') {
    refs.push({ entity: state.entity, id: merged });
  }
  if (state.entity === 'contact') {
    for (const field of Object.keys(state.fields)) {
      if (field.startsWith(MERGED_FROM_PREFIX) && fieldValue(state, field) === true) {
        refs.push({ entity: 'contact', id: field.slice(MERGED_FROM_PREFIX.length) });
      }
    }
  }
  if (state.entity === 'deal') {
    for (const id of dealContactIds(state)) refs.push({ entity: 'contact', id });
  }
  if (state.entity === 'form' && state.firstAt >= windowStart) {
    const contactId = fieldValue(state, 'contactId');
    if (typeof contactId === 'string') refs.push({ entity: 'contact', id: contactId });
  }
  const companyId = fieldValue(state, 'companyId');
  if ((state.entity === 'deal' || state.entity === 'contact') && typeof companyId === 'string') {
    refs.push({ entity: 'company', id: companyId });
  }
  return refs;
}
