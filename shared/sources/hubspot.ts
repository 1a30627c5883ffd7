import { DateTime } from 'luxon';
import * as z from 'zod';
import type { ClientConfig } from '../config/schema.ts';
import {
  AuthenticationError,
  type FieldProblem,
  problemsFromZod,
  UnknownSourceError,
  ValidationError,
} from '../errors.ts';
import {
  type CanonicalEvent,
  CONTACT_LINK_PREFIX,
  ENTITY_FIELDS,
  type FieldValue,
  type ForecastCategory,
  MERGED_FROM_PREFIX,
  qualifyId,
} from '../model/events.ts';
import { emailOrToken } from '../privacy.ts';
import {
  HUBSPOT_MAX_TIMESTAMP_SKEW_MS,
  hubspotSignatureV3,
  hubspotSignedUri,
  withoutQuery,
} from './hubspot-signature.ts';
import { mapLifecycle } from './mapping.ts';
import {
  jsonAnswer,
  jsonItems,
  type KeepContext,
  type ParseContext,
  type ParsedDelivery,
  type SourceAdapter,
} from './types.ts';
import { constantTimeEqual, parseJsonBody } from './wire.ts';

/**
 * HubSpot app webhooks (Webhooks API): v3-signed JSON arrays of thin events, one property per
 * event. `eventId` is not unique across subscriptions, so nothing here keys on it: the delivery
 * key is the body, and the projection merges fields last-writer-wins by `occurredAt`.
 */

const SYSTEM = 'hubspot';
export const MAX_HUBSPOT_EVENTS = 100;

export type HubSpotObject = 'contact' | 'company' | 'deal';
/** HubSpot property name → canonical field of the entity. */
export type PropertyMap = Readonly<Record<string, string>>;

export const HUBSPOT_CONTACT_PROPERTIES: PropertyMap = {
  lifecyclestage: 'stage',
  hs_lead_status: 'stage',
  hs_analytics_source: 'source',
  hubspot_owner_id: 'owner',
  jobtitle: 'title',
  hs_seniority: 'seniority',
  email: 'emailHash',
  associatedcompanyid: 'companyId',
  disqualification_reason: 'reason',
};

export const HUBSPOT_COMPANY_PROPERTIES: PropertyMap = {
  name: 'name',
  domain: 'domain',
  industry: 'industry',
  numberofemployees: 'employees',
  country: 'country',
  region: 'region',
};

export const HUBSPOT_DEAL_PROPERTIES: PropertyMap = {
  dealstage: 'stage',
  amount: 'amount',
  // "Amount in company currency": the amount converted at the portal's exchange rates
  // (https://knowledge.hubspot.com/crm-deals/hubspots-default-deal-properties).
  amount_in_home_currency: 'homeAmount',
  deal_currency_code: 'currency',
  pipeline: 'pipeline',
  hubspot_owner_id: 'owner',
  closed_lost_reason: 'reason',
  hs_analytics_source: 'source',
  // The forecast. "Close date: the day the deal is expected to close, or was closed"
  // (https://knowledge.hubspot.com/crm-deals/hubspots-default-deal-properties); it is a datetime
  // property, an instant (https://developers.hubspot.com/docs/faq/how-should-timestamps-be-formatted-for-hubspots-apis),
  // read as the client's local date (hubspotCloseDate).
  closedate: 'closeDate',
  // Both probabilities are 0–1. hs_deal_stage_probability follows the deal stage; hs_forecast_probability
  // is the one a rep or manager sets on the deal for the forecast. The judgement about this deal beats
  // its stage's default, so the forecast probability is listed last: in a workflow snapshot, which
  // applies the map in order, it wins whenever it has a value. App webhooks send each property as
  // its own change, so there the later change wins (a stage move after a manual forecast replaces it).
  hs_deal_stage_probability: 'probability',
  hs_forecast_probability: 'probability',
  // Forecast categories: "Users can also manually update the forecast category for an individual
  // deal from the deal record" (https://knowledge.hubspot.com/forecast/set-up-the-forecast-tool).
  hs_manual_forecast_category: 'forecastCategory',
};

