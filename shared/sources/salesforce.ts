import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { DateTime } from 'luxon';
import type { ClientConfig } from '../config/schema.ts';
import { AuthenticationError, type FieldProblem, UnknownSourceError, ValidationError } from '../errors.ts';
import {
  type CanonicalEvent,
  CONTACT_LINK_PREFIX,
  ENTITY_FIELDS,
  type EntityType,
  type FieldValue,
  type ForecastCategory,
  MERGED_FROM_PREFIX,
  qualifyId,
} from '../model/events.ts';
import { type EmailHasher, emailOrToken } from '../privacy.ts';
import { mapLifecycle } from './mapping.ts';
import { SALESFORCE_OBJECTS, type SalesforceObject } from './objects.ts';
import type {
  DeliveryOutcome,
  KeepContext,
  ParseContext,
  ParsedDelivery,
  SourceAdapter,
  SourceAnswer,
  SplitDelivery,
} from './types.ts';
import { constantTimeEqual } from './wire.ts';

/**
 * Salesforce outbound messages (DESIGN.md "Sources and authentication"): a SOAP envelope with up
 * to 100 notifications, each carrying the latest state of one record. There is no signature: the
 * sender is recognised by a shared `?token=` on the endpoint URL (required) and its OrganizationId.
 * The org id alone proves nothing: it is public (every Web-to-Lead form carries it as `oid`), and
 * Salesforce's own advice, IP ranges and its client certificate, does "not guarantee that another
 * customer isn't pointing to your endpoint" (https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_security.htm).
 * The endpoint URL is the one secret an outbound message can carry, so the token lives there.
 * The answer is always the SOAP Ack, or Salesforce keeps retrying for 24 hours.
 */

const SYSTEM = 'salesforce';
export const MAX_NOTIFICATIONS = 100;

/**
 * The sObject types whose fields go through a field map. OpportunityContactRole is read by code
 * (it is a link, not a record with facts of its own) and has no map.
 */
export type MappedObject = Exclude<SalesforceObject, 'OpportunityContactRole'>;

/**
 * Salesforce field → canonical field, per sObject type. The conversion follows the canonical
 * field: emailHash is hashed, references are qualified, amount/employees become numbers, domain
 * keeps the host, a contact's stage is mapped by `lifecycle` (a deal keeps its StageName, mapped
 * by `sources.salesforce.stages` when facts are read), kind is classified.
 * `sources.salesforce.fields.<Type>` is merged on top (it overrides and extends these).
 */
export const SALESFORCE_FIELDS: Readonly<Record<MappedObject, Readonly<Record<string, string>>>> = {
  // A Lead carries its company inline (there is no Account before conversion). Only the facts
  // the metrics segment by are kept: Company, Website, AnnualRevenue, phone and address are not.
  Lead: {
    Email: 'emailHash',
    Title: 'title',
    LeadSource: 'source',
    OwnerId: 'owner',
    Status: 'stage',
    Disqualification_Reason__c: 'reason',
    Seniority__c: 'seniority',
    Industry: 'industry',
    NumberOfEmployees: 'employees',
    Country: 'country',
    Region__c: 'region',
  },
  Contact: {
    Email: 'emailHash',
    Title: 'title',
    LeadSource: 'source',
    OwnerId: 'owner',
    AccountId: 'companyId',
    Lifecycle_Stage__c: 'stage',
    Seniority__c: 'seniority',
  },
  Account: {
    Name: 'name',
    Website: 'domain',
    Industry: 'industry',
    NumberOfEmployees: 'employees',
    BillingCountry: 'country',
    Region__c: 'region',
  },
  Opportunity: {
    StageName: 'stage',
    Amount: 'amount',
    CurrencyIsoCode: 'currency',
    AccountId: 'companyId',
    ContactId: 'contactIds',
    LeadSource: 'source',
    OwnerId: 'owner',
    Loss_Reason__c: 'reason',
    // The forecast (https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-opportunity.html):
    // CloseDate is a date, Probability a percent, ForecastCategoryName the category's name and
    // ForecastCategory its API value. Both categories name the same choice; the name is listed last.
    CloseDate: 'closeDate',
    Probability: 'probability',
    ForecastCategory: 'forecastCategory',
    ForecastCategoryName: 'forecastCategory',
  },
  // Several properties may feed `kind`: the first one whose value names a call, email or meeting wins.
  Task: { WhoId: 'contactId', OwnerId: 'owner', TaskSubtype: 'kind', Type: 'kind' },
  Event: { WhoId: 'contactId', OwnerId: 'owner', EventSubtype: 'kind', Type: 'kind' },
};

