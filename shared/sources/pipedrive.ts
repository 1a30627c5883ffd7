import * as z from 'zod';
import type { ClientConfig } from '../config/schema.ts';
import { AuthenticationError, type FieldProblem, UnknownSourceError, ValidationError } from '../errors.ts';
import {
  type CanonicalEvent,
  ENTITY_FIELDS,
  type FieldValue,
  FORECAST_CATEGORIES,
  MERGED_FROM_PREFIX,
  qualifyId,
} from '../model/events.ts';
import { emailOrToken } from '../privacy.ts';
import { mapLifecycle } from './mapping.ts';
import { PIPEDRIVE_OBJECTS, type PipedriveObject } from './objects.ts';
import {
  jsonAnswer,
  type KeepContext,
  type ParseContext,
  type ParsedDelivery,
  type SourceAdapter,
} from './types.ts';
import { constantTimeEqual, parseJsonBody } from './wire.ts';

/**
 * Pipedrive webhooks v2 (DESIGN.md "Sources and authentication"): one `{meta, data, previous}`
 * object per request, authenticated with the HTTP Basic credentials set on the webhook
 * (`http_auth_user` / `http_auth_password`).
 *
 * Pipedrive signs nothing and sends no timestamp header, so there is no signature or staleness
 * check: a replayed request holds the same facts, and ingest is idempotent (same bytes are a
 * duplicate; a retry with a new `meta.attempt` projects the same fields at the same `at`, which
 * writes nothing). `meta.id` identifies the delivery; ingest dedups on the bytes instead.
 */

const SYSTEM = 'pipedrive';

/**
 * Pipedrive field (a key of `data`, a dotted path such as `address.country`, or a key of
 * `data.custom_fields`) → canonical field. When several keys feed one field, the first present
 * with a value wins. `sources.pipedrive.fields.<entity>` entries are merged on top (and win).
 */
export const PIPEDRIVE_PERSON_FIELDS: Readonly<Record<string, string>> = {
  emails: 'emailHash',
  email: 'emailHash',
  org_id: 'companyId',
  owner_id: 'owner',
  job_title: 'title',
};

export const PIPEDRIVE_ORGANIZATION_FIELDS: Readonly<Record<string, string>> = {
  name: 'name',
  address_country: 'country',
  'address.country': 'country',
  industry: 'industry',
  employee_count: 'employees',
};

/** `stage_id` and `status` are read by the stage rule, not through this map. */
export const PIPEDRIVE_DEAL_FIELDS: Readonly<Record<string, string>> = {
  value: 'amount',
  currency: 'currency',
  org_id: 'companyId',
  person_id: 'contactIds',
  owner_id: 'owner',
  lost_reason: 'reason',
  source_channel: 'source',
  origin: 'source',
  pipeline_id: 'pipeline',
  // "expected_close_date: The expected close date of the deal" and "probability: The success
  // probability percentage of the deal", null unless the pipeline has deal probability on
  // (https://developers.pipedrive.com/docs/api/v1/Deals). Pipedrive has no forecast category; a
  // config can map a custom field holding the canonical names to forecastCategory.
  expected_close_date: 'closeDate',
  probability: 'probability',
};

/** Activities are not configurable (the config has no `fields.activity`); `type` is read by the kind rule. */
export const PIPEDRIVE_ACTIVITY_FIELDS: Readonly<Record<string, string>> = {
  person_id: 'contactId',
  owner_id: 'owner',
  user_id: 'owner',
};

const ACTIVITY_KINDS = new Set(['call', 'email', 'meeting']);

/** Keys of `data` read outside the field maps, by the id, stage and activity rules (and kept with them). */
const RECORD_ID = 'id';
const DEAL_STATUS = 'status';
const DEAL_STAGE_ID = 'stage_id';
const ACTIVITY_TYPE = 'type';
const ACTIVITY_PERSON = 'person_id';
const ACTIVITY_PARTICIPANTS = 'participants';
const PARTICIPANT_PRIMARY = 'primary';

const id = z.union([z.string().min(1), z.number().int().nonnegative()]);

const bodySchema = z.object({
  meta: z.object({
    action: z.string().min(1),
    entity: z.string().min(1),
    entity_id: id.optional(),
    id: id.optional(),
    timestamp: z.union([z.string().min(1), z.number().positive()]),
    merged_to_id: id.nullable().optional(),
  }),
  data: z.record(z.string(), z.unknown()).nullable().optional(),
  // `previous` is not read: `data` holds the whole current record, so the old values (a person's
  // old name and phones) are neither needed nor kept.
});
type Body = z.infer<typeof bodySchema>;
const BODY_SHAPE = 'a Pipedrive webhooks v2 object {meta, data, previous}';