export const HUBSPOT_PROPERTY_MAPS: Readonly<Record<HubSpotObject, PropertyMap>> = {
  contact: HUBSPOT_CONTACT_PROPERTIES,
  company: HUBSPOT_COMPANY_PROPERTIES,
  deal: HUBSPOT_DEAL_PROPERTIES,
};

/** The defaults with the config's overrides merged on top (later keys win on a shared field). */
export function hubspotPropertyMap(object: HubSpotObject, overrides?: Record<string, string>): PropertyMap {
  return { ...HUBSPOT_PROPERTY_MAPS[object], ...overrides };
}

/** Every object's map with the app webhooks' overrides (`sources.hubspot.properties`). */
function appPropertyMaps(
  overrides: Partial<Record<HubSpotObject, Record<string, string>>> | undefined,
): Readonly<Record<HubSpotObject, PropertyMap>> {
  return {
    contact: hubspotPropertyMap('contact', overrides?.contact),
    company: hubspotPropertyMap('company', overrides?.company),
    deal: hubspotPropertyMap('deal', overrides?.deal),
  };
}

export type PropertyResult =
  | { kind: 'field'; field: string; value: FieldValue }
  | { kind: 'ignored'; reason: string }
  | { kind: 'problem'; message: string };

const REFERENCE_FIELDS = new Set(['companyId', 'contactId', 'mergedInto']);
const LIST_FIELDS = new Set(['contactIds', 'tech']);

function numberFrom(raw: string | number, field: string, integer: boolean): PropertyResult {
  const value = typeof raw === 'number' ? raw : raw.trim() === '' ? Number.NaN : Number(raw.trim());
  // The value is described, never quoted: a problem message is stored and shown, and a field
  // that should hold an amount sometimes holds what a person typed.
  const got = !Number.isFinite(value)
    ? typeof raw === 'number'
      ? 'a number that is not finite'
      : 'text that is not a number'
    : value < 0
      ? 'a negative number'
      : integer && !Number.isInteger(value)
        ? 'a fraction'
        : undefined;
  if (got !== undefined) {
    return {
      kind: 'problem',
      message: `expected ${integer ? 'a whole number' : 'a number'} ≥ 0 for ${field}, got ${got}`,
    };
  }
  return { kind: 'field', field, value };
}

/**
 * hs_manual_forecast_category's internal values (its labels: Not forecasted, Pipeline, Best case,
 * Commit, Closed won), as the property's definition lists them. CLOSED is a won deal: it is
 * counted through its won stage, and while it is read as open it is at least as sure as commit,
 * so it joins commit (Salesforce's Closed category is mapped the same way). Canonical names are
 * accepted too, for a custom property a config maps to forecastCategory.
 */
export const HUBSPOT_FORECAST_CATEGORIES: Readonly<Record<string, ForecastCategory>> = {
  OMIT: 'omitted',
  PIPELINE: 'pipeline',
  BEST_CASE: 'best_case',
  COMMIT: 'commit',
  CLOSED: 'commit',
  OMITTED: 'omitted',
};
const HUBSPOT_CATEGORY_VALUES = 'OMIT, PIPELINE, BEST_CASE, COMMIT, CLOSED';

function forecastCategoryFrom(text: string): PropertyResult {
  const key = text.toUpperCase();
  const category = Object.hasOwn(HUBSPOT_FORECAST_CATEGORIES, key)
    ? HUBSPOT_FORECAST_CATEGORIES[key]
    : undefined;
  if (category === undefined) {
    return {
      kind: 'problem',
      message: `expected one of ${HUBSPOT_CATEGORY_VALUES} for forecastCategory`,
    };
  }
  return { kind: 'field', field: 'forecastCategory', value: category };
}

