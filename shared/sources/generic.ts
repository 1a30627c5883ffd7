import { createHmac } from 'node:crypto';
import * as z from 'zod';
import type { ClientConfig } from '../config/schema.ts';
import {
  AuthenticationError,
  ConfigError,
  type FieldProblem,
  problemsFromZod,
  UnknownSourceError,
  ValidationError,
} from '../errors.ts';
import { type CanonicalEvent, type FieldValue, FORECAST_CATEGORIES, qualifyId } from '../model/events.ts';
import { emailOrToken } from '../privacy.ts';
import { dealStageNames, mapLifecycle } from './mapping.ts';
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
 * The generic event API (DESIGN.md contract 2): Standard Webhooks signed, samepage's own JSON.
 * Ids without a system prefix are the generic system's (`c-1` → `generic:c-1`).
 */

const SYSTEM = 'generic';
export const MAX_EVENTS_PER_REQUEST = 100;

const text = z.string().min(1);
/**
 * An optional field: absent keeps the last value, `null` clears it, and so does an empty or
 * all-blank string, which CRMs send when a property is cleared (DESIGN.md "Ties").
 */
function clearable<T extends z.ZodType>(schema: T) {
  return z
    .preprocess(
      (value) => (typeof value === 'string' && value.trim() === '' ? null : value),
      schema.nullable(),
    )
    .optional();
}
const optionalText = clearable(text);
/** The key of an email address (contacts and forms), read as its hash. */
const EMAIL_FIELD = 'email';
const common = { id: text, at: z.iso.datetime({ offset: true }) };

const eventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('company'),
    ...common,
    name: optionalText,
    domain: optionalText,
    industry: optionalText,
    employees: z.number().int().nonnegative().nullable().optional(),
    region: optionalText,
    country: optionalText,
    tech: z.array(text).nullable().optional(),
    deleted: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('contact'),
    ...common,
    companyId: optionalText,
    title: optionalText,
    seniority: optionalText,
    source: optionalText,
    owner: optionalText,
    stage: optionalText,
    reason: optionalText,
    [EMAIL_FIELD]: clearable(emailOrToken),
    deleted: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('deal'),
    ...common,
    companyId: optionalText,
    contactIds: z.array(text).nullable().optional(),
    amount: z.number().nonnegative().nullable().optional(),
    currency: clearable(z.string().regex(/^[A-Z]{3}$/, 'expected an ISO 4217 code')),
    stage: optionalText,
    // The forecast: the expected close as the client's local date, a probability and a category.
    closeDate: clearable(z.iso.date({ error: 'expected a real date "YYYY-MM-DD"' })),
    probability: clearable(
      z
        .number({ error: 'expected a number from 0 to 1' })
        .min(0, 'expected a number from 0 to 1')
        .max(1, 'expected a number from 0 to 1'),
    ),
    forecastCategory: clearable(
      z.enum(FORECAST_CATEGORIES, { error: `expected one of ${FORECAST_CATEGORIES.join(', ')}` }),
    ),
    pipeline: optionalText,
    source: optionalText,
    owner: optionalText,
    reason: optionalText,
    deleted: z.boolean().optional(),
  }),
  z.strictObject({
    type: z.literal('form'),
    ...common,
    formId: text,
    contactId: optionalText,
    [EMAIL_FIELD]: clearable(emailOrToken),
    source: optionalText,
  }),
  z.strictObject({
    type: z.literal('activity'),
    ...common,
    contactId: text,
    kind: z.enum(['call', 'email', 'meeting', 'other']),
    owner: optionalText,
  }),
]);

export type GenericEvent = z.infer<typeof eventSchema>;

const ENVELOPE_SHAPE = '{"events": [...]} with 1 to 100 events';
const envelopeSchema = z.strictObject({
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_REQUEST),
});

const REFERENCE_FIELDS = new Set(['companyId', 'contactId']);

/**
 * One validated generic event → a canonical event. Returns a problem instead when a value
 * needs the config (a stage the client does not define).
 */