/** TaskSubtype / EventSubtype / Type values (lower-cased) that name a canonical activity kind. */
export const ACTIVITY_KINDS: Readonly<Record<string, 'call' | 'email' | 'meeting'>> = {
  call: 'call',
  email: 'email',
  listemail: 'email',
  meeting: 'meeting',
};

/**
 * Forecast categories → canonical, by ForecastCategoryName ("The standard forecast categories are
 * Pipeline, Best Case, Commit, Omitted (not included in forecasts), and Closed",
 * https://developer.salesforce.com/docs/atlas.en-us.254.0.object_reference.meta/object_reference/sforce_api_objects_forecastingfact.htm)
 * or by ForecastCategory's API values (BestCase, Closed, Forecast, MostLikely, Omitted, Pipeline,
 * https://developer.salesforce.com/docs/atlas.en-us.264.0.object_reference.meta/object_reference/sforce_api_objects_opportunityhistory.htm),
 * compared without case or spaces. Forecast is Commit's API value. Most Likely, an optional
 * category between Best Case and Commit, is not a commitment: best_case. Closed holds won deals
 * (a lost one is Omitted): they count through their won stage, and are at least commit.
 */
export const SALESFORCE_FORECAST_CATEGORIES: Readonly<Record<string, ForecastCategory>> = {
  omitted: 'omitted',
  pipeline: 'pipeline',
  bestcase: 'best_case',
  mostlikely: 'best_case',
  commit: 'commit',
  forecast: 'commit',
  closed: 'commit',
};

/** The time of the record's state: its last modification, else the system stamp. */
const TIME_FIELDS = ['LastModifiedDate', 'SystemModstamp'] as const;
/** Read on every record: its id, and the creation an event without fields dates. */
const RECORD_FIELDS = { id: 'Id', created: 'CreatedDate' } as const;
/** What a converted Lead names, read by `conversionOf` rather than through the field map. */
const CONVERSION_FIELDS = {
  converted: 'IsConverted',
  contact: 'ConvertedContactId',
  account: 'ConvertedAccountId',
  opportunity: 'ConvertedOpportunityId',
  date: 'ConvertedDate',
} as const;
/** What an OpportunityContactRole is read for, by `contactRoleOf`. */
const CONTACT_ROLE_FIELDS = {
  opportunity: 'OpportunityId',
  contact: 'ContactId',
  deleted: 'IsDeleted',
} as const;
const REFERENCE_FIELDS = new Set(['companyId', 'contactId', 'mergedInto']);
const SALESFORCE_ID = /^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})$/;
const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The `<Ack>true</Ack>` answer of the outbound messaging WSDL (`notificationsResponse`). */
export const SALESFORCE_ACK = `<?xml version="1.0" encoding="UTF-8"?>
<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
 <soapenv:Body>
  <notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound">
   <Ack>true</Ack>
  </notificationsResponse>
 </soapenv:Body>
</soapenv:Envelope>
`;

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

// --- verification: reads OrganizationId with two linear regular expressions, never an XML parser ---

const ORGANIZATION_ID_TAG = /<(?:[A-Za-z_][\w.-]*:)?OrganizationId[\s/>]/g;
const ORGANIZATION_ID_ELEMENT =
  /<(?:[A-Za-z_][\w.-]*:)?OrganizationId(?:\s[^<>]*)?>([^<]*)<\/(?:[A-Za-z_][\w.-]*:)?OrganizationId\s*>/;

/** What a caller is told for a wrong token and a wrong org id alike (the detail goes to the logs). */
const WRONG_CREDENTIALS = 'wrong ?token= or OrganizationId';

/**
 * The envelope's OrganizationId, read without parsing the document (no DTD, no entity is ever
 * seen). The body may be read as latin1: the id and its tags are ASCII either way.
 */
export function organizationIdOf(body: string): string {
  const tags = body.match(ORGANIZATION_ID_TAG)?.length ?? 0;
  if (tags === 0) throw new AuthenticationError('credentials', 'no OrganizationId in the body');
  if (tags > 1) throw new AuthenticationError('credentials', 'more than one OrganizationId in the body');
  const value = ORGANIZATION_ID_ELEMENT.exec(body)?.[1]?.trim();
  if (value === undefined || !SALESFORCE_ID.test(value)) {
    throw new AuthenticationError('credentials', 'OrganizationId is not a 15- or 18-character Salesforce id');
  }
  return value;
}

/** 15- and 18-character ids name the same org when their first 15 characters match (case-sensitive). */
export function sameOrganization(a: string, b: string): boolean {
  return a.slice(0, 15) === b.slice(0, 15);
}