function probabilityFrom(raw: string | number): PropertyResult {
  const value = typeof raw === 'number' ? raw : Number(raw.trim());
  if (!Number.isFinite(value) || value < 0 || value > 1) {
    return { kind: 'problem', message: 'expected a number from 0 to 1 for probability' };
  }
  return { kind: 'field', field: 'probability', value };
}

/**
 * HubSpot's closedate → the client's local date "YYYY-MM-DD". The value is an instant (epoch
 * milliseconds, or ISO-8601 with a time); 2026-12-31T03:00:00Z is 2026-12-30 in New York. A bare
 * date "YYYY-MM-DD" (a custom date property mapped by the config) is kept as that date.
 */
export function hubspotCloseDate(raw: string | number, timezone: string): string | undefined {
  const text = typeof raw === 'number' ? String(raw) : raw.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const date = DateTime.fromISO(text, { zone: 'utc' });
    return date.isValid ? text : undefined;
  }
  let instant: DateTime;
  if (/^-?\d+$/.test(text)) instant = DateTime.fromMillis(Number(text), { zone: timezone });
  else if (/^\d{4}-\d{2}-\d{2}T/.test(text)) instant = DateTime.fromISO(text, { zone: timezone });
  else return undefined;
  return instant.isValid ? (instant.toISODate() ?? undefined) : undefined;
}

/** What mapping a property needs besides the property maps. */
export type HubSpotMappingContext = Pick<ParseContext, 'config' | 'hashEmail'>;

/**
 * The portal's company currency, in which HubSpot reports `amount_in_home_currency`:
 * `sources.hubspot.homeCurrency`, else the client's own.
 */
export function hubspotHomeCurrency(config: ClientConfig): string {
  return config.sources.hubspot?.homeCurrency ?? config.currency;
}

/**
 * One HubSpot property value → one canonical field. HubSpot sends every value as a string; an
 * empty string clears the field. Contact stages go through the config's lifecycle: a value that
 * maps to no canonical stage (e.g. `subscriber`, lead status `NEW`) is not a stage change. Deal
 * stages are kept as HubSpot sent them (custom pipelines send numeric ids); `sources.hubspot.stages`
 * maps them when facts are read (canonicalDealStage).
 */