export function canonicalFromGeneric(
  event: GenericEvent,
  context: Pick<ParseContext, 'config' | 'hashEmail'>,
): CanonicalEvent | { problem: string; path: string } {
  const { type, id, at, ...rest } = event;
  const fields: Record<string, FieldValue> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (value === undefined) continue;
    if (name === EMAIL_FIELD) fields.emailHash = value === null ? null : context.hashEmail(value as string);
    else if (REFERENCE_FIELDS.has(name) && typeof value === 'string') fields[name] = qualifyId(SYSTEM, value);
    else if (name === 'contactIds' && Array.isArray(value))
      fields[name] = value.map((v) => qualifyId(SYSTEM, v));
    else fields[name] = value as FieldValue;
  }
  const stage = fields.stage;
  if (typeof stage === 'string') {
    const problem = stageProblem(type, stage, context.config);
    if (problem) return { problem, path: 'stage' };
    if (type === 'contact') fields.stage = mapLifecycle(context.config, stage) ?? stage;
  }
  return { entity: type, id: qualifyId(SYSTEM, id), at: Date.parse(at), fields };
}

function stageProblem(type: GenericEvent['type'], stage: string, config: ClientConfig): string | undefined {
  // The stage as sent is not named: a message is stored and logged, and the value could be anything.
  if (type === 'contact' && mapLifecycle(config, stage) === undefined) {
    return "the stage is neither a canonical stage nor mapped by the config's lifecycle";
  }
  if (type === 'deal' && !dealStageNames(config).includes(stage)) {
    return `the stage is not one of the client's dealStages (${dealStageNames(config).join(', ')})`;
  }
  return undefined;
}

/** Each event type → the keys its schema knows: what is kept of an event of that type. */
const EVENT_KEYS: ReadonlyMap<unknown, ReadonlySet<string>> = new Map(
  eventSchema.options.flatMap((option) =>
    [...option.shape.type.values].map((type) => [type, new Set(Object.keys(option.shape))] as const),
  ),
);

/** Stands for an email value that is not an address: replay reports the same problem without the value. */
const NOT_AN_EMAIL = 'not an email address';

/** An email as kept: its token; blank and null stay (both clear), anything else fails alike. */
function keptEmail(value: unknown, hashEmail: KeepContext['hashEmail']): unknown {
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'string' && value.trim() === '') return '';
  const parsed = emailOrToken.safeParse(value);
  return parsed.success ? `emailhash:${hashEmail(parsed.data)}` : NOT_AN_EMAIL;
}

/**
 * One event as kept: the keys its type's schema knows, the email as its token. A key the schema
 * does not know (a name, a phone number) keeps its name but not its value, so the event is refused
 * on replay as it was; an event of no known type keeps nothing, and a non-object becomes null.
 */
function keptEvent(item: unknown, context: KeepContext): unknown {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return null;
  const event = item as Record<string, unknown>;
  const keys = EVENT_KEYS.get(event.type);
  if (!keys) return {};
  return Object.fromEntries(
    Object.entries(event).map(([key, value]) => {
      if (!keys.has(key)) return [key, null];
      return [key, key === EMAIL_FIELD ? keptEmail(value, context.hashEmail) : value];
    }),
  );
}

/** Validates each event on its own, so one bad event does not hold back the other 99. */
export function parseGenericEvents(
  items: readonly unknown[],
  context: Pick<ParseContext, 'config' | 'hashEmail'>,
) {
  const events: CanonicalEvent[] = [];
  const problems: FieldProblem[] = [];
  items.forEach((item, index) => {
    const result = eventSchema.safeParse(item);
    if (!result.success) {
      for (const problem of problemsFromZod(result.error.issues)) {
        problems.push({
          path: `events[${index}]${problem.path ? `.${problem.path}` : ''}`,
          message: problem.message,
        });
      }
      return;
    }
    const canonical = canonicalFromGeneric(result.data, context);
    if ('problem' in canonical)
      problems.push({ path: `events[${index}].${canonical.path}`, message: canonical.problem });
    else events.push(canonical);
  });
  return { events, problems };
}