/** `meta.timestamp`: an ISO string, or unix seconds / milliseconds → epoch ms. */
export function pipedriveTime(value: string | number): number | undefined {
  if (typeof value === 'number') return value < 1e11 ? value * 1000 : value;
  if (/^\d+(\.\d+)?$/.test(value)) return pipedriveTime(Number(value));
  // Pipedrive's zone-less times ("2024-09-27 14:25:28") are UTC.
  const zoneless = /^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(value);
  const parsed = Date.parse(zoneless ? `${value.replace(' ', 'T')}Z` : value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

/** The field map of an entity: config entries first (they win), then the defaults they did not replace. */
function fieldMap(entity: PipedriveObject, config: ClientConfig): [string, string][] {
  const defaults = {
    person: PIPEDRIVE_PERSON_FIELDS,
    organization: PIPEDRIVE_ORGANIZATION_FIELDS,
    deal: PIPEDRIVE_DEAL_FIELDS,
    activity: PIPEDRIVE_ACTIVITY_FIELDS,
  }[entity];
  const overrides = entity === 'activity' ? undefined : config.sources.pipedrive?.fields?.[entity];
  const merged = Object.entries(overrides ?? {});
  for (const entry of Object.entries(defaults)) {
    if (!merged.some(([key]) => key === entry[0])) merged.push(entry);
  }
  return merged;
}

/** A value of `data` by key or dotted path, falling back to `data.custom_fields[key]`. */
function lookup(data: Record<string, unknown>, key: string): unknown {
  let value: unknown = data;
  for (const part of key.split('.')) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value === undefined) {
    const custom = data.custom_fields;
    if (custom !== null && typeof custom === 'object') value = (custom as Record<string, unknown>)[key];
  }
  return unwrapped(value);
}

/** Custom field values (and v1-style relations) arrive wrapped: {value: …} or {id: …}. */
function unwrapped(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const wrapped = value as Record<string, unknown>;
    if ('value' in wrapped) return wrapped.value;
    if ('id' in wrapped) return wrapped.id;
  }
  return value;
}

type Converted = { value: FieldValue } | { problem: string };

/** What a value is, for a problem message: never the value itself, which may be personal. */
function kindOf(raw: unknown): string {
  if (raw === null) return 'null';
  if (Array.isArray(raw)) return 'a list';
  if (typeof raw === 'string') return raw.trim() === '' ? 'an empty text' : 'a text';
  if (typeof raw === 'number') return Number.isFinite(raw) && raw < 0 ? 'a negative number' : 'a number';
  return typeof raw === 'object' ? 'an object' : `a ${typeof raw}`;
}

function idValue(raw: unknown): string | null | undefined {
  if (raw === null || raw === '') return null;
  if (typeof raw === 'number' && Number.isFinite(raw)) return qualifyId(SYSTEM, raw);
  if (typeof raw === 'string') return qualifyId(SYSTEM, raw.trim());
  return undefined;
}

function textValue(raw: unknown): string | null | undefined {
  if (raw === null) return null;
  if (typeof raw === 'string') return raw.trim() === '' ? null : raw.trim();
  if (typeof raw === 'number' && Number.isFinite(raw)) return String(raw);
  return undefined;
}

/** `emails` / `email`: an array of {value, primary} or strings (primary first), or one string. */
function readEmail(raw: unknown): { value: string; primary: boolean } | undefined {
  const list = Array.isArray(raw) ? raw : [raw];
  const entries = list.map((entry): { value?: unknown; primary?: unknown } =>
    entry !== null && typeof entry === 'object' ? entry : { value: entry, primary: false },
  );
  const ordered = [
    ...entries.filter((e) => e.primary === true),
    ...entries.filter((e) => e.primary !== true),
  ];
  const first = ordered.find((e) => typeof e.value === 'string' && e.value.trim() !== '');
  return first ? { value: (first.value as string).trim(), primary: first.primary === true } : undefined;
}

