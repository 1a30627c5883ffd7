import type { ClientConfig } from '../config/schema.ts';
import { entityKey } from '../model/events.ts';
import type { EntityRef } from '../ports/store.ts';
import { type EntityState, fieldValue } from '../projection/state.ts';
import { joinContacts, survivorsOf } from './merges.ts';
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
  extra: FactSetExtras = {},
): FactSet {
  const builder = new FactSetBuilder(definitions, asOf);
  for (const state of states) builder.add(state);
  return builder.finish(extra);
}

export interface FactSetExtras {
  quarantined?: readonly QuarantineFact[];
  firstFactAt?: number;
}

/** A contact, deal or company record as of the instant: its view, and what joining records needs. */
interface RecordAt<V> {
  view: V;
  visible: boolean;
  /** The record it continued as at the instant (a merge, a converted lead), when it did. */
  mergedInto?: string;
}

/**
 * Builds a FactSet one state at a time: each state becomes its as-of view as it arrives and is not
 * kept, so a packet's reads never hold every entity's whole history at once (a quarterly packet at
 * a million events reads 224k of them), and the views are made while the next page is on its way.
 * Adding a state with a key already added replaces it. `finish` joins merged records, links forms
 * and activities to people and credits deals; the same states in the same order give the same
 * FactSet as `buildFactSet`.
 */
export class FactSetBuilder {
  private readonly contacts = new Map<string, RecordAt<ContactView>>();
  private readonly deals = new Map<string, RecordAt<DealView>>();
  private readonly companies = new Map<string, RecordAt<CompanyView>>();
  private readonly forms = new Map<string, FormView | undefined>();
  private readonly activities = new Map<string, ActivityView | undefined>();

  constructor(
    private readonly definitions: FactDefinitions,
    private readonly asOf: number,
  ) {}

  /** The keys of every state added, those created after the as-of instant included. */
  private readonly added = new Set<string>();

  /** True when a state of this entity was added. */
  has(ref: EntityRef): boolean {
    return this.added.has(entityKey(ref));
  }

  add(state: EntityState): void {
    const { asOf, definitions } = this;
    this.added.add(entityKey(state));
    if (state.firstAt > asOf) return;
    const visible = visibleAt(state, asOf);
    const merged = fieldValue(state, 'mergedInto', asOf);
    const link = typeof merged === 'string' && merged !== state.id ? { mergedInto: merged } : {};
    switch (state.entity) {
      case 'contact':
        this.contacts.set(state.id, { view: contactView(state, asOf, definitions), visible, ...link });
        break;
      case 'deal':
        this.deals.set(state.id, { view: dealView(state, asOf, definitions), visible, ...link });
        break;
      case 'company':
        this.companies.set(state.id, { view: companyView(state, asOf, definitions), visible, ...link });
        break;
      case 'form':
        this.forms.set(state.id, visible ? formView(state, asOf) : undefined);
        break;
      case 'activity':
        this.activities.set(state.id, visible ? activityView(state, asOf) : undefined);
        break;
    }
  }

  finish(extra: FactSetExtras = {}): FactSet {
    const { asOf, definitions } = this;
    const contactOf = survivorsOf((id) => this.contacts.get(id)?.mergedInto);
    const companyOf = survivorsOf((id) => this.companies.get(id)?.mergedInto);
    const dealOf = survivorsOf((id) => this.deals.get(id)?.mergedInto);

    // People: each survivor with the records absorbed into it. A deleted survivor hides them all.
    const members = new Map<string, { survivor?: ContactView; absorbed: ContactView[]; deleted: boolean }>();
    for (const [recordId, record] of this.contacts) {
      const id = contactOf(recordId);
      const group = members.get(id) ?? { absorbed: [], deleted: false };
      members.set(id, group);
      if (id !== recordId) group.absorbed.push(record.view);
      else if (!record.visible) group.deleted = true;
      else group.survivor = record.view;
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
    const firstWithEmail = new Map<string, ContactView>();
    for (const record of everyRecord) {
      if (!record.emailHash) continue;
      const known = firstWithEmail.get(record.emailHash);
      if (!known || byCreation(record, known) < 0) firstWithEmail.set(record.emailHash, record);
    }
    for (const [emailHash, record] of firstWithEmail) byEmail.set(emailHash, contactOf(record.id));

    const companies = new Map<string, CompanyView>();
    for (const [id, record] of this.companies) {
      if (companyOf(id) !== id || !record.visible) continue;
      companies.set(id, record.view);
    }
    // A company takes the facts its contacts carry inline (a converted lead's) where it has none,
    // the first-created contact's first.
    const carrying = [...contacts.values()].filter(
      (contact) =>
        contact.companyId !== undefined &&
        (contact.inlineCompany.industry !== undefined ||
          contact.inlineCompany.employees !== undefined ||
          contact.inlineCompany.region !== undefined),
    );
    for (const contact of carrying.sort(byCreation)) {
      const company = contact.companyId ? companies.get(contact.companyId) : undefined;
      if (!company) continue;
      company.industry ??= contact.inlineCompany.industry;
      company.employees ??= contact.inlineCompany.employees;
      company.region ??= contact.inlineCompany.region;
    }

    const deals = new Map<string, DealView>();
    const otherPipelineDeals: DealView[] = [];
    const counted = definitions.pipelines?.count;
    for (const [id, record] of this.deals) {
      if (dealOf(id) !== id || !record.visible) continue;
      const deal = record.view;
      deal.contactIds = survivingIds(deal.contactIds, contactOf);
      const since = new Map<string, number>();
      for (const [contactId, at] of deal.contactSince) {
        const person = contactOf(contactId);
        since.set(person, Math.min(at, since.get(person) ?? at));
      }
      deal.contactSince = since;
      if (deal.companyId) deal.companyId = companyOf(deal.companyId);
      if (counted && deal.pipeline !== undefined && !counted.includes(deal.pipeline))
        otherPipelineDeals.push(deal);
      else deals.set(id, deal);
    }

    const formsByContact = new Map<string, FormView[]>();
    const unlinkedForms: FormView[] = [];
    for (const form of this.forms.values()) {
      if (!form) continue;
      const named = form.contactId ? contactOf(form.contactId) : undefined;
      const contactId = named ?? (form.emailHash ? byEmail.get(form.emailHash) : undefined);
      if (contactId && contacts.has(contactId)) pushTo(formsByContact, contactId, form);
      else unlinkedForms.push(form);
    }
    const activitiesByContact = new Map<string, ActivityView[]>();
    for (const activity of this.activities.values())
      if (activity?.contactId) pushTo(activitiesByContact, contactOf(activity.contactId), activity);
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
}

export type { Attribution };
