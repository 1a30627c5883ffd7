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
 * There is no index from a contact to its forms or to the deliveries that carried them: keeping
 * one would cost an index write per form or per delivery on every webhook, for a rare command.
 * Erasure reads every kept delivery instead (a Query per raw shard, quarantine by receipt month
 * from its first receipt; no Scan), splits batches into their items and re-parses each item with
 * its source's adapter: items about the contact (its own record, forms it submitted) are taken
 * out, items about other records stay, so `samepage replay` still rebuilds everyone else. A
 * delivery left empty is deleted. Items that no longer parse (quarantine) are matched on the text
 * of the contact's id and email tokens. Deals and activities that name the contact keep its CRM
 * id: links, not personal data.
 *
 * The forms to rewrite are the ones those items name, rewritten before their delivery is changed,
 * so a run stopped half-way finds them again. A form that names the contact by id with an email
 * the contact's record never had teaches that email's hash (other forms may carry it alone): the
 * deliveries that teach one are changed last, after every other delivery was read with it, and
 * the deliveries read before it was learned are read again.
 *
 * A later delivery about the contact writes its fields again: erase the person in the CRM (the
 * source of truth) first. HubSpot's `contact.privacyDeletion` already clears the email hash.
 */

/** Contact fields that describe the person, not the sales facts; no metric reads them. */
export const PERSONAL_CONTACT_FIELDS = ['emailHash', 'title'] as const;
/** Form fields that identify the submitter; the link to the contact is kept through its CRM id. */
export const PERSONAL_FORM_FIELDS = ['emailHash'] as const;

/** Where erasure and minimising start reading raw deliveries (the range filters; it does not seek). */
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
 * nothing left and reports zeros. Forms go before the delivery that names them, deliveries before
 * the contact, so a run stopped half-way still knows the contact's email hashes and forms when it
 * is run again.
 */
export async function forgetContact(deps: ForgetDeps, contactId: string): Promise<ForgetReport> {
  if (!contactIdSchema.safeParse(contactId).success) throw new ContactIdError(contactId);
  const { store } = deps;
  const contactRef: EntityRef = { entity: 'contact', id: contactId };
  const contact = (await store.getEntities([contactRef])).get(entityKey(contactRef))?.state;
  // The hashes kept on the contact outlive every step but the last, so a rerun starts from them.
  const durableHashes = new Set(stringHistory(contact, 'emailHash'));

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
    durableHashes,
    await deps.secrets.get(emailHashKeyName(deps.config)),
  );
  const forms = new FormRewriter(deps, contactId, report);
  const now = deps.clock() + 1;
  const firstQuarantinedAt = await store.firstQuarantinedAt();
  /** Deliveries that teach a hash the contact's record does not keep: changed last. */
  const teaching = new Map<string, { kind: DeliveryKind; delivery: RawDelivery | QuarantinedDelivery }>();

  const visit = async (kind: DeliveryKind, delivery: RawDelivery | QuarantinedDelivery) => {
    report.deliveriesRead++;
    const found = matcher.inspect(delivery.source, delivery.body, delivery.receivedAt);
    if (found.taught.some((hash) => !durableHashes.has(hash))) {
      matcher.learn(found.taught);
      teaching.set(`${kind}#${delivery.deliveryKey}`, { kind, delivery });
      return;
    }
    await forms.rewrite(found.forms);
    count(report, kind, await eraseItems(store, kind, delivery, found));
  };
  // Another pass only when a pass learned a hash: the deliveries read before it are read again.
  for (let known = -1; known !== matcher.hashCount; ) {
    known = matcher.hashCount;
    for await (const delivery of store.rawDeliveries({ from: FIRST_RECEIPT, to: now })) {
      await visit('raw', delivery);
    }
    if (firstQuarantinedAt !== undefined) {
      for await (const delivery of store.quarantinedDeliveries({ from: firstQuarantinedAt, to: now })) {
        await visit('quarantine', delivery);
      }
    }
  }
  for (const { kind, delivery } of teaching.values()) {
    const found = matcher.inspect(delivery.source, delivery.body, delivery.receivedAt);
    await forms.rewrite(found.forms);
    count(report, kind, await eraseItems(store, kind, delivery, found));
  }

  report.contactFieldsRemoved = await rewriteEntity(deps, contactRef, (state) => {
    const next = withoutFields(state, PERSONAL_CONTACT_FIELDS);
    return next.removed.length === 0 ? undefined : next.state;
  });
  return report;
}

function count(report: ForgetReport, kind: DeliveryKind, outcome: 'deleted' | 'redacted' | 'untouched') {
  if (outcome === 'untouched') return;
  if (kind === 'raw') {
    if (outcome === 'deleted') report.rawDeliveriesDeleted++;
    else report.rawDeliveriesRedacted++;
  } else if (outcome === 'deleted') report.quarantinedDeleted++;
  else report.quarantinedRedacted++;
}