export function mapHubSpotProperty(
  object: HubSpotObject,
  map: PropertyMap,
  name: string,
  raw: string | number | boolean | null,
  context: HubSpotMappingContext,
): PropertyResult {
  const field = Object.hasOwn(map, name) ? map[name] : undefined;
  if (field === undefined) return { kind: 'ignored', reason: `property:${object}.${name}` };
  if (!(ENTITY_FIELDS[object] as readonly string[]).includes(field)) {
    return {
      kind: 'problem',
      message: `the config maps ${object} property "${name}" to "${field}", which is not a ${object} field (${ENTITY_FIELDS[object].join(', ')})`,
    };
  }
  if (field === 'homeAmount') {
    // A home amount in another currency than the client's would be summed as if it were theirs.
    const home = hubspotHomeCurrency(context.config);
    if (home !== context.config.currency) return { kind: 'ignored', reason: `homeAmount:${home}` };
  }
  const cleared = raw === null || (typeof raw === 'string' && raw.trim() === '');
  if (object === 'contact' && field === 'stage') {
    // Two properties feed the contact stage: clearing one of them is no stage change.
    if (cleared) return { kind: 'ignored', reason: `unmappedStage:${name}=` };
    const stage = mapLifecycle(context.config, String(raw).trim());
    return stage === undefined
      ? { kind: 'ignored', reason: `unmappedStage:${name}=${String(raw).trim()}` }
      : { kind: 'field', field, value: stage };
  }
  if (cleared) return { kind: 'field', field, value: null };
  if (field === 'amount' || field === 'homeAmount' || field === 'employees') {
    if (typeof raw === 'boolean') return { kind: 'problem', message: `expected a number for ${field}` };
    return numberFrom(raw, field, field === 'employees');
  }
  if (field === 'probability') {
    if (typeof raw === 'boolean')
      return { kind: 'problem', message: 'expected a number from 0 to 1 for probability' };
    return probabilityFrom(raw);
  }
  if (field === 'closeDate') {
    const date = typeof raw === 'boolean' ? undefined : hubspotCloseDate(raw, context.config.timezone);
    return date === undefined
      ? {
          kind: 'problem',
          message: 'expected epoch milliseconds, an ISO-8601 time or a date YYYY-MM-DD for closeDate',
        }
      : { kind: 'field', field, value: date };
  }
  const text = String(raw).trim();
  if (field === 'forecastCategory') return forecastCategoryFrom(text);
  if (field === 'deleted') {
    if (text === 'true' || text === 'false') return { kind: 'field', field, value: text === 'true' };
    return { kind: 'problem', message: 'expected true or false for deleted' };
  }
  if (field === 'emailHash') {
    // The value is never echoed: it may be an address.
    if (!emailOrToken.safeParse(text).success)
      return { kind: 'problem', message: 'expected an email address' };
    return { kind: 'field', field, value: context.hashEmail(text) };
  }
  if (field === 'stage') return { kind: 'field', field, value: text };
  if (field === 'currency' && !/^[A-Z]{3}$/.test(text)) {
    return { kind: 'problem', message: 'expected an ISO 4217 code (three capital letters) for currency' };
  }
  if (REFERENCE_FIELDS.has(field)) return { kind: 'field', field, value: qualifyId(SYSTEM, text) };
  if (LIST_FIELDS.has(field)) {
    // HubSpot multi-value properties separate their values with ";".
    const values = text
      .split(';')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    return {
      kind: 'field',
      field,
      value: field === 'contactIds' ? values.map((v) => qualifyId(SYSTEM, v)) : values,
    };
  }
  return { kind: 'field', field, value: text };
}

/**
 * Stands in for a mapped value that is a problem (text where a number, a date, a category, a
 * currency code or an email address belongs): it fails every one of those checks, so the kept body
 * reports the problem at the same path without keeping what was typed there.
 */
const NOT_A_VALUE = 'not a valid value';

/**
 * A mapped property's value as it is kept, judged by the same mapping that parses it: an email
 * becomes its `emailhash:` token (which hashes to the same hash), a value that is a problem becomes
 * NOT_A_VALUE, anything else is kept as it came. Parsing the kept value gives the same field,
 * the same ignored reason, or a problem at the same path.
 */
export function keptPropertyValue(
  object: HubSpotObject,
  map: PropertyMap,
  name: string,
  raw: string | number | boolean | null,
  context: HubSpotMappingContext,
): string | number | boolean | null {
  const result = mapHubSpotProperty(object, map, name, raw, context);
  if (result.kind === 'problem') return NOT_A_VALUE;
  if (result.kind === 'field' && result.field === 'emailHash' && typeof result.value === 'string') {
    return `emailhash:${result.value}`;
  }
  return raw;
}

/** Accumulates one delivery's events, problems and ignored counts. */
export class DeliveryBuilder {
  readonly events: CanonicalEvent[] = [];
  readonly problems: FieldProblem[] = [];
  readonly ignored: Record<string, number> = {};

  ignore(reason: string): void {
    this.ignored[reason] = (this.ignored[reason] ?? 0) + 1;
  }