function emailHashValue(raw: unknown, context: Pick<ParseContext, 'hashEmail'>): Converted {
  if (raw === null) return { value: null };
  const first = readEmail(raw);
  if (!first) return { value: null };
  const parsed = emailOrToken.safeParse(first.value);
  if (!parsed.success) return { problem: 'expected an email address' };
  return { value: context.hashEmail(parsed.data) };
}

/** One Pipedrive value → the canonical field's value. */
function convert(field: string, raw: unknown, context: Pick<ParseContext, 'hashEmail'>): Converted {
  switch (field) {
    case 'emailHash':
      return emailHashValue(raw, context);
    case 'companyId':
    case 'contactId':
    case 'mergedInto': {
      const value = idValue(raw);
      return value === undefined ? { problem: 'expected a Pipedrive id' } : { value };
    }
    case 'contactIds': {
      if (raw === null) return { value: [] };
      const ids = (Array.isArray(raw) ? raw : [raw]).map(idValue);
      if (ids.some((value) => value === undefined)) return { problem: 'expected Pipedrive ids' };
      return { value: ids.filter((value): value is string => typeof value === 'string') };
    }
    case 'amount':
    case 'homeAmount':
    case 'employees': {
      if (raw === null || raw === '') return { value: null };
      const value = typeof raw === 'string' ? Number(raw.trim()) : raw;
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        return { problem: `expected a number ≥ 0, got ${kindOf(raw)}` };
      }
      return { value };
    }
    case 'currency': {
      const value = textValue(raw);
      if (value === undefined || (value !== null && !/^[A-Z]{3}$/.test(value))) {
        return { problem: `expected an ISO 4217 code, got ${kindOf(raw)}` };
      }
      return { value };
    }
    case 'deleted':
      return typeof raw === 'boolean' ? { value: raw } : { problem: 'expected true or false' };
    case 'closeDate': {
      if (raw === null || (typeof raw === 'string' && raw.trim() === '')) return { value: null };
      const text = typeof raw === 'string' ? raw.trim() : '';
      const date = /^\d{4}-\d{2}-\d{2}$/.test(text) ? new Date(`${text}T00:00:00Z`) : undefined;
      return date && !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text)
        ? { value: text }
        : { problem: 'expected a date YYYY-MM-DD' };
    }
    case 'probability': {
      // A percentage, 0–100.
      if (raw === null || (typeof raw === 'string' && raw.trim() === '')) return { value: null };
      const percent = typeof raw === 'string' ? Number(raw.trim()) : raw;
      return typeof percent === 'number' && Number.isFinite(percent) && percent >= 0 && percent <= 100
        ? { value: percent / 100 }
        : { problem: 'expected a percentage from 0 to 100' };
    }
    case 'forecastCategory': {
      const value = textValue(raw);
      if (value === null) return { value: null };
      const category = value?.toLowerCase().replace(/[\s-]+/g, '_');
      return category !== undefined && (FORECAST_CATEGORIES as readonly string[]).includes(category)
        ? { value: category }
        : { problem: `expected one of ${FORECAST_CATEGORIES.join(', ')}` };
    }
    case 'tech': {
      if (raw === null) return { value: null };
      const list = Array.isArray(raw) ? raw : [raw];
      const values = list.map(textValue);
      if (values.some((value) => value === undefined)) return { problem: 'expected a list of texts' };
      return { value: values.filter((value): value is string => typeof value === 'string') };
    }
    default: {
      const value = textValue(raw);
      return value === undefined ? { problem: `expected a text, got ${kindOf(raw)}` } : { value };
    }
  }
}

/**
 * A deal's stage: won/lost status → the client's first won/lost stage, else the `stage_id` as its
 * text ("7"), mapped by `sources.pipedrive.stages` when facts are read (canonicalDealStage).
 */
function dealStage(data: Record<string, unknown>, config: ClientConfig): string | undefined {
  const status = data[DEAL_STATUS];
  if (status === 'won') return config.dealStages.won[0] as string;
  if (status === 'lost') return config.dealStages.lost[0] as string;
  const raw = lookup(data, DEAL_STAGE_ID);
  if (raw === undefined || raw === null) return undefined;
  return String(raw);
}

/** The person an activity is about: `person_id`, else its primary (or first) participant. */
function activityPerson(data: Record<string, unknown>): unknown {
  const direct = lookup(data, ACTIVITY_PERSON);
  if (direct !== undefined && direct !== null) return direct;
  const participants = data[ACTIVITY_PARTICIPANTS];
  if (Array.isArray(participants) && participants.length > 0) {
    const list = participants as Record<string, unknown>[];
    return (list.find((p) => p[PARTICIPANT_PRIMARY] === true) ?? list[0])?.[ACTIVITY_PERSON] ?? direct;
  }
  return direct;
}