/** The one `token` query parameter of the called URL (none, or two, is no token). */
function tokenOf(url: string): string | undefined {
  try {
    const tokens = new URL(url).searchParams.getAll('token');
    return tokens.length === 1 ? tokens[0] : undefined;
  } catch {
    return undefined;
  }
}

// --- parsing ---

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  // sf:, soapenv:, xsi: prefixes go; xsi:type's value keeps its prefix and is stripped below.
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  // Entities are decoded below, in one pass, so nothing the body declares can expand.
  processEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
});

const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

/** Decodes the five predefined entities and character references; anything else stays as written. */
function decodeEntities(text: string): string {
  return text.replace(/&(#[0-9]+|#x[0-9A-Fa-f]+|[A-Za-z]+);/g, (whole, name: string) => {
    if (name.startsWith('#')) {
      const code = name[1] === 'x' ? Number.parseInt(name.slice(2), 16) : Number.parseInt(name.slice(1), 10);
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff)
        ? String.fromCodePoint(code)
        : whole;
    }
    return Object.hasOwn(PREDEFINED_ENTITIES, name) ? (PREDEFINED_ENTITIES[name] as string) : whole;
  });
}

type Json = Record<string, unknown>;

function isRecord(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function child(node: unknown, name: string): unknown {
  return isRecord(node) && Object.hasOwn(node, name) ? node[name] : undefined;
}

function listOf(value: unknown): unknown[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function withoutPrefix(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

/** An element's text: null when empty or xsi:nil, a problem when it repeats or holds elements. */
function textOf(value: unknown): { text: string | null } | { problem: string } {
  if (typeof value === 'string') return { text: value === '' ? null : decodeEntities(value) };
  if (Array.isArray(value)) return { problem: 'the element appears more than once' };
  if (isRecord(value)) {
    if (value['@_nil'] === 'true') return { text: null };
    const elements = Object.keys(value).filter((key) => !key.startsWith('@_') && key !== '#text');
    if (elements.length > 0) return { problem: 'expected a text value, found nested elements' };
    return textOf(value['#text'] ?? '');
  }
  return { problem: 'expected a text value' };
}

function timeOf(text: string): number | undefined {
  if (!ISO_TIME.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : at;
}

/** `https://www.Globex.example/about` → `globex.example`. */
export function domainOf(website: string): string | undefined {
  const url = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(website) ? website : `http://${website}`;
  try {
    const host = new URL(url).hostname.toLowerCase().replace(/^www\./, '');
    return /^[a-z0-9-]+(?:\.[a-z0-9-]+)+$/.test(host) ? host : undefined;
  } catch {
    return undefined;
  }
}

/** The field map of one sObject type: the defaults with the config's overrides on top. */
export function fieldMapFor(config: ClientConfig, type: MappedObject): Map<string, string> {
  return new Map(
    Object.entries({ ...SALESFORCE_FIELDS[type], ...(config.sources.salesforce?.fields?.[type] ?? {}) }),
  );
}

type Converted = { value: FieldValue } | { ignore: string } | { problem: string };

/** One Salesforce value (text, or null for an empty element) → the canonical field's value. */
function convert(
  entity: EntityType,
  field: string,
  text: string | null,
  context: Pick<ParseContext, 'config' | 'hashEmail'>,
): Converted {
  if (text === null) return { value: null };
  switch (field) {
    case 'emailHash':
      return emailOrToken.safeParse(text).success
        ? { value: context.hashEmail(text) }
        : { problem: 'expected an email address' };
    case 'contactIds':
      return { value: [qualifyId(SYSTEM, text)] };
    case 'amount':
    case 'employees': {
      const number = NUMBER.test(text) ? Number(text) : Number.NaN;
      if (!Number.isFinite(number) || number < 0) return { problem: 'expected a number ≥ 0' };
      if (field === 'employees' && !Number.isInteger(number))
        return { problem: 'expected a whole number ≥ 0' };
      return { value: number };
    }
    case 'currency':
      return /^[A-Z]{3}$/.test(text) ? { value: text } : { problem: 'expected an ISO 4217 currency code' };
    case 'closeDate':
      // A date field: the org's calendar date, kept as it is.
      return DATE.test(text) && DateTime.fromISO(text, { zone: 'utc' }).isValid
        ? { value: text }
        : { problem: 'expected a date YYYY-MM-DD' };
    case 'probability': {
      // A percent field, 0–100.
      const percent = NUMBER.test(text) ? Number(text) : Number.NaN;
      return Number.isFinite(percent) && percent >= 0 && percent <= 100
        ? { value: percent / 100 }
        : { problem: 'expected a percent from 0 to 100' };
    }
    case 'forecastCategory': {
      const key = text.replace(/\s+/g, '').toLowerCase();
      const category = Object.hasOwn(SALESFORCE_FORECAST_CATEGORIES, key)
        ? SALESFORCE_FORECAST_CATEGORIES[key]
        : undefined;
      return category
        ? { value: category }
        : {
            problem:
              'expected a forecast category: Omitted, Pipeline, Best Case, Most Likely, Commit or Closed',
          };
    }
    case 'domain': {
      const domain = domainOf(text);
      return domain ? { value: domain } : { problem: 'expected a website with a usable host name' };
    }
    case 'deleted':
      return text === 'true' || text === 'false'
        ? { value: text === 'true' }
        : { problem: 'expected true or false' };
    case 'tech':
      // Multi-select picklists arrive as "a;b;c".
      return { value: text.split(';').filter((item) => item !== '') };
    case 'stage':
      if (entity === 'contact') {
        const stage = mapLifecycle(context.config, text);
        return stage ? { value: stage } : { ignore: 'unmapped-stage' };
      }
      // A deal's StageName is kept as sent: `sources.salesforce.stages` maps it when facts are read.
      return { value: text };
    default:
      return { value: REFERENCE_FIELDS.has(field) ? qualifyId(SYSTEM, text) : text };
  }
}

type NotificationResult = { events: CanonicalEvent[]; ignored: string[] } | { problems: FieldProblem[] };

/** Reads one field of the sObject: undefined when absent or unreadable (then a problem is noted). */
type Read = (name: string) => string | null | undefined;

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/**
 * When a converted lead's links hold. The conversion happened on ConvertedDate (a date without a
 * time, in the org's calendar); the notification is timed by LastModifiedDate, which is the
 * conversion itself unless the lead was touched again later. So the notification's time is kept
 * while it falls on ConvertedDate in the client's zone, and the day's local midnight is used when
 * the notification came after that day: the link is never dated later than the day it was made.
 */
function linkTime(at: number, convertedDate: string, timezone: string): number | undefined {
  if (!DATE.test(convertedDate)) return undefined;
  const start = DateTime.fromISO(convertedDate, { zone: timezone });
  if (!start.isValid) return undefined;
  const end = start.plus({ days: 1 });
  return at >= end.toMillis() ? start.toMillis() : at;
}

/**
 * A converted Lead (IsConverted true, with ConvertedContactId) continues as that Contact: the lead
 * is merged into the contact, the contact names the lead it absorbed, the lead joins the converted
 * Account and the converted Opportunity links the contact. These fields are read here, not through
 * the field map (https://developer.salesforce.com/docs/platform/field-reference/references/field-reference/salesforce-field-reference-lead.html
 * lists IsConverted, ConvertedAccountId, ConvertedContactId, ConvertedOpportunityId and the date
 * ConvertedDate; https://developer.salesforce.com/docs/atlas.en-us.change_data_capture.meta/change_data_capture/cdc_standard_objects_lead_conversion.htm
 * says ConvertedDate carries no time).
 * Every event is a set of facts at the link time, so repeats and any order of deliveries join to
 * the same state.
 */
function conversionOf(
  leadId: string,
  at: number,
  read: Read,
  path: string,
  context: ParseContext,
): { events: CanonicalEvent[]; problems: FieldProblem[]; ignored?: string } {
  const problems: FieldProblem[] = [];
  const converted = read(CONVERSION_FIELDS.converted);
  if (converted === undefined || converted === null || converted === 'false') return { events: [], problems };
  if (converted !== 'true') {
    problems.push({
      path: `${path}.sObject.${CONVERSION_FIELDS.converted}`,
      message: 'expected true or false',
    });
    return { events: [], problems };
  }
  const idOf = (name: string): string | undefined => {
    const text = read(name);
    if (typeof text !== 'string') return undefined;
    if (SALESFORCE_ID.test(text)) return qualifyId(SYSTEM, text);
    problems.push({
      path: `${path}.sObject.${name}`,
      message: 'expected a 15- or 18-character Salesforce id',
    });
    return undefined;
  };
  const contact = idOf(CONVERSION_FIELDS.contact);
  const account = idOf(CONVERSION_FIELDS.account);
  const opportunity = idOf(CONVERSION_FIELDS.opportunity);
  let linkAt = at;
  const date = read(CONVERSION_FIELDS.date);
  if (typeof date === 'string') {
    const time = linkTime(at, date, context.config.timezone);
    if (time === undefined) {
      problems.push({
        path: `${path}.sObject.${CONVERSION_FIELDS.date}`,
        message: 'expected a date YYYY-MM-DD',
      });
    } else linkAt = time;
  }
  if (problems.length > 0) return { events: [], problems };
  // Converted, but the outbound message does not send ConvertedContactId: nothing to link to.
  if (contact === undefined) return { events: [], problems, ignored: 'converted-lead-without-contact' };

  const lead = qualifyId(SYSTEM, leadId);
  const leadFields: Record<string, FieldValue> = { mergedInto: contact };
  if (account !== undefined) leadFields.companyId = account;
  const events: CanonicalEvent[] = [
    { entity: 'contact', id: lead, at: linkAt, fields: leadFields },
    { entity: 'contact', id: contact, at: linkAt, fields: { [`${MERGED_FROM_PREFIX}${lead}`]: true } },
  ];
  if (opportunity !== undefined) {
    events.push({
      entity: 'deal',
      id: opportunity,
      at: linkAt,
      fields: { [`${CONTACT_LINK_PREFIX}${contact}`]: true },
    });
  }
  return { events, problems };
}

/**
 * An OpportunityContactRole links a Contact to an Opportunity (many orgs never fill
 * Opportunity.ContactId): one `contactLink:` fact on the deal at the notification's time, false
 * once the role is in the Recycle Bin (IsDeleted). Fields: OpportunityId, ContactId, IsPrimary,
 * Role, IsDeleted
 * (https://developer.salesforce.com/docs/platform/object-reference/references/standard-objects/object-opportunitycontactrole.html).
 * Workflow rules never supported this object; an org can send it only from a record-triggered
 * flow on OpportunityContactRole calling an Outbound Message action. Since Winter '20 the object
 * takes triggers like other objects
 * (https://releasenotes.docs.salesforce.com/en-us/winter20/release-notes/rn_sales_opportunity_contact_roles_customize.htm)
 * and outbound messages can be called from flows
 * (https://help.salesforce.com/apex/HTViewHelpDoc?id=platform.workflow_managing_outbound_messages.htm);
 * neither page says OpportunityContactRole is offered as an outbound message's object, so check
 * it in the org when setting it up.
 * Nothing is sent when a role is deleted, and ContactId can be changed in place: the contact a
 * role named before stays linked.
 */
function contactRoleOf(at: number, read: Read, path: string): NotificationResult {
  const problems: FieldProblem[] = [];
  const idOf = (name: string): string | undefined => {
    const text = read(name);
    if (typeof text === 'string' && SALESFORCE_ID.test(text)) return qualifyId(SYSTEM, text);
    problems.push({
      path: `${path}.sObject.${name}`,
      message: 'expected a 15- or 18-character Salesforce id',
    });
    return undefined;
  };
  const opportunity = idOf(CONTACT_ROLE_FIELDS.opportunity);
  const contact = idOf(CONTACT_ROLE_FIELDS.contact);
  const deleted = read(CONTACT_ROLE_FIELDS.deleted);
  if (deleted !== undefined && deleted !== null && deleted !== 'true' && deleted !== 'false') {
    problems.push({
      path: `${path}.sObject.${CONTACT_ROLE_FIELDS.deleted}`,
      message: 'expected true or false',
    });
  }
  if (problems.length > 0 || opportunity === undefined || contact === undefined) return { problems };
  return {
    events: [
      {
        entity: 'deal',
        id: opportunity,
        at,
        fields: { [`${CONTACT_LINK_PREFIX}${contact}`]: deleted !== 'true' },
      },
    ],
    ignored: [],
  };
}

/** One Notification → its canonical events (the record's state at `at`, and its creation). */
function mapNotification(notification: unknown, path: string, context: ParseContext): NotificationResult {
  const sObject = child(notification, 'sObject');
  if (!isRecord(sObject)) return { problems: [{ path, message: 'expected one sObject' }] };
  const rawType = sObject['@_type'];
  if (typeof rawType !== 'string' || rawType === '') {
    return { problems: [{ path: `${path}.sObject`, message: 'missing xsi:type' }] };
  }
  const type = withoutPrefix(rawType);
  if (!Object.hasOwn(SALESFORCE_OBJECTS, type)) return { events: [], ignored: [`sobject:${type}`] };
  const entity = SALESFORCE_OBJECTS[type as SalesforceObject];

  const problems: FieldProblem[] = [];
  const read: Read = (name) => {
    if (!Object.hasOwn(sObject, name)) return undefined;
    const result = textOf(sObject[name]);
    if ('problem' in result) {
      problems.push({ path: `${path}.sObject.${name}`, message: result.problem });
      return undefined;
    }
    return result.text;
  };

  const id = read(RECORD_FIELDS.id);
  if (typeof id !== 'string' || !SALESFORCE_ID.test(id)) {
    problems.push({
      path: `${path}.sObject.${RECORD_FIELDS.id}`,
      message: 'expected a 15- or 18-character Salesforce id',
    });
  }
  let at = context.receivedAt;
  for (const name of TIME_FIELDS) {
    const text = read(name);
    if (typeof text !== 'string') continue;
    const time = timeOf(text);
    if (time === undefined)
      problems.push({ path: `${path}.sObject.${name}`, message: 'expected an ISO time' });
    else at = time;
    break;
  }
  if (type === 'OpportunityContactRole') {
    const role = contactRoleOf(at, read, path);
    return problems.length > 0
      ? { problems: [...problems, ...('problems' in role ? role.problems : [])] }
      : role;
  }

  const fields: Record<string, FieldValue> = {};
  const ignored = new Set<string>();
  const allowed: readonly string[] = ENTITY_FIELDS[entity];
  for (const [name, field] of fieldMapFor(context.config, type as MappedObject)) {
    const text = read(name);
    if (text === undefined) continue;
    if (field === 'kind' && entity === 'activity') {
      const kind = text === null ? undefined : ACTIVITY_KINDS[text.toLowerCase()];
      if (kind && fields.kind === undefined) fields.kind = kind;
      continue;
    }
    if (!allowed.includes(field)) {
      ignored.add(`not-a-${entity}-field:${field}`);
      continue;
    }
    const converted = convert(entity, field, text, context);
    if ('problem' in converted)
      problems.push({ path: `${path}.sObject.${name}`, message: converted.problem });
    else if ('ignore' in converted) ignored.add(converted.ignore);
    else fields[field] = converted.value;
  }
  if (entity === 'activity') fields.kind ??= 'other';
  const conversion =
    type === 'Lead' && typeof id === 'string' ? conversionOf(id, at, read, path, context) : undefined;
  if (conversion) problems.push(...conversion.problems);
  if (conversion?.ignored) ignored.add(conversion.ignored);
  if (problems.length > 0) return { problems };

  const qualified = qualifyId(SYSTEM, id as string);
  const events: CanonicalEvent[] = [{ entity, id: qualified, at, fields }];
  // The record existed from its CreatedDate: an event without fields dates the entity's creation.
  const createdText = read(RECORD_FIELDS.created);
  const created = typeof createdText === 'string' ? timeOf(createdText) : undefined;
  if (created !== undefined && created < at) events.push({ entity, id: qualified, at: created, fields: {} });
  if (conversion) events.push(...conversion.events);
  return { events, ignored: [...ignored] };
}

/**
 * fast-xml-parser's validation error codes, in words: its messages quote tag and attribute names
 * from the body, and whatever was typed into a field can end up read as one.
 */
const XML_ERRORS: Readonly<Record<string, string>> = {
  InvalidTag: 'a tag is malformed, not closed or closed out of order',
  InvalidAttr: 'an attribute is malformed or repeated',
  InvalidChar: 'a character is not allowed where it stands',
  InvalidXml: 'the document is not one XML element',
};

function parseEnvelope(body: string): Json {
  const text = stripBom(body);
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) {
    throw new ValidationError(
      'the body declares a DOCTYPE or an entity; Salesforce never sends one, so it is refused unexpanded',
    );
  }
  const validation = XMLValidator.validate(text);
  if (validation !== true) {
    const { code, line, col } = validation.err;
    const what = Object.hasOwn(XML_ERRORS, code) ? XML_ERRORS[code] : 'not XML';
    throw new ValidationError(`body is not well-formed XML: ${what} (line ${line}, column ${col})`);
  }
  let document: unknown;
  try {
    document = parser.parse(text);
  } catch {
    // The parser's words may quote the body (a tag name, a value): only the fact is said.
    throw new ValidationError('body is not usable XML');
  }
  const notifications = child(child(child(document, 'Envelope'), 'Body'), 'notifications');
  if (!isRecord(notifications)) {
    throw new ValidationError('body is not a SOAP Envelope holding an outbound message <notifications>');
  }
  return notifications;
}

const NOTIFICATION = /<(?:[\w-]+:)?Notification\b[^>]*>[\s\S]*?<\/(?:[\w-]+:)?Notification>/g;

/** An outbound message's Notifications (up to 100), each in the envelope it came in. */
function splitNotifications(body: string): SplitDelivery | undefined {
  const blocks = [...body.matchAll(NOTIFICATION)];
  const first = blocks[0];
  const last = blocks.at(-1);
  if (!first || !last) return undefined;
  const head = body.slice(0, first.index);
  const tail = body.slice(last.index + last[0].length);
  return {
    items: blocks.map((block) => ({ body: `${head}${block[0]}${tail}`, part: block[0] })),
    join: (items) => `${head}${items.map((item) => item.part).join('\n')}${tail}`,
  };
}

// --- keeping: the envelope reduced to what `parse` reads, for replay ---

/** The fields `parse` reads on one sObject type: its id and times, its field map, its links. */
export function salesforceFieldsRead(config: ClientConfig, type: SalesforceObject): ReadonlySet<string> {
  const always = [RECORD_FIELDS.id, ...TIME_FIELDS];
  if (type === 'OpportunityContactRole') return new Set([...always, ...Object.values(CONTACT_ROLE_FIELDS)]);
  return new Set([
    ...always,
    RECORD_FIELDS.created,
    ...fieldMapFor(config, type).keys(),
    ...(type === 'Lead' ? Object.values(CONVERSION_FIELDS) : []),
  ]);
}

/** The fields whose values are email addresses: those the field map turns into `emailHash`. */
function emailFieldsOf(config: ClientConfig, type: SalesforceObject): ReadonlySet<string> {
  if (type === 'OpportunityContactRole') return new Set();
  return new Set(
    [...fieldMapFor(config, type)].filter(([, field]) => field === 'emailHash').map(([name]) => name),
  );
}

/**
 * Stands for an email field's value that is not an address: replay still finds the problem, and
 * whatever was typed there (often a name) is not kept.
 */
const NOT_AN_EMAIL = 'not-an-email-address';

/**
 * Text as element content that parses back to the same string: markup characters escaped, and
 * whitespace at either end written as character references, since the parser trims raw
 * whitespace but decodes references after trimming. A carriage return is always a reference,
 * so no line-end normalisation can change it.
 */
function escapeText(text: string): string {
  const reference = (char: string) => `&#${char.codePointAt(0)};`;
  return text
    .replace(/[&<>\r]/g, (char) => (char === '\r' ? reference(char) : (XML_ESCAPES[char] ?? char)))
    .replace(/^\s+|\s+$/g, (run) => [...run].map(reference).join(''));
}

const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

/**
 * One kept field as `sf:` elements. A value `parse` could not read as text keeps the shape that
 * made it a problem (repeated, or holding elements) and none of its content.
 */
function keptField(name: string, value: unknown, isEmail: boolean, hashEmail: EmailHasher): string {
  const tag = `sf:${name}`;
  const read = textOf(value);
  if ('problem' in read) {
    if (!isRecord(value)) return `<${tag}/><${tag}/>`;
    const nested = Object.keys(value).filter((key) => !key.startsWith('@_') && key !== '#text');
    return `<${tag}>${nested.map((key) => `<${key}/>`).join('')}</${tag}>`;
  }
  if (read.text === null) return `<${tag} xsi:nil="true"/>`;
  if (!isEmail) return `<${tag}>${escapeText(read.text)}</${tag}>`;
  const email = emailOrToken.safeParse(read.text).success
    ? `emailhash:${hashEmail(read.text)}`
    : NOT_AN_EMAIL;
  return `<${tag}>${email}</${tag}>`;
}

/** An XML name as the parser gave it: only these are written back as element names. */
const XML_NAME = /^[A-Za-z_][\w.-]*$/;

/** One Notification with only its sObject's type and the fields `parse` reads for that type. */
function keptNotification(notification: unknown, context: KeepContext): string {
  const sObject = child(notification, 'sObject');
  if (!isRecord(sObject)) return '   <Notification></Notification>';
  const rawType = sObject['@_type'];
  // The type as parse reads it (prefix stripped), under the prefix the kept envelope declares.
  const type = typeof rawType === 'string' && rawType !== '' ? withoutPrefix(rawType) : undefined;
  const fields: string[] = [];
  if (type !== undefined && Object.hasOwn(SALESFORCE_OBJECTS, type)) {
    const known = type as SalesforceObject;
    const read = salesforceFieldsRead(context.config, known);
    const emails = emailFieldsOf(context.config, known);
    for (const [name, value] of Object.entries(sObject)) {
      if (!read.has(name) || !XML_NAME.test(name)) continue;
      fields.push(`     ${keptField(name, value, emails.has(name), context.hashEmail)}`);
    }
  }
  const typeAttribute = type === undefined ? '' : `sf:${type}`;
  const quote = typeAttribute.includes('"') ? "'" : '"';
  return [
    '   <Notification>',
    `    <sObject xsi:type=${quote}${typeAttribute}${quote} xmlns:sf="${SOBJECT_NAMESPACE}">`,
    ...fields,
    '    </sObject>',
    '   </Notification>',
  ].join('\n');
}

const SOBJECT_NAMESPACE = 'urn:sobject.enterprise.soap.sforce.com';
const ORGANIZATION_ID = 'OrganizationId';
const NOTIFICATION_ELEMENT = 'Notification';

/**
 * The outbound message reduced to its OrganizationId (parse checks it) and, per Notification, the
 * sObject's type and the fields parse reads for that type; emails become their tokens. ActionId,
 * the Notification's own Id, EnterpriseUrl, PartnerUrl and above all SessionId (a live API
 * session) are not read and not kept. Written in the envelope `salesforceOutboundMessage` sends,
 * with one `<Notification>…</Notification>` per item, so `split` cuts it the same way.
 */
function keepOutboundMessage(body: string, context: KeepContext): string {
  const notifications = parseEnvelope(body);
  const organization = textOf(child(notifications, ORGANIZATION_ID));
  const organizationId = 'text' in organization && organization.text !== null ? organization.text : '';
  const items = listOf(child(notifications, NOTIFICATION_ELEMENT)).map((item) =>
    keptNotification(item, context),
  );
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ' <soapenv:Body>',
    '  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">',
    `   <${ORGANIZATION_ID}>${escapeText(organizationId)}</${ORGANIZATION_ID}>`,
    ...items,
    '  </notifications>',
    ' </soapenv:Body>',
    '</soapenv:Envelope>',
    '',
  ].join('\n');
}

export const salesforceAdapter: SourceAdapter = {
  name: 'salesforce',
  split: splitNotifications,
  keep: keepOutboundMessage,
  secretNames: (config) => [config.sources.salesforce?.pathSecret],

  // The token is checked first and the body is read only after it: without the token nothing
  // about the org id is learnt, and a wrong org id is refused in the words of a wrong token.
  async verify(request, { config, secrets }) {
    const source = config.sources.salesforce;
    if (!source) throw new UnknownSourceError('salesforce');
    const token = tokenOf(request.url);
    if (token === undefined) {
      throw new AuthenticationError('credentials', 'no single ?token= on the endpoint URL');
    }
    if (!constantTimeEqual(token, await secrets.get(source.pathSecret))) {
      throw new AuthenticationError('credentials', WRONG_CREDENTIALS, 'wrong ?token= on the endpoint URL');
    }
    let organizationId: string;
    try {
      organizationId = organizationIdOf(request.body.toString('latin1'));
    } catch (error) {
      if (!(error instanceof AuthenticationError)) throw error;
      throw new AuthenticationError('credentials', WRONG_CREDENTIALS, error.detail);
    }
    if (!sameOrganization(organizationId, source.organizationId)) {
      throw new AuthenticationError(
        'credentials',
        WRONG_CREDENTIALS,
        "the body's OrganizationId is not the configured organization",
      );
    }
  },

  parse(body, context): ParsedDelivery {
    const notifications = parseEnvelope(body);
    const configured = context.config.sources.salesforce?.organizationId;
    const organization = textOf(child(notifications, ORGANIZATION_ID));
    if (!configured || !('text' in organization) || !organization.text) {
      throw new ValidationError('the outbound message has no single OrganizationId');
    }
    if (!sameOrganization(organization.text, configured)) {
      throw new ValidationError('the OrganizationId is not the configured organization');
    }
    const items = listOf(child(notifications, NOTIFICATION_ELEMENT));
    if (items.length === 0) throw new ValidationError('the outbound message holds no Notification');
    if (items.length > MAX_NOTIFICATIONS) {
      throw new ValidationError(
        `the outbound message holds ${items.length} notifications; Salesforce sends at most ${MAX_NOTIFICATIONS}`,
      );
    }

    const events: CanonicalEvent[] = [];
    const problems: FieldProblem[] = [];
    const ignored: Record<string, number> = {};
    items.forEach((item, index) => {
      const result = mapNotification(item, `Notification[${index}]`, context);
      if ('problems' in result) {
        problems.push(...result.problems);
        return;
      }
      for (const reason of result.ignored) ignored[reason] = (ignored[reason] ?? 0) + 1;
      events.push(...result.events);
    });
    if (events.length === 0 && problems.length > 0) {
      throw new ValidationError('no notification in the outbound message is valid', problems);
    }
    return { events, problems, ignored };
  },

  answer(outcome: DeliveryOutcome): SourceAnswer {
    // Always the Ack, quarantined deliveries included: Salesforce would otherwise retry for 24 hours.
    return {
      statusCode: 200,
      headers: { 'content-type': 'text/xml; charset=utf-8', 'x-samepage-status': outcome.status },
      body: SALESFORCE_ACK,
    };
  },
};