  problem(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  result(): ParsedDelivery {
    return { events: this.events, problems: this.problems, ignored: this.ignored };
  }
}

/** HubSpot ids are JSON numbers (sometimes strings); beyond 2^53 a JSON number has lost digits. */
export const hubspotId = z
  .union([
    z
      .number()
      .int()
      .nonnegative()
      .refine(Number.isSafeInteger, 'id is beyond 2^53 and lost precision as a JSON number'),
    z.string().regex(/^\d+$/, 'expected a numeric HubSpot id'),
  ])
  .transform(String);

const itemSchema = z.looseObject({
  subscriptionType: z.string().min(1).optional(),
  eventType: z.string().min(1).optional(),
  portalId: z.union([z.number().int(), z.string().regex(/^\d+$/).transform(Number)]),
  occurredAt: z.number().int().positive(),
  objectId: hubspotId.optional(),
  objectTypeId: z.string().optional(),
  propertyName: z.string().min(1).optional(),
  propertyValue: z.string().optional(),
  associationType: z.string().optional(),
  fromObjectId: hubspotId.optional(),
  toObjectId: hubspotId.optional(),
  fromObjectTypeId: z.string().optional(),
  toObjectTypeId: z.string().optional(),
  associationRemoved: z.boolean().optional(),
  isPrimaryAssociation: z.boolean().optional(),
  primaryObjectId: hubspotId.optional(),
  mergedObjectIds: z.array(hubspotId).optional(),
  newObjectId: hubspotId.optional(),
});
type HubSpotItem = z.infer<typeof itemSchema>;
/** The keys of an event that parsing reads; the rest (eventId, appId, changeSource, sourceId, …) is not kept. */
const ITEM_KEYS: readonly string[] = Object.keys(itemSchema.shape);
/** The one action whose event carries a property value. */
const PROPERTY_CHANGE = 'propertyChange';

const CLASSIC_OBJECTS: Readonly<Record<string, HubSpotObject>> = {
  contact: 'contact',
  company: 'company',
  deal: 'deal',
};
/** Generic `object.*` subscriptions name the object by its type id. */
export const HUBSPOT_OBJECT_TYPE_IDS: Readonly<Record<string, HubSpotObject>> = {
  '0-1': 'contact',
  '0-2': 'company',
  '0-3': 'deal',
};
const ASSOCIATION_TYPE = /^(CONTACT|COMPANY|DEAL)_TO_(CONTACT|COMPANY|DEAL)(?:_|$)/;

interface ItemContext extends HubSpotMappingContext {
  portalId: number;
  maps: Readonly<Record<HubSpotObject, PropertyMap>>;
  out: DeliveryBuilder;
}

function lookup<T>(table: Readonly<Record<string, T>>, key: string | undefined): T | undefined {
  return key !== undefined && Object.hasOwn(table, key) ? table[key] : undefined;
}

/** `contact.propertyChange` → its prefix and action; undefined when the kind is not `prefix.action`. */
function splitKind(kind: string | undefined): { prefix: string; action: string } | undefined {
  const dot = kind?.indexOf('.') ?? -1;
  if (kind === undefined || dot <= 0) return undefined;
  return { prefix: kind.slice(0, dot), action: kind.slice(dot + 1) };
}

/** The object an event is about: named by its prefix, or by its type id for `object.*` events. */
function objectOf(prefix: string, objectTypeId: string | undefined): HubSpotObject | undefined {
  return prefix === 'object'
    ? lookup(HUBSPOT_OBJECT_TYPE_IDS, objectTypeId)
    : lookup(CLASSIC_OBJECTS, prefix);
}

function association(item: HubSpotItem, path: string, context: ItemContext): void {
  const { out } = context;
  let fromType: HubSpotObject | undefined;
  let toType: HubSpotObject | undefined;
  let label: string;
  if (item.fromObjectTypeId !== undefined || item.toObjectTypeId !== undefined) {
    fromType = lookup(HUBSPOT_OBJECT_TYPE_IDS, item.fromObjectTypeId);
    toType = lookup(HUBSPOT_OBJECT_TYPE_IDS, item.toObjectTypeId);
    label = `${item.fromObjectTypeId}->${item.toObjectTypeId}`;
  } else if (item.associationType !== undefined) {
    const match = ASSOCIATION_TYPE.exec(item.associationType);
    fromType = lookup(CLASSIC_OBJECTS, match?.[1]?.toLowerCase());
    toType = lookup(CLASSIC_OBJECTS, match?.[2]?.toLowerCase());
    label = item.associationType;
  } else {
    out.problem(path, 'an association change needs associationType or fromObjectTypeId/toObjectTypeId');
    return;
  }
  if (item.fromObjectId === undefined || item.toObjectId === undefined) {
    out.problem(path, 'an association change needs fromObjectId and toObjectId');
    return;
  }
  if (fromType === undefined || toType === undefined || fromType === toType) {
    out.ignore(`association:${label}`);
    return;
  }
  const ids: Partial<Record<HubSpotObject, string>> = {
    [fromType]: item.fromObjectId,
    [toType]: item.toObjectId,
  };
  const linked = item.associationRemoved !== true;
  const at = item.occurredAt;
  if (ids.deal !== undefined && ids.contact !== undefined) {
    // Both directions (DEAL_TO_CONTACT, CONTACT_TO_DEAL) land on the deal as one add/remove flag.
    out.events.push({
      entity: 'deal',
      id: qualifyId(SYSTEM, ids.deal),
      at,
      fields: { [`${CONTACT_LINK_PREFIX}${qualifyId(SYSTEM, ids.contact)}`]: linked },
    });
    return;
  }
  const holder = ids.contact !== undefined ? 'contact' : 'deal';
  const holderId = ids[holder];
  if (holderId === undefined || ids.company === undefined) {
    out.ignore(`association:${label}`);
    return;
  }
  // A record can have several companies; only its primary one is its companyId.
  if (item.isPrimaryAssociation === false) {
    out.ignore('association:nonPrimaryCompany');
    return;
  }
  out.events.push({
    entity: holder,
    id: qualifyId(SYSTEM, holderId),
    at,
    fields: { companyId: linked ? qualifyId(SYSTEM, ids.company) : null },
  });
}

function parseItem(raw: unknown, index: number, context: ItemContext): void {
  const { out } = context;
  const path = `[${index}]`;
  const parsed = itemSchema.safeParse(raw);
  if (!parsed.success) {
    for (const problem of problemsFromZod(parsed.error.issues)) {
      out.problem(`${path}${problem.path ? `.${problem.path}` : ''}`, problem.message);
    }
    return;
  }
  const item = parsed.data;
  if (item.portalId !== context.portalId) {
    out.problem(
      `${path}.portalId`,
      `the event is not from the configured HubSpot portal ${context.portalId}`,
    );
    return;
  }
  const kind = splitKind(item.subscriptionType ?? item.eventType);
  if (kind === undefined) {
    out.problem(`${path}.subscriptionType`, 'expected subscriptionType or eventType like "contact.creation"');
    return;
  }
  const { prefix, action } = kind;
  if (action === 'associationChange') {
    if (prefix === 'object' || Object.hasOwn(CLASSIC_OBJECTS, prefix)) association(item, path, context);
    else context.out.ignore(`object:${prefix}`);
    return;
  }
  if (prefix === 'object' && item.objectTypeId === undefined) {
    out.problem(`${path}.objectTypeId`, 'an object.* event needs objectTypeId');
    return;
  }
  const object = objectOf(prefix, item.objectTypeId);
  if (object === undefined) {
    out.ignore(prefix === 'object' ? `objectTypeId:${item.objectTypeId}` : `object:${prefix}`);
    return;
  }
  const at = item.occurredAt;

  if (action === 'merge') {
    if (item.primaryObjectId === undefined || item.mergedObjectIds === undefined) {
      out.problem(path, 'a merge needs primaryObjectId and mergedObjectIds');
      return;
    }
    // https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks: primaryObjectId
    // is the record given priority, mergedObjectIds the ones merged into it, and newObjectId "the
    // Id of the object that was created from the result of the merge", which differs from the
    // primary when the merge creates a new record: then the primary continues as it too. A merged
    // record is not deleted: its history is joined to the survivor's when facts are read, and a
    // surviving contact names each record merged into it so that reading it finds them. Every
    // event is a fact at occurredAt, so any order of deliveries (or a repeat) projects one state.
    const survivor = item.newObjectId ?? item.primaryObjectId;
    const survivorId = qualifyId(SYSTEM, survivor);
    for (const merged of new Set([item.primaryObjectId, ...item.mergedObjectIds])) {
      if (merged === survivor) continue;
      const mergedId = qualifyId(SYSTEM, merged);
      out.events.push({ entity: object, id: mergedId, at, fields: { mergedInto: survivorId } });
      if (object === 'contact') {
        out.events.push({
          entity: object,
          id: survivorId,
          at,
          fields: { [`${MERGED_FROM_PREFIX}${mergedId}`]: true },
        });
      }
    }
    return;
  }
  if (!['creation', PROPERTY_CHANGE, 'deletion', 'privacyDeletion', 'restore'].includes(action)) {
    out.ignore(`action:${action}`);
    return;
  }
  if (item.objectId === undefined) {
    // The action is one of the five above, never an arbitrary text from the body.
    out.problem(`${path}.objectId`, `a ${action} event needs objectId`);
    return;
  }
  const id = qualifyId(SYSTEM, item.objectId);
  switch (action) {
    case 'creation':
      // No fields: the entity exists from occurredAt; HubSpot sends each populated property separately.
      out.events.push({ entity: object, id, at, fields: {} });
      return;
    case 'deletion':
      out.events.push({ entity: object, id, at, fields: { deleted: true } });
      return;
    case 'privacyDeletion':
      // GDPR deletion: also drop the contact's email hash from its current value.
      out.events.push({
        entity: object,
        id,
        at,
        fields: object === 'contact' ? { deleted: true, emailHash: null } : { deleted: true },
      });
      return;
    case 'restore':
      out.events.push({ entity: object, id, at, fields: { deleted: false } });
      return;
  }
  // propertyChange
  if (item.propertyName === undefined || item.propertyValue === undefined) {
    out.problem(path, 'a propertyChange event needs propertyName and propertyValue');
    return;
  }
  const result = mapHubSpotProperty(
    object,
    context.maps[object],
    item.propertyName,
    item.propertyValue,
    context,
  );
  if (result.kind === 'ignored') out.ignore(result.reason);
  else if (result.kind === 'problem') out.problem(`${path}.propertyValue`, result.message);
  else out.events.push({ entity: object, id, at, fields: { [result.field]: result.value } });
}

function hubspotConfig(config: ClientConfig) {
  const source = config.sources.hubspot;
  if (!source) throw new UnknownSourceError('hubspot');
  return source;
}

export const hubspotAdapter: SourceAdapter = {
  name: 'hubspot',
  // A delivery is a JSON array of events (up to 100).
  split: (body) =>
    jsonItems(
      body,
      (parsed) => (Array.isArray(parsed) ? parsed : undefined),
      (_parsed, parts) => parts,
    ),
  secretNames: (config) => [config.sources.hubspot?.clientSecret],

  async verify(request, { config, secrets, now }) {
    const source = hubspotConfig(config);
    const signature = request.headers['x-hubspot-signature-v3'];
    if (!signature) {
      const version = request.headers['x-hubspot-signature-version'];
      throw new AuthenticationError(
        'signature',
        'X-HubSpot-Signature-v3 header missing; app webhooks must be v3 signed',
        version ? `X-HubSpot-Signature-v3 header missing (a ${version} signature was sent)` : undefined,
      );
    }
    const timestamp = request.headers['x-hubspot-request-timestamp'];
    if (!timestamp || !/^\d+$/.test(timestamp)) {
      throw new AuthenticationError(
        'timestamp',
        'X-HubSpot-Request-Timestamp header missing or not epoch milliseconds',
      );
    }
    if (Math.abs(now - Number(timestamp)) > HUBSPOT_MAX_TIMESTAMP_SKEW_MS) {
      throw new AuthenticationError(
        'timestamp',
        'X-HubSpot-Request-Timestamp is more than 5 minutes away from now',
      );
    }
    const secret = await secrets.get(source.clientSecret);
    const uri = hubspotSignedUri(request.url, source.canonicalUrl);
    const expected = hubspotSignatureV3(secret, request.method.toUpperCase(), uri, request.body, timestamp);
    if (!constantTimeEqual(signature, expected)) {
      throw new AuthenticationError(
        'signature',
        'X-HubSpot-Signature-v3 does not match',
        `X-HubSpot-Signature-v3 does not match (checked against ${withoutQuery(uri)})`,
      );
    }
  },

  parse(body, context): ParsedDelivery {
    const source = context.config.sources.hubspot;
    // Replay after the source was removed from the config: keep the body quarantined, do not crash.
    if (!source) throw new ValidationError('hubspot source is not configured');
    const document = parseJsonBody(body, z.unknown(), 'JSON');
    if (!Array.isArray(document) || document.length === 0 || document.length > MAX_HUBSPOT_EVENTS) {
      throw new ValidationError(`body is not a JSON array of 1 to ${MAX_HUBSPOT_EVENTS} HubSpot events`);
    }
    const out = new DeliveryBuilder();
    const itemContext: ItemContext = {
      ...context,
      portalId: source.portalId,
      maps: appPropertyMaps(source.properties),
      out,
    };
    document.forEach((item, index) => {
      parseItem(item, index, itemContext);
    });
    if (out.events.length === 0 && out.problems.length > 0) {
      throw new ValidationError('no event in the delivery is valid', out.problems);
    }
    return out.result();
  },

  /**
   * Keeps each event's keys that the event schema reads, and a property value only for a change
   * of a property the object's map reads (the defaults with `sources.hubspot.properties`). Every
   * event stays in its place, so item paths, `split` and the ignored counts are unchanged.
   */
  keep(body, context): string {
    let document: unknown;
    try {
      document = JSON.parse(body);
    } catch {
      // Never called on such a body (parse refuses it); nothing of it is kept.
      return '[]';
    }
    if (!Array.isArray(document)) return '[]';
    const maps = appPropertyMaps(context.config.sources.hubspot?.properties);
    return JSON.stringify(document.map((item) => keepItem(item, maps, context)));
  },

  answer: jsonAnswer,
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * One event as it is kept: the keys the event schema reads, the property value only for a change
 * of a mapped property (an email as its token). An event that did not validate is kept the same
 * way, so replaying it reports the same problem.
 */
function keepItem(
  raw: unknown,
  maps: Readonly<Record<HubSpotObject, PropertyMap>>,
  context: KeepContext,
): unknown {
  // Not an object: invalid whatever it holds, and null is invalid at the same path.
  if (!isRecord(raw)) return null;
  const kept = Object.fromEntries(
    ITEM_KEYS.filter((key) => Object.hasOwn(raw, key)).map((key) => [key, raw[key]]),
  );
  if (!Object.hasOwn(kept, 'propertyValue')) return kept;
  const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
  const kind = splitKind(text(raw.subscriptionType) ?? text(raw.eventType));
  const object = kind?.action === PROPERTY_CHANGE ? objectOf(kind.prefix, text(raw.objectTypeId)) : undefined;
  const name = text(raw.propertyName);
  const value = raw.propertyValue;
  const mapped = object !== undefined && name !== undefined && Object.hasOwn(maps[object], name);
  // A value of the wrong type fails the event schema before any mapping reads it.
  kept.propertyValue =
    mapped && typeof value === 'string'
      ? keptPropertyValue(object, maps[object], name, value, context)
      : blankOfType(value);
  return kept;
}

/**
 * A value nothing reads, replaced by an empty one of the same JSON type: an unmapped property
 * is still ignored under its name, and a value of the wrong type still fails the same check.
 */
function blankOfType(value: unknown): unknown {
  if (typeof value === 'string') return '';
  if (typeof value === 'number') return 0;
  if (typeof value === 'boolean') return false;
  if (Array.isArray(value)) return [];
  return isRecord(value) ? {} : null;
}