/** Whether a field map entry is read: it names a canonical field of the entity that a map may set. */
function isReadable(entity: PipedriveObject, field: string): boolean {
  return (
    (ENTITY_FIELDS[PIPEDRIVE_OBJECTS[entity]] as readonly string[]).includes(field) &&
    field !== 'deleted' &&
    field !== 'mergedInto'
  );
}

function record(
  entity: PipedriveObject,
  data: Record<string, unknown>,
  context: Pick<ParseContext, 'config' | 'hashEmail'>,
  problems: FieldProblem[],
  ignored: Record<string, number>,
): Record<string, FieldValue> {
  const canonicalEntity = PIPEDRIVE_OBJECTS[entity];
  const allowed = new Set<string>(ENTITY_FIELDS[canonicalEntity]);
  const fields: Record<string, FieldValue> = {};
  const settled = new Set<string>();
  for (const [key, field] of fieldMap(entity, context.config)) {
    if (!isReadable(entity, field)) {
      problems.push({
        path: `config.sources.pipedrive.fields.${entity}.${key}`,
        message: `"${field}" is not a canonical ${canonicalEntity} field (${[...allowed].join(', ')})`,
      });
      continue;
    }
    if (settled.has(field)) continue;
    const raw = entity === 'activity' && field === 'contactId' ? activityPerson(data) : lookup(data, key);
    if (raw === undefined) continue;
    const converted = convert(field, raw, context);
    if ('problem' in converted) {
      problems.push({ path: `data.${key}`, message: converted.problem });
      settled.add(field);
      continue;
    }
    if (field === 'stage' && typeof converted.value === 'string') {
      if (canonicalEntity === 'contact') {
        // A person's lifecycle custom field: only values that map to a milestone are stage changes.
        const stage = mapLifecycle(context.config, converted.value);
        if (stage === undefined) {
          ignored['person.unmapped_stage'] = (ignored['person.unmapped_stage'] ?? 0) + 1;
          settled.add(field);
          continue;
        }
        converted.value = stage;
      }
    }
    // The first key with a value wins; a null is kept only until a later key has a value.
    fields[field] = converted.value;
    if (converted.value !== null) settled.add(field);
  }
  if (entity === 'deal' && !settled.has('stage')) {
    const stage = dealStage(data, context.config);
    if (stage !== undefined) fields.stage = stage;
  }
  if (entity === 'activity') {
    const type = lookup(data, ACTIVITY_TYPE);
    if (typeof type === 'string') fields.kind = ACTIVITY_KINDS.has(type) ? type : 'other';
  }
  return fields;
}

/**
 * One verified v2 webhook → its canonical events: one for the record, and for the delete half of
 * a person merge one more on the surviving person.
 */
