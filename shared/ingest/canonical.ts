import type { FieldProblem } from '../errors.ts';
import {
  type CanonicalEvent,
  CONTACT_LINK_PREFIX,
  ENTITY_FIELDS,
  ENTITY_TYPES,
  type FieldValue,
  FORECAST_CATEGORIES,
  MERGED_FROM_PREFIX,
} from '../model/events.ts';
import { type EmailHasher, redactText } from '../privacy.ts';

/**
 * The one gate every fact passes before it is projected, whichever way it came in: a live
 * delivery, a replay of kept deliveries, or an import. Adapters map vendor names to canonical
 * fields; what a canonical value may be is decided here, once, so the sources cannot disagree
 * (Pipedrive once accepted 850.5 employees where the others required whole numbers).
 */

/** Per event: longer ids, field names, texts and lists are problems of the delivery, not items over 400 KB. */
export const EVENT_LIMITS = { idChars: 256, fieldNameChars: 320, textChars: 512, listEntries: 25 } as const;

type FieldKind =
  | 'text'
  | 'wholeCount'
  | 'amount'
  | 'currency'
  | 'textList'
  | 'boolean'
  | 'localDate'
  | 'probability'
  | 'forecastCategory';

/** The kind of each canonical field that is not plain text. */
const FIELD_KINDS: Partial<Record<string, FieldKind>> = {
  employees: 'wholeCount',
  amount: 'amount',
  homeAmount: 'amount',
  currency: 'currency',
  contactIds: 'textList',
  tech: 'textList',
  deleted: 'boolean',
  closeDate: 'localDate',
  probability: 'probability',
  forecastCategory: 'forecastCategory',
};

const KIND_WORDS: Record<FieldKind, string> = {
  text: 'a text',
  wholeCount: 'a whole number ≥ 0',
  amount: 'a number ≥ 0',
  currency: 'an ISO 4217 code such as "USD"',
  textList: 'a list of texts',
  boolean: 'true or false',
  localDate: 'a date "YYYY-MM-DD"',
  probability: 'a number from 0 to 1',
  forecastCategory: `one of ${FORECAST_CATEGORIES.join(', ')}`,
};

function kindOf(field: string): FieldKind {
  return field.startsWith(CONTACT_LINK_PREFIX) || field.startsWith(MERGED_FROM_PREFIX)
    ? 'boolean'
    : (FIELD_KINDS[field] ?? 'text');
}

function fits(kind: FieldKind, value: FieldValue): boolean {
  switch (kind) {
    case 'text':
      return typeof value === 'string';
    case 'wholeCount':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
    case 'amount':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0;
    case 'currency':
      return typeof value === 'string' && /^[A-Z]{3}$/.test(value);
    case 'textList':
      return Array.isArray(value) && value.every((entry) => typeof entry === 'string');
    case 'boolean':
      return typeof value === 'boolean';
    case 'localDate':
      return (
        typeof value === 'string' &&
        /^\d{4}-\d{2}-\d{2}$/.test(value) &&
        !Number.isNaN(Date.parse(`${value}T00:00:00Z`)) &&
        new Date(`${value}T00:00:00Z`).toISOString().startsWith(value)
      );
    case 'probability':
      return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value <= 1;
    case 'forecastCategory':
      return typeof value === 'string' && (FORECAST_CATEGORIES as readonly string[]).includes(value);
  }
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** A lone UTF-16 surrogate (a JSON `\ud800` escape) as U+FFFD, as DynamoDB's UTF-8 will store it. */
function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd');
}

export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Ids, references and codes, never redacted (two records would share one id, a stage would no
 * longer match its map). Every other text (a job title, a lost reason, a company name or domain, a
 * source tag) is typed by someone: an email address or a phone number in it is redacted like one
 * in a kept body, so no projection holds one.
 */
const NEVER_REDACTED: ReadonlySet<string> = new Set([
  'companyId',
  'contactId',
  'mergedInto',
  'owner',
  'emailHash',
  'formId',
  'stage',
  'pipeline',
  'currency',
  'closeDate',
  'forecastCategory',
]);

/** A blank text is "no value": CRMs send "" when a property is cleared (DESIGN.md "Ties"). */
function normalised(name: string, value: FieldValue, hashEmail: EmailHasher): FieldValue {
  if (typeof value === 'string') {
    if (value.trim() === '') return null;
    return NEVER_REDACTED.has(name) ? wellFormed(value) : redactText(wellFormed(value), hashEmail);
  }
  if (Array.isArray(value))
    return value.map((entry) => (typeof entry === 'string' ? wellFormed(entry) : entry));
  return value;
}

/** Why an event cannot be projected, or undefined. Field names and sizes are said, never values. */
function problemOf(event: CanonicalEvent): string | undefined {
  const { idChars, fieldNameChars, textChars, listEntries } = EVENT_LIMITS;
  if (!(ENTITY_TYPES as readonly string[]).includes(event.entity))
    return `unknown entity ${clip(event.entity, 40)}`;
  if (event.id.trim() === '' || event.id.length > idChars)
    return `the id is empty or longer than ${idChars} characters`;
  if (!Number.isFinite(event.at)) return 'the time is not a valid instant';
  const known: readonly string[] = ENTITY_FIELDS[event.entity];
  for (const [name, value] of Object.entries(event.fields)) {
    const field = clip(name, 40);
    if (name.length > fieldNameChars)
      return `field ${field} has a name longer than ${fieldNameChars} characters`;
    const link =
      (event.entity === 'deal' && name.startsWith(CONTACT_LINK_PREFIX)) ||
      (event.entity === 'contact' && name.startsWith(MERGED_FROM_PREFIX));
    if (!link && !known.includes(name)) return `${field} is not a field of a ${event.entity}`;
    if (value === null) continue;
    const kind = kindOf(name);
    if (!fits(kind, value)) return `${field}: expected ${KIND_WORDS[kind]}`;
    if (typeof value === 'string' && value.length > textChars)
      return `${field} is longer than ${textChars} characters`;
    if (
      Array.isArray(value) &&
      (value.length > listEntries || value.some((entry) => entry.length > idChars))
    ) {
      return `${field} has more than ${listEntries} entries or an entry longer than ${idChars} characters`;
    }
  }
  return undefined;
}

/**
 * The canonical form of the events a source gave: blank texts are null, texts are well-formed
 * UTF-16 (as they read back from DynamoDB, so an id is found under the key it was stored with),
 * emails and phone numbers typed into free-text fields are redacted,
 * each value has its field's kind, and nothing exceeds the limits. An event that does not pass
 * becomes a problem of its delivery or row; the others go on.
 */
export function canonicalEvents(
  events: readonly CanonicalEvent[],
  problems: readonly FieldProblem[],
  hashEmail: EmailHasher,
): { events: CanonicalEvent[]; problems: FieldProblem[] } {
  const kept: CanonicalEvent[] = [];
  const all = [...problems];
  for (const event of events) {
    const fields: CanonicalEvent['fields'] = {};
    for (const [name, value] of Object.entries(event.fields)) {
      fields[wellFormed(name)] = normalised(name, value, hashEmail);
    }
    const candidate = { ...event, id: wellFormed(event.id), fields };
    const reason = problemOf(candidate);
    if (reason === undefined) kept.push(candidate);
    else all.push({ path: `${event.entity} ${clip(event.id, 64)}`, message: `not projected: ${reason}` });
  }
  return { events: kept, problems: all };
}
