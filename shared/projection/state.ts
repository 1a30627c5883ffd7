import { canonicalJson } from '../config/parse.ts';
import {
  type CanonicalEvent,
  CONTACT_LINK_PREFIX,
  type EntityType,
  entityKey,
  type FieldValue,
} from '../model/events.ts';

/** One value a field took, and when. */
export interface FieldEntry {
  at: number;
  value: FieldValue;
}

/**
 * The projected state of one entity. It is a join of all events applied to it: applying the same
 * events in any order, any number of times, gives the same state (tested in projection.test.ts).
 */
export interface EntityState {
  entity: EntityType;
  id: string;
  /** The earliest `at` of any event on this entity: a contact's creation, a company's first sighting. */
  firstAt: number;
  /** Each field's recent history, oldest first; the last entry is the current value. */
  fields: Record<string, FieldEntry[]>;
  /** Each `stage` value the entity ever entered → the first `at` it entered it (never capped). */
  milestones: Record<string, number>;
}

/** How many entries of a field's history are kept; the stage keeps more for stage-history metrics. */
export const FIELD_HISTORY_LIMIT = 20;
export const STAGE_HISTORY_LIMIT = 100;
/**
 * The fields a forecast reads as of any snapshot of the last 5 quarters: a deal re-forecast weekly
 * for 5 quarters changes each about 65 times.
 */
export const FORECAST_HISTORY_LIMIT = 70;
const FORECAST_FIELDS = new Set(['amount', 'closeDate', 'probability', 'forecastCategory']);

function historyLimit(field: string): number {
  if (field === 'stage') return STAGE_HISTORY_LIMIT;
  return FORECAST_FIELDS.has(field) ? FORECAST_HISTORY_LIMIT : FIELD_HISTORY_LIMIT;
}

/**
 * Orders entries by time; at the same time the larger value by its JSON text wins (DESIGN.md
 * edge rules), so the last entry is the field's value whatever order the events came in.
 */
function compareEntries(a: FieldEntry, b: FieldEntry): number {
  if (a.at !== b.at) return a.at - b.at;
  const left = JSON.stringify(a.value);
  const right = JSON.stringify(b.value);
  return left < right ? -1 : left > right ? 1 : 0;
}

function mergeHistory(field: string, history: readonly FieldEntry[], entry: FieldEntry): FieldEntry[] {
  const merged = [...history];
  const position = merged.findIndex((existing) => compareEntries(existing, entry) >= 0);
  if (position === -1) merged.push(entry);
  else if (compareEntries(merged[position] as FieldEntry, entry) !== 0) merged.splice(position, 0, entry);
  else return merged;
  const limit = historyLimit(field);
  return merged.length > limit ? merged.slice(merged.length - limit) : merged;
}

export function emptyState(entity: EntityType, id: string, firstAt: number): EntityState {
  return { entity, id, firstAt, fields: {}, milestones: {} };
}

/** Applies events (all for this entity) to a state; pure, idempotent, order-independent. */
export function applyEvents(state: EntityState | undefined, events: readonly CanonicalEvent[]): EntityState {
  const first = events[0];
  if (!state && !first) throw new Error('applyEvents needs a state or at least one event');
  let next: EntityState = state
    ? { ...state, fields: { ...state.fields }, milestones: { ...state.milestones } }
    : emptyState(
        (first as CanonicalEvent).entity,
        (first as CanonicalEvent).id,
        (first as CanonicalEvent).at,
      );
  for (const event of events) {
    if (entityKey(event) !== entityKey(next)) {
      throw new Error(`event for ${entityKey(event)} applied to ${entityKey(next)}`);
    }
    next = applyEvent(next, event);
  }
  return next;
}

function applyEvent(state: EntityState, event: CanonicalEvent): EntityState {
  state.firstAt = Math.min(state.firstAt, event.at);
  for (const [field, value] of Object.entries(event.fields)) {
    state.fields[field] = mergeHistory(field, state.fields[field] ?? [], { at: event.at, value });
    if (field === 'stage' && typeof value === 'string') {
      const entered = state.milestones[value];
      if (entered === undefined || event.at < entered) state.milestones[value] = event.at;
    }
  }
  return state;
}

/** True when two states hold the same facts (so a repeated event needs no write). */
export function sameState(a: EntityState | undefined, b: EntityState): boolean {
  return a !== undefined && canonicalJson(a) === canonicalJson(b);
}

/** A field's value as of an instant (the last entry at or before it), or its current value. */
export function fieldValue(
  state: EntityState,
  field: string,
  asOf = Number.POSITIVE_INFINITY,
): FieldValue | undefined {
  const history = state.fields[field];
  if (!history) return undefined;
  for (let index = history.length - 1; index >= 0; index--) {
    const entry = history[index] as FieldEntry;
    if (entry.at <= asOf) return entry.value;
  }
  return undefined;
}

/**
 * A deal's contacts with the instant each was first on it: the explicit `contactIds` list when a
 * source sends one (its contacts first, in its order), then the linked contacts (a CRM's
 * associations, Salesforce contact roles and lead conversions) in the order they were first
 * linked. So `[0]` is the list's first contact, else the first one linked.
 */
export function dealContacts(
  state: EntityState,
  asOf = Number.POSITIVE_INFINITY,
): { id: string; since: number }[] {
  const contacts: { id: string; since: number }[] = [];
  const explicit = fieldValue(state, 'contactIds', asOf);
  if (Array.isArray(explicit)) {
    const history = state.fields.contactIds ?? [];
    for (const id of explicit) {
      const since = history.find(
        (entry) => entry.at <= asOf && Array.isArray(entry.value) && entry.value.includes(id),
      )?.at;
      if (!contacts.some((contact) => contact.id === id))
        contacts.push({ id, since: since ?? state.firstAt });
    }
  }
  const linked: { id: string; since: number }[] = [];
  for (const [field, history] of Object.entries(state.fields)) {
    if (!field.startsWith(CONTACT_LINK_PREFIX)) continue;
    if (fieldValue(state, field, asOf) !== true) continue;
    const id = field.slice(CONTACT_LINK_PREFIX.length);
    if (contacts.some((contact) => contact.id === id)) continue;
    const since =
      history.find((entry) => entry.value === true && entry.at <= asOf)?.at ?? Number.POSITIVE_INFINITY;
    linked.push({ id, since });
  }
  linked.sort((a, b) => a.since - b.since || (a.id < b.id ? -1 : 1));
  return [...contacts, ...linked];
}

/** A deal's contact ids, in the order of `dealContacts`. */
export function dealContactIds(state: EntityState, asOf = Number.POSITIVE_INFINITY): string[] {
  return dealContacts(state, asOf).map((contact) => contact.id);
}
