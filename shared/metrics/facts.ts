import type { ClientConfig } from '../config/schema.ts';
import type { EntityState } from '../projection/state.ts';
import { joinContacts, survivorsAt } from './merges.ts';
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
  type ViewDefinitions,
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
  /** Deals in pipelines the config does not count (renewals, upsell …): in no metric, only in data health. */
  otherPipelineDeals: readonly DealView[];
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

export type FactDefinitions = ViewDefinitions & Pick<ClientConfig, 'pipelines'>;

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

const byCreation = (a: { createdAt: number; id: string }, b: { createdAt: number; id: string }) =>
  a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1);

/** The ids of a list through the merges, each once, in their first position. */
function survivingIds(ids: readonly string[], survivor: (id: string) => string): string[] {
  return [...new Set(ids.map(survivor))];
}

/**
 * Builds the as-of views of the given entity states; states created after `asOf` are left out.
 * Merged and converted records are joined into the record they continue as (shared/metrics/merges.ts),
 * and deals outside the counted pipelines are set aside for data health.
 */
export function buildFactSet(
  states: Iterable<EntityState>,
  definitions: FactDefinitions,
  asOf: number,
  extra: { quarantined?: readonly QuarantineFact[]; firstFactAt?: number } = {},
): FactSet {
  const byType = {
    contact: new Map<string, EntityState>(),
    deal: new Map<string, EntityState>(),
    company: new Map<string, EntityState>(),
  };
  const forms: FormView[] = [];
  const activities: ActivityView[] = [];
  for (const state of states) {
    if (state.firstAt > asOf) continue;
    switch (state.entity) {
      case 'contact':
      case 'deal':
      case 'company':
        byType[state.entity].set(state.id, state);
        break;
      case 'form':
        if (visibleAt(state, asOf)) forms.push(formView(state, asOf));
        break;
      case 'activity':
        if (visibleAt(state, asOf)) activities.push(activityView(state, asOf));
        break;
    }
  }
  const contactOf = survivorsAt(byType.contact, asOf);
  const companyOf = survivorsAt(byType.company, asOf);
  const dealOf = survivorsAt(byType.deal, asOf);

  // People: each survivor with the records absorbed into it. A deleted survivor hides them all.
  const members = new Map<string, { survivor?: ContactView; absorbed: ContactView[]; deleted: boolean }>();
  for (const state of byType.contact.values()) {
    const id = contactOf(state.id);
    const group = members.get(id) ?? { absorbed: [], deleted: false };
    members.set(id, group);
    if (id !== state.id) group.absorbed.push(contactView(state, asOf, definitions));
    else if (!visibleAt(state, asOf)) group.deleted = true;
    else group.survivor = contactView(state, asOf, definitions);
  }
  const contacts = new Map<string, ContactView>();
  const byEmail = new Map<string, string>();
  const everyRecord: ContactView[] = [];
  for (const [id, group] of members) {
    if (group.deleted) continue;
    if (!group.survivor && group.absorbed.length === 0) continue;
    const view =
      group.absorbed.length === 0 && group.survivor
        ? group.survivor
        : joinContacts(id, group.survivor, group.absorbed);
    if (view.companyId) view.companyId = companyOf(view.companyId);
    contacts.set(id, view);
    everyRecord.push(...(group.survivor ? [group.survivor] : []), ...group.absorbed);
  }
  // An email hash names the person whose record has it and was created first.
  for (const record of everyRecord.sort(byCreation)) {
    if (record.emailHash && !byEmail.has(record.emailHash))
      byEmail.set(record.emailHash, contactOf(record.id));
  }

  const companies = new Map<string, CompanyView>();
  for (const state of byType.company.values()) {
    if (companyOf(state.id) !== state.id || !visibleAt(state, asOf)) continue;
    companies.set(state.id, companyView(state, asOf, definitions));
  }
  // A company takes the facts its contacts carry inline (a converted lead's) where it has none.
  for (const contact of [...contacts.values()].sort(byCreation)) {
    const company = contact.companyId ? companies.get(contact.companyId) : undefined;
    if (!company) continue;
    company.industry ??= contact.inlineCompany.industry;
    company.employees ??= contact.inlineCompany.employees;
    company.region ??= contact.inlineCompany.region;
  }

  const deals = new Map<string, DealView>();
  const otherPipelineDeals: DealView[] = [];
  const counted = definitions.pipelines?.count;
  for (const state of byType.deal.values()) {
    if (dealOf(state.id) !== state.id || !visibleAt(state, asOf)) continue;
    const deal = dealView(state, asOf, definitions);
    deal.contactIds = survivingIds(deal.contactIds, contactOf);
    const since = new Map<string, number>();
    for (const [id, at] of deal.contactSince) {
      const person = contactOf(id);
      since.set(person, Math.min(at, since.get(person) ?? at));
    }
    deal.contactSince = since;
    if (deal.companyId) deal.companyId = companyOf(deal.companyId);
    if (counted && deal.pipeline !== undefined && !counted.includes(deal.pipeline))
      otherPipelineDeals.push(deal);
    else deals.set(state.id, deal);
  }

  const formsByContact = new Map<string, FormView[]>();
  const unlinkedForms: FormView[] = [];
  for (const form of forms) {
    const named = form.contactId ? contactOf(form.contactId) : undefined;
    const contactId = named ?? (form.emailHash ? byEmail.get(form.emailHash) : undefined);
    if (contactId && contacts.has(contactId)) pushTo(formsByContact, contactId, form);
    else unlinkedForms.push(form);
  }
  const activitiesByContact = new Map<string, ActivityView[]>();
  for (const activity of activities)
    if (activity.contactId) pushTo(activitiesByContact, contactOf(activity.contactId), activity);
  const byTime = (a: { at: number; id: string }, b: { at: number; id: string }) =>
    a.at - b.at || (a.id < b.id ? -1 : 1);
  for (const list of formsByContact.values()) list.sort(byTime);
  for (const list of activitiesByContact.values()) list.sort(byTime);
  // A deal without a source of its own is credited through its first contact.
  for (const deal of [...deals.values(), ...otherPipelineDeals]) {
    deal.attribution = dealAttribution(
      deal,
      deal.contactIds[0] ? contacts.get(deal.contactIds[0]) : undefined,
    );
  }
  return {
    asOf,
    contacts,
    deals,
    otherPipelineDeals,
    companies,
    formsByContact,
    activitiesByContact,
    unlinkedForms,
    quarantined: extra.quarantined ?? [],
    firstFactAt: extra.firstFactAt,
  };
}

export type { Attribution };