/** Standard Webhooks: a `webhook-timestamp` further than this from now is refused. */
const STANDARD_WEBHOOKS_TOLERANCE_S = 5 * 60;

/**
 * The Standard Webhooks v1 signature: base64 HMAC-SHA256 keyed with the base64-decoded secret
 * (after its `whsec_` prefix), over `id.timestamp.` and the body's bytes
 * (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md,
 * "Signature scheme"). Computed here, not by the `standardwebhooks` package, because the package
 * turns a Buffer payload into a UTF-8 string first, and so could not verify bytes that are not UTF-8.
 */
export function standardWebhooksSignature(
  secret: string,
  id: string,
  timestamp: string,
  body: string | Uint8Array,
): string {
  const key = Buffer.from(secret.startsWith('whsec_') ? secret.slice('whsec_'.length) : secret, 'base64');
  if (key.length === 0) {
    throw new ConfigError('sources.generic.secret', [
      { path: 'secret', message: 'the secret decodes to no bytes' },
    ]);
  }
  return createHmac('sha256', key).update(`${id}.${timestamp}.`, 'utf8').update(body).digest('base64');
}

export const genericAdapter: SourceAdapter = {
  name: 'generic',
  // A delivery is `{"events": [...]}` (up to 100).
  split: (body) =>
    jsonItems(
      body,
      (parsed) =>
        typeof parsed === 'object' && parsed !== null && 'events' in parsed && Array.isArray(parsed.events)
          ? parsed.events
          : undefined,
      (parsed, parts) => ({ ...(parsed as Record<string, unknown>), events: parts }),
    ),
  secretNames: (config) => [config.sources.generic?.secret],

  async verify(request, { config, secrets, now }) {
    const source = config.sources.generic;
    if (!source) throw new UnknownSourceError('generic');
    const id = request.headers['webhook-id'];
    const timestamp = request.headers['webhook-timestamp'];
    const signatures = request.headers['webhook-signature'];
    if (!id || !timestamp || !signatures) {
      throw new AuthenticationError(
        'signature',
        'webhook-id, webhook-timestamp or webhook-signature header missing',
      );
    }
    if (!/^\d{1,12}$/.test(timestamp)) {
      throw new AuthenticationError('timestamp', 'webhook-timestamp is not Unix seconds');
    }
    // The domain's clock decides, so tests and replays agree.
    if (Math.abs(now / 1000 - Number(timestamp)) > STANDARD_WEBHOOKS_TOLERANCE_S) {
      throw new AuthenticationError('timestamp', 'webhook-timestamp is more than 5 minutes away from now');
    }
    // As the reference libraries sign: the timestamp as a number (leading zeros dropped).
    const seconds = String(Number(timestamp));
    const expected = standardWebhooksSignature(await secrets.get(source.secret), id, seconds, request.body);
    // Every `v1,<signature>` in the space-separated list is compared; other versions are skipped.
    const matches = signatures
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => constantTimeEqual(entry.slice(3), expected));
    if (!matches.includes(true)) {
      throw new AuthenticationError('signature', 'No matching signature in webhook-signature');
    }
  },

  parse(body, context): ParsedDelivery {
    const envelope = parseJsonBody(body, envelopeSchema, ENVELOPE_SHAPE);
    const { events, problems } = parseGenericEvents(envelope.events, context);
    if (events.length === 0) throw new ValidationError('no event in the delivery is valid', problems);
    return { events, problems, ignored: {} };
  },

  keep(body, context) {
    const envelope = parseJsonBody(body, envelopeSchema, ENVELOPE_SHAPE);
    return JSON.stringify({ events: envelope.events.map((item) => keptEvent(item, context)) });
  },

  answer: jsonAnswer,
};