export function parsePipedrive(
  body: Body,
  context: Pick<ParseContext, 'config' | 'hashEmail'>,
): ParsedDelivery {
  const { meta, data } = body;
  const problems: FieldProblem[] = [];
  const ignored: Record<string, number> = {};
  if (!Object.hasOwn(PIPEDRIVE_OBJECTS, meta.entity))
    return { events: [], problems, ignored: { [meta.entity]: 1 } };
  const entity = meta.entity as PipedriveObject;
  if (!['create', 'change', 'delete'].includes(meta.action)) {
    return { events: [], problems, ignored: { [`action:${meta.action}`]: 1 } };
  }
  const at = pipedriveTime(meta.timestamp);
  if (at === undefined) {
    throw new ValidationError('meta.timestamp is neither an ISO time nor a unix time', [
      { path: 'meta.timestamp', message: 'expected an ISO time, or unix seconds or milliseconds' },
    ]);
  }
  const rawId = meta.entity_id ?? (data?.[RECORD_ID] as string | number | undefined);
  if (rawId === undefined || (typeof rawId !== 'string' && typeof rawId !== 'number')) {
    throw new ValidationError('the webhook names no entity id', [
      { path: 'meta.entity_id', message: 'required' },
    ]);
  }
  const canonical: Omit<CanonicalEvent, 'fields'> = {
    entity: PIPEDRIVE_OBJECTS[entity],
    id: qualifyId(SYSTEM, rawId),
    at,
  };

  if (meta.action === 'delete') {
    if (entity === 'activity') return { events: [], problems, ignored: { 'activity.delete': 1 } };
    if (meta.merged_to_id === undefined || meta.merged_to_id === null) {
      return { events: [{ ...canonical, fields: { deleted: true } }], problems, ignored };
    }
    // Webhooks v2 have no merge action: a merge is a delete of the merged record whose meta carries
    // merged_to_id, plus a change of the survivor
    // (https://pipedrive.readme.io/docs/webhooks-v2-migration-guide). The merged record is not
    // deleted: its history is joined to the survivor's when facts are read, and a surviving person
    // names the merged one so that reading the survivor finds it. Both are facts at the delete's
    // time, so the two webhooks project the same states in either order.
    const survivor = qualifyId(SYSTEM, meta.merged_to_id);
    const events: CanonicalEvent[] = [{ ...canonical, fields: { mergedInto: survivor } }];
    if (entity === 'person' && survivor !== canonical.id) {
      events.push({
        entity: canonical.entity,
        id: survivor,
        at,
        fields: { [`${MERGED_FROM_PREFIX}${canonical.id}`]: true },
      });
    }
    return { events, problems, ignored };
  }
  if (!data) {
    throw new ValidationError(`a ${meta.action} webhook without data`, [
      { path: 'data', message: 'required' },
    ]);
  }
  // `data` holds the full current record, so every mapped field present is set, changed or not.
  const fields = record(entity, data, context, problems, ignored);
  return { events: [{ ...canonical, fields }], problems, ignored };
}

/** Stands for an email value that is not an address: replay reports the same problem without the value. */
const NOT_AN_EMAIL = 'not an email address';

/** An email field as kept: the entry `readEmail` takes, its address as its `emailhash:` token. */
function keptEmail(raw: unknown, hashEmail: KeepContext['hashEmail']): unknown {
  if (raw === null) return null;
  const first = readEmail(raw);
  if (!first) return Array.isArray(raw) ? [] : null;
  const parsed = emailOrToken.safeParse(first.value);
  const value = parsed.success ? `emailhash:${hashEmail(parsed.data)}` : NOT_AN_EMAIL;
  return Array.isArray(raw) ? [{ value, primary: first.primary }] : value;
}

/** A value read as it is; objects in a list (ids, texts) read as a problem either way, so are kept empty. */
function plain(raw: unknown): unknown {
  return Array.isArray(raw)
    ? raw.map((item) => (item !== null && typeof item === 'object' ? {} : item))
    : raw;
}

/**
 * A mapped value as kept: what `lookup` unwraps from a custom field or a v1 relation ({value} or
 * {id}) and nothing around it (a relation's name, email, phone); an object it does not unwrap reads
 * as a problem either way, so it is kept empty.
 */
function keptValue(raw: unknown, read: (value: unknown) => unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return read(raw);
  const wrapped = raw as Record<string, unknown>;
  if ('value' in wrapped) return { value: keptValue(wrapped.value, read) };
  if ('id' in wrapped) return { id: keptValue(wrapped.id, read) };
  return {};
}

/** Sets a value at a path of plain objects, merging into objects already kept there. */
function put(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  const [head, ...rest] = path;
  if (head === undefined) return;
  const existing = target[head];
  const into = existing !== null && typeof existing === 'object' && !Array.isArray(existing);
  if (rest.length > 0) {
    const child = into ? (existing as Record<string, unknown>) : {};
    target[head] = child;
    put(child, rest, value);
  } else if (into && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    Object.assign(existing as Record<string, unknown>, value);
  } else {
    target[head] = value;
  }
}

/** Keeps what `lookup(data, key)` reads: the value at the key's path, else its custom field. */
function keepKey(
  data: Record<string, unknown>,
  kept: Record<string, unknown>,
  key: string,
  keptFor: (found: unknown) => unknown = (found) => keptValue(found, plain),
): void {
  const path = key.split('.');
  let value: unknown = data;
  for (const part of path) {
    value =
      value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[part] : undefined;
  }
  if (value !== undefined) {
    put(kept, path, keptFor(value));
    return;
  }
  const custom = data.custom_fields;
  const field =
    custom !== null && typeof custom === 'object' ? (custom as Record<string, unknown>)[key] : undefined;
  if (field !== undefined) put(kept, ['custom_fields', key], keptFor(field));
}