/** Takes the contact's email hash out of the forms the deliveries name, each form once per run. */
class FormRewriter {
  private readonly done = new Set<string>();

  constructor(
    private readonly deps: ForgetDeps,
    private readonly contactId: string,
    private readonly report: ForgetReport,
  ) {}

  async rewrite(forms: readonly EntityRef[]): Promise<void> {
    for (const ref of forms) {
      const key = entityKey(ref);
      if (this.done.has(key)) continue;
      this.done.add(key);
      const changed = await rewriteEntity(this.deps, ref, (form) => {
        const next = withoutFields(form, PERSONAL_FORM_FIELDS);
        if (next.removed.length === 0) return undefined;
        if (next.state.fields.contactId === undefined) {
          next.state.fields.contactId = [{ at: form.firstAt, value: this.contactId }];
        }
        return next.state;
      });
      if (changed.length > 0) this.report.formsRedacted++;
    }
  }
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

/** What one delivery holds about the contact. */
interface DeliveryFindings {
  split: SplitDelivery;
  /** Whether each item (in `split.items` order) is about the contact. */
  about: boolean[];
  /** The forms the items about the contact name. */
  forms: EntityRef[];
  /** Email hashes of forms that name the contact by its id. */
  taught: string[];
}

/** Decides which delivery items are about the contact, and which forms they name. */
class ContactMatcher {
  private mentions: RegExp;
  private readonly hashEmail: EmailHasher;
  private readonly hashes: Set<string>;

  constructor(
    private readonly deps: ForgetDeps,
    private readonly contactId: string,
    hashes: ReadonlySet<string>,
    emailHashKey: string,
  ) {
    this.hashEmail = emailHasher(emailHashKey);
    this.hashes = new Set(hashes);
    this.mentions = this.mentionPattern();
  }

  get hashCount(): number {
    return this.hashes.size;
  }

  /** Adds hashes the contact's forms taught. */
  learn(hashes: readonly string[]): void {
    const before = this.hashes.size;
    for (const hash of hashes) this.hashes.add(hash);
    if (this.hashes.size !== before) this.mentions = this.mentionPattern();
  }

  /** A record id as a whole token (not inside a longer id or number), or one of its email tokens. */
  private mentionPattern(): RegExp {
    const systemId = this.contactId.slice(this.contactId.indexOf(':') + 1);
    const tokens = [this.contactId, systemId].map((id) => `(?<![\\w-])${escapeRegExp(id)}(?![\\w-])`);
    for (const hash of this.hashes) tokens.push(`emailhash:${hash}`);
    return new RegExp(tokens.join('|'));
  }

  private about(event: CanonicalEvent): boolean {
    if (event.entity === 'contact') return event.id === this.contactId;
    if (event.entity !== 'form') return false;
    const { contactId, emailHash } = event.fields;
    return contactId === this.contactId || (typeof emailHash === 'string' && this.hashes.has(emailHash));
  }

  inspect(source: SourceName, body: string, receivedAt: number): DeliveryFindings {
    const split = splitDelivery(source, body);
    const findings: DeliveryFindings = { split, about: [], forms: [], taught: [] };
    for (const item of split.items) {
      const events = this.parse(source, item, receivedAt);
      if (events === undefined) {
        // Nothing usable parsed from it (a quarantined item): judge by the ids and tokens it names.
        findings.about.push(this.mentions.test(item.body));
        continue;
      }
      const about = events.filter((event) => this.about(event));
      findings.about.push(about.length > 0);
      for (const event of about) {
        if (event.entity !== 'form') continue;
        findings.forms.push({ entity: event.entity, id: event.id });
        const { contactId, emailHash } = event.fields;
        if (contactId === this.contactId && typeof emailHash === 'string') findings.taught.push(emailHash);
      }
    }
    return findings;
  }

  /** The item's events, or undefined when it yields none (it does not parse, or holds nothing). */
  private parse(source: SourceName, item: DeliveryItem, receivedAt: number): CanonicalEvent[] | undefined {
    const adapter = adapterFor(source);
    if (!adapter) return undefined;
    try {
      const parsed = adapter.parse(item.body, {
        config: this.deps.config,
        hashEmail: this.hashEmail,
        receivedAt,
      });
      return parsed.events.length > 0 ? parsed.events : undefined;
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return undefined;
    }
  }
}

async function eraseItems(
  store: Store,
  kind: DeliveryKind,
  delivery: RawDelivery | QuarantinedDelivery,
  found: DeliveryFindings,
): Promise<'deleted' | 'redacted' | 'untouched'> {
  const kept = found.split.items.filter((_, index) => found.about[index] !== true);
  if (kept.length === found.split.items.length) return 'untouched';
  if (kept.length === 0) {
    await store.deleteDelivery(kind, delivery.deliveryKey);
    return 'deleted';
  }
  await store.replaceDeliveryBody(kind, delivery.deliveryKey, found.split.join(kept));
  return 'redacted';
}
