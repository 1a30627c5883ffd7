import type { ClientConfig } from '../config/schema.ts';
import type { EntityState } from '../projection/state.ts';
import {
  type ActivityView,
  type Attribution,
  activityView,
  type CompanyView,
  type ContactView,
  companyView,
  contactView,
  type DealView,
  dealAttribution,
  dealView,
  type FormView,
  formView,
  visibleAt,
} from './views.ts';

/** A delivery kept in quarantine, as data health counts it. */
export interface QuarantineFact {
  source: string;
  receivedAt: number;
}

/**
 * Everything a packet knows, as of one instant: the views of the entities its queries returned,
 * with the links between them resolved. Built once per packet; every metric is a pure function of
 * a FactSet, the definitions and a period.
 */
export interface FactSet {
  asOf: number;
  contacts: ReadonlyMap<string, ContactView>;
  deals: ReadonlyMap<string, DealView>;
  companies: ReadonlyMap<string, CompanyView>;
  /** Forms of each contact (linked by contactId, else by email hash), oldest first. */
  formsByContact: ReadonlyMap<string, readonly FormView[]>;
  /** Activities of each contact, oldest first. */
  activitiesByContact: ReadonlyMap<string, readonly ActivityView[]>;
  /** Forms whose contact is not (yet) known. */
  unlinkedForms: readonly FormView[];
  quarantined: readonly QuarantineFact[];
  /** The earliest fact the client has (for "previous periods that start after the first fact"). */
  firstFactAt?: number;
}

export type FactDefinitions = Pick<ClientConfig, 'channels' | 'dealStages' | 'qualification' | 'currency'>;

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** Builds the as-of views of the given entity states; states created after `asOf` are left out. */
export function buildFactSet(
  states: Iterable<EntityState>,
  definitions: FactDefinitions,
  asOf: number,
  extra: { quarantined?: readonly QuarantineFact[]; firstFactAt?: number } = {},
): FactSet {
  const contacts = new Map<string, ContactView>();
  const deals = new Map<string, DealView>();
  const companies = new Map<string, CompanyView>();
  const forms: FormView[] = [];
  const activities: ActivityView[] = [];
  for (const state of states) {
    if (!visibleAt(state, asOf)) continue;
    switch (state.entity) {
      case 'contact':
        contacts.set(state.id, contactView(state, asOf, definitions));
        break;
      case 'deal':
        deals.set(state.id, dealView(state, asOf, definitions));
        break;
      case 'company':
        companies.set(state.id, companyView(state, asOf));
        break;
      case 'form':
        forms.push(formView(state, asOf));
        break;
      case 'activity':
        activities.push(activityView(state, asOf));
        break;
    }
  }
  const byEmail = new Map<string, string>();
  for (const contact of [...contacts.values()].sort(
    (a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1),
  )) {
    if (contact.emailHash && !byEmail.has(contact.emailHash)) byEmail.set(contact.emailHash, contact.id);
  }
  const formsByContact = new Map<string, FormView[]>();
  const unlinkedForms: FormView[] = [];
  for (const form of forms) {
    const contactId = form.contactId ?? (form.emailHash ? byEmail.get(form.emailHash) : undefined);
    if (contactId && contacts.has(contactId)) pushTo(formsByContact, contactId, form);
    else unlinkedForms.push(form);
  }
  const activitiesByContact = new Map<string, ActivityView[]>();
  for (const activity of activities)
    if (activity.contactId) pushTo(activitiesByContact, activity.contactId, activity);
  const byTime = (a: { at: number; id: string }, b: { at: number; id: string }) =>
    a.at - b.at || (a.id < b.id ? -1 : 1);
  for (const list of formsByContact.values()) list.sort(byTime);
  for (const list of activitiesByContact.values()) list.sort(byTime);
  // A deal without a source of its own is credited through its first contact.
  for (const deal of deals.values()) {
    deal.attribution = dealAttribution(
      deal,
      deal.contactIds[0] ? contacts.get(deal.contactIds[0]) : undefined,
    );
  }
  return {
    asOf,
    contacts,
    deals,
    companies,
    formsByContact,
    activitiesByContact,
    unlinkedForms,
    quarantined: extra.quarantined ?? [],
    firstFactAt: extra.firstFactAt,
  };
}

export type { Attribution };
