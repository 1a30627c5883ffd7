import * as z from 'zod';
import type { ClientConfig, SourceName } from '../config/schema.ts';
import { emailHashKeyName } from '../config/secrets.ts';
import { ValidationError } from '../errors.ts';
import { type CanonicalEvent, entityKey } from '../model/events.ts';
import type { Clock } from '../ports/clock.ts';
import type { Secrets } from '../ports/secrets.ts';
import type { DeliveryKind, EntityRef, QuarantinedDelivery, RawDelivery, Store } from '../ports/store.ts';
import { type EmailHasher, emailHasher } from '../privacy.ts';
import { indexTimes } from '../projection/index-times.ts';
import type { EntityState } from '../projection/state.ts';
import { adapterFor } from '../sources/registry.ts';
import type { DeliveryItem, SplitDelivery } from '../sources/types.ts';

/**
 * Erasure of one contact (`samepage forget`). The projection keeps few personal fields (no names,
 * no addresses: DESIGN.md "store as little personal data as the metrics need"); of those, the
 * contact's email hash and job title describe the person and feed no metric, so they go with their
 * whole history. Stages and their times, source, owner, seniority, company link and reasons are the
 * sales facts the packets count, tied to a CRM id rather than to a person, and stay.
 *
 * Forms linked to the contact only through the email hash are linked by the contact's CRM id
 * instead, so the SLA clock a high-intent form started does not move when the hash goes.
 *
 * Raw and quarantined deliveries have no index from an entity to the deliveries that carried it:
 * keeping one would cost a write per entity per delivery on every webhook (the ingest bar is ≤ 2
 * writes per event). Erasure is rare, so it reads every kept delivery instead (Query by receipt
 * month, no Scan), splits batches into their items and re-parses each item with its source's
 * adapter: items about the contact (its own record, forms it submitted) are taken out, items about
 * other records stay, so `samepage replay` still rebuilds everyone else. A delivery left empty is
 * deleted. Items that no longer parse (quarantine) are matched on the text of the contact's id and
 * email tokens. Deals and activities that name the contact keep its CRM id: links, not personal data.
 *
 * A later delivery about the contact writes its fields again: erase the person in the CRM (the
 * source of truth) first. HubSpot's `contact.privacyDeletion` already clears the email hash.
 */

/** Contact fields that describe the person, not the sales facts; no metric reads them. */
export const PERSONAL_CONTACT_FIELDS = ['emailHash', 'title'] as const;
/** Form fields that identify the submitter; the link to the contact is kept through its CRM id. */
export const PERSONAL_FORM_FIELDS = ['emailHash'] as const;

/** Deliveries are indexed by receipt month; erasure and minimising walk every month since this one. */
export const FIRST_RECEIPT = Date.UTC(2000, 0, 1);
const MAX_WRITE_ATTEMPTS = 8;

export interface ForgetDeps {
  config: ClientConfig;
  store: Store;
  secrets: Secrets;
  clock: Clock;
}

export interface ForgetReport {
  /** `<system>:<id>` of the contact. */
  contactId: string;
  /** Whether the projections hold the contact at all. */
  contactFound: boolean;
  /** Personal fields removed from the contact (empty when none were left). */
  contactFieldsRemoved: string[];
  /** Forms whose email hash was removed (and linked to the contact by its id instead). */
  formsRedacted: number;
  rawDeliveriesDeleted: number;
  /** Raw deliveries kept with the contact's items taken out. */
  rawDeliveriesRedacted: number;
  quarantinedDeleted: number;
  quarantinedRedacted: number;
  /** Raw and quarantined deliveries read to find the contact's items. */
  deliveriesRead: number;
}

/** A contact as samepage keys it: `<system>:<id>`, e.g. `hubspot:1246965` or `generic:c-1`. */
export const contactIdSchema = z
  .string()
  .regex(/^[a-z][a-z0-9-]*:.+$/, 'expected a contact id as <system>:<id> (e.g. hubspot:1246965)');