/**
 * A mapped field's value as kept. A value that does not convert is kept as an empty object, which
 * converts to the same problem for every field but the email (kept by `keptEmail`), without
 * keeping what was there (a name typed in a number field, a list of texts).
 */
function keptField(field: string, found: unknown, context: KeepContext): unknown {
  if (field === 'emailHash') return keptValue(found, (raw) => keptEmail(raw, context.hashEmail));
  return 'problem' in convert(field, unwrapped(found), context) ? {} : keptValue(found, plain);
}

/** `data` reduced to what `parsePipedrive` reads of this entity under this config. */
function keptData(
  entity: PipedriveObject,
  data: Record<string, unknown>,
  context: KeepContext,
): Record<string, unknown> {
  const kept: Record<string, unknown> = {};
  const id = data[RECORD_ID];
  if (id !== undefined) kept[RECORD_ID] = id !== null && typeof id === 'object' ? {} : id;
  for (const [key, field] of fieldMap(entity, context.config)) {
    if (isReadable(entity, field)) keepKey(data, kept, key, (found) => keptField(field, found, context));
  }
  if (entity === 'deal') {
    const status = data[DEAL_STATUS];
    if (status !== undefined) kept[DEAL_STATUS] = status !== null && typeof status === 'object' ? {} : status;
    keepKey(data, kept, DEAL_STAGE_ID);
  }
  if (entity === 'activity') {
    keepKey(data, kept, ACTIVITY_TYPE);
    const participants = data[ACTIVITY_PARTICIPANTS];
    if (Array.isArray(participants)) {
      kept[ACTIVITY_PARTICIPANTS] = participants.map((participant: unknown) => {
        if (participant === null || typeof participant !== 'object') return participant === null ? null : {};
        const entry = participant as Record<string, unknown>;
        const reduced: Record<string, unknown> = {};
        if (entry[ACTIVITY_PERSON] !== undefined) {
          reduced[ACTIVITY_PERSON] = keptValue(entry[ACTIVITY_PERSON], plain);
        }
        if (entry[PARTICIPANT_PRIMARY] !== undefined)
          reduced[PARTICIPANT_PRIMARY] = entry[PARTICIPANT_PRIMARY];
        return reduced;
      });
    }
  }
  return kept;
}

/**
 * The webhook reduced to what `parsePipedrive` reads: the `meta` keys of its schema, the record's
 * id, mapped fields (the maps merged with `sources.pipedrive.fields`) and stage and activity keys.
 * Everything else in `data` (name, phones, addresses, notes) and all of `previous` is dropped.
 */
function keepPipedrive(body: string, context: KeepContext): string {
  // The schema's output holds only the meta keys it names; `data` comes through whole.
  const { meta, data } = parseJsonBody(body, bodySchema, BODY_SHAPE);
  const kept: Record<string, unknown> = { meta };
  if (data === null) kept.data = null;
  else if (data !== undefined && Object.hasOwn(PIPEDRIVE_OBJECTS, meta.entity)) {
    kept.data = keptData(meta.entity as PipedriveObject, data, context);
  }
  return JSON.stringify(kept);
}

/** The `Authorization` value a Pipedrive webhook with these `user:password` credentials carries. */
export function basicAuthorization(credentials: string): string {
  return `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
}

export const pipedriveAdapter: SourceAdapter = {
  name: 'pipedrive',
  secretNames: (config) => [config.sources.pipedrive?.basicAuth],

  async verify(request, { config, secrets }) {
    const source = config.sources.pipedrive;
    if (!source) throw new UnknownSourceError('pipedrive');
    const header = request.headers.authorization;
    if (!header) {
      throw new AuthenticationError(
        'credentials',
        'missing Authorization header (Pipedrive HTTP Basic auth)',
      );
    }
    const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!match?.[1]) {
      throw new AuthenticationError('credentials', 'Authorization header is not HTTP Basic credentials');
    }
    if (!constantTimeEqual(Buffer.from(match[1], 'base64'), await secrets.get(source.basicAuth))) {
      throw new AuthenticationError('credentials', 'wrong HTTP Basic credentials');
    }
  },

  parse(body, context): ParsedDelivery {
    return parsePipedrive(parseJsonBody(body, bodySchema, BODY_SHAPE), context);
  },

  keep: keepPipedrive,

  // Always 200 for a verified delivery: Pipedrive bans a hook after repeated failures.
  answer: jsonAnswer,
};