export class ContactIdError extends Error {
  override readonly name = 'ContactIdError';
  constructor(readonly contactId: string) {
    super(`expected a contact id as <system>:<id> (e.g. hubspot:1246965), got ${JSON.stringify(contactId)}`);
  }
}

/** True when a run changed nothing: the contact was already forgotten (or never known). */
export function removedNothing(report: ForgetReport): boolean {
  return (
    report.contactFieldsRemoved.length === 0 &&
    report.formsRedacted +
      report.rawDeliveriesDeleted +
      report.rawDeliveriesRedacted +
      report.quarantinedDeleted +
      report.quarantinedRedacted ===
      0
  );
}

/**
 * Forgets one contact's personal data everywhere samepage keeps it. Idempotent: a second run finds
 * nothing left and reports zeros. Deliveries go first and the contact last, so a run stopped
 * half-way still knows the contact's email hashes when it is run again.
 */
export async function forgetContact(deps: ForgetDeps, contactId: string): Promise<ForgetReport> {
  if (!contactIdSchema.safeParse(contactId).success) throw new ContactIdError(contactId);
  const { store } = deps;
  const contactRef: EntityRef = { entity: 'contact', id: contactId };
  const contact = (await store.getEntities([contactRef])).get(entityKey(contactRef))?.state;
  const ownedForms = (await collect(store.entitiesOwnedBy({ contact: contactId }))).filter(
    (state) => state.entity === 'form',
  );
  const hashes = new Set<string>([
    ...stringHistory(contact, 'emailHash'),
    ...ownedForms.flatMap((form) => stringHistory(form, 'emailHash')),
  ]);

  const report: ForgetReport = {
    contactId,
    contactFound: contact !== undefined,
    contactFieldsRemoved: [],
    formsRedacted: 0,
    rawDeliveriesDeleted: 0,
    rawDeliveriesRedacted: 0,
    quarantinedDeleted: 0,
    quarantinedRedacted: 0,
    deliveriesRead: 0,
  };

  const matcher = new ContactMatcher(
    deps,
    contactId,
    hashes,
    await deps.secrets.get(emailHashKeyName(deps.config)),
  );
  const range = { from: FIRST_RECEIPT, to: deps.clock() + 1 };
  for await (const delivery of store.rawDeliveries(range)) {
    report.deliveriesRead++;
    const outcome = await eraseFromDelivery(store, 'raw', delivery, matcher);
    if (outcome === 'deleted') report.rawDeliveriesDeleted++;
    if (outcome === 'redacted') report.rawDeliveriesRedacted++;
  }
  for await (const delivery of store.quarantinedDeliveries(range)) {
    report.deliveriesRead++;
    const outcome = await eraseFromDelivery(store, 'quarantine', delivery, matcher);
    if (outcome === 'deleted') report.quarantinedDeleted++;
    if (outcome === 'redacted') report.quarantinedRedacted++;
  }

  const forms = new Map<string, EntityRef>(ownedForms.map((form) => [entityKey(form), form]));
  for (const hash of hashes) {
    for await (const form of store.entitiesOwnedBy({ email: hash })) {
      if (form.entity === 'form') forms.set(entityKey(form), form);
    }
  }
  for (const ref of forms.values()) {
    const changed = await rewriteEntity(deps, ref, (form) => {
      const next = withoutFields(form, PERSONAL_FORM_FIELDS);
      if (next.removed.length === 0) return undefined;
      if (next.state.fields.contactId === undefined) {
        next.state.fields.contactId = [{ at: form.firstAt, value: contactId }];
      }
      return next.state;
    });
    if (changed.length > 0) report.formsRedacted++;
  }

  report.contactFieldsRemoved = await rewriteEntity(deps, contactRef, (state) => {
    const next = withoutFields(state, PERSONAL_CONTACT_FIELDS);
    return next.removed.length === 0 ? undefined : next.state;
  });
  return report;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const found: T[] = [];
  for await (const item of items) found.push(item);
  return found;
}

/** Every string value a field ever had (its kept history), e.g. a contact's old email hashes. */
function stringHistory(state: EntityState | undefined, field: string): string[] {
  return (state?.fields[field] ?? []).flatMap((entry) =>
    typeof entry.value === 'string' ? [entry.value] : [],
  );
}

function withoutFields(
  state: EntityState,
  fields: readonly string[],
): { state: EntityState; removed: string[] } {
  const kept = { ...state.fields };
  const removed = fields.filter((field) => field in kept);
  for (const field of removed) delete kept[field];
  return { state: { ...state, fields: kept }, removed };
}

/**
 * Rewrites a stored entity with a conditional write (re-reading when a delivery wrote first).
 * `change` returns undefined when there is nothing to change. Returns the fields removed.
 */
async function rewriteEntity(
  deps: ForgetDeps,
  ref: EntityRef,
  change: (state: EntityState) => EntityState | undefined,
): Promise<string[]> {
  const key = entityKey(ref);
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const stored = (await deps.store.getEntities([ref])).get(key);
    if (!stored) return [];
    const next = change(stored.state);
    if (!next) return [];
    if (await deps.store.putEntity(next, indexTimes(next, deps.config), stored.version)) {
      return Object.keys(stored.state.fields)
        .filter((field) => !(field in next.fields))
        .sort();
    }
  }
  throw new Error(`gave up rewriting ${key} after ${MAX_WRITE_ATTEMPTS} concurrent updates`);
}

// --- deliveries ---

/** A delivery's items as its source batches them; a source that does not batch (or a body that does not parse) is one item. */
function splitDelivery(source: SourceName, body: string): SplitDelivery {
  return adapterFor(source)?.split?.(body) ?? { items: [{ body, part: body }], join: () => body };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Decides whether one delivery item is about the contact. */
class ContactMatcher {
  private readonly mentions: RegExp;
  private readonly hashEmail: EmailHasher;

  constructor(
    private readonly deps: ForgetDeps,
    private readonly contactId: string,
    private readonly hashes: ReadonlySet<string>,
    emailHashKey: string,
  ) {
    this.hashEmail = emailHasher(emailHashKey);
    const systemId = contactId.slice(contactId.indexOf(':') + 1);
    // A record id as a whole token (not inside a longer id or number), or one of its email tokens.
    const tokens = [contactId, systemId].map((id) => `(?<![\\w-])${escapeRegExp(id)}(?![\\w-])`);
    for (const hash of hashes) tokens.push(`emailhash:${hash}`);
    this.mentions = new RegExp(tokens.join('|'));
  }

  private about(event: CanonicalEvent): boolean {
    if (event.entity === 'contact') return event.id === this.contactId;
    if (event.entity !== 'form') return false;
    const { contactId, emailHash } = event.fields;
    return contactId === this.contactId || (typeof emailHash === 'string' && this.hashes.has(emailHash));
  }

  matches(source: SourceName, item: DeliveryItem, receivedAt: number): boolean {
    const adapter = adapterFor(source);
    if (adapter) {
      try {
        const parsed = adapter.parse(item.body, {
          config: this.deps.config,
          hashEmail: this.hashEmail,
          receivedAt,
        });
        if (parsed.events.length > 0) return parsed.events.some((event) => this.about(event));
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
      }
    }
    // Nothing usable parsed from it (a quarantined item): judge by the ids and tokens it names.
    return this.mentions.test(item.body);
  }
}

async function eraseFromDelivery(
  store: Store,
  kind: DeliveryKind,
  delivery: RawDelivery | QuarantinedDelivery,
  matcher: ContactMatcher,
): Promise<'deleted' | 'redacted' | 'untouched'> {
  const split = splitDelivery(delivery.source, delivery.body);
  const kept = split.items.filter((item) => !matcher.matches(delivery.source, item, delivery.receivedAt));
  if (kept.length === split.items.length) return 'untouched';
  if (kept.length === 0) {
    await store.deleteDelivery(kind, delivery.deliveryKey);
    return 'deleted';
  }
  await store.replaceDeliveryBody(kind, delivery.deliveryKey, split.join(kept));
  return 'redacted';
}
