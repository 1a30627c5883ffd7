import { createHmac } from 'node:crypto';
import * as z from 'zod';
import {
  AuthenticationError,
  type FieldProblem,
  problemsFromZod,
  UnknownSourceError,
  ValidationError,
} from '../errors.ts';
import { type CanonicalEvent, type FieldValue, qualifyId } from '../model/events.ts';
import { emailOrToken } from '../privacy.ts';
import {
  jsonAnswer,
  type KeepContext,
  type ParseContext,
  type ParsedDelivery,
  type SourceAdapter,
} from './types.ts';
import { constantTimeEqual, parseJsonBody } from './wire.ts';

/**
 * Typeform webhooks (DESIGN.md "Sources and authentication"): one `form_response` per request,
 * signed with `Typeform-Signature: sha256=<base64 HMAC-SHA256(secret, raw body)>`.
 *
 * Typeform sends no timestamp with the signature, so there is no staleness window: a replayed
 * delivery is the same response (same token, same fields) and ingest is idempotent.
 */

const SYSTEM = 'typeform';
const SIGNATURE_PREFIX = 'sha256=';

/** Hidden fields read from `form_response.hidden`, first present wins. */
export const TYPEFORM_HIDDEN_FIELDS = {
  email: ['email'],
  source: ['utm_source', 'source'],
  contactId: ['contact_id'],
} as const;

/** The `Typeform-Signature` value for a body: `sha256=` + base64 (not hex) HMAC-SHA256. */
export function typeformSignature(body: string | Uint8Array, secret: string): string {
  return `${SIGNATURE_PREFIX}${createHmac('sha256', secret).update(body).digest('base64')}`;
}

const envelopeSchema = z.object({
  event_id: z.string().min(1).optional(),
  event_type: z.string().min(1),
  form_response: z.unknown().optional(),
});

const responseSchema = z.object({
  form_id: z.string().min(1),
  token: z.string().min(1),
  landed_at: z.iso.datetime({ offset: true }).optional(),
  submitted_at: z.iso.datetime({ offset: true }),
  hidden: z
    .record(z.string(), z.union([z.string(), z.number(), z.null()]))
    .nullable()
    .optional(),
  answers: z.array(z.record(z.string(), z.unknown())).nullable().optional(),
});

const ENVELOPE_SHAPE = 'a Typeform webhook {event_id, event_type, form_response}';
const FORM_RESPONSE = 'form_response';
/** The answer the email is read from: the first of this type holding a text under this key. */
const EMAIL_ANSWER = { type: 'email', key: 'email' } as const;

/** The index of the answer `parse` reads the email from, or -1. */
function emailAnswerIndex(answers: readonly Record<string, unknown>[]): number {
  return answers.findIndex(
    (answer) => answer.type === EMAIL_ANSWER.type && typeof answer[EMAIL_ANSWER.key] === 'string',
  );
}

/** Stands for an email value that is not an address: replay reports the same problem without the value. */
const NOT_AN_EMAIL = 'not an email address';

/** A blank value stays blank: `parse` skips a blank hidden field, and reports a blank answer alike. */
function keptEmail(value: string, hashEmail: KeepContext['hashEmail']): string {
  if (value.trim() === '') return '';
  const parsed = emailOrToken.safeParse(value.trim());
  return parsed.success ? `emailhash:${hashEmail(parsed.data)}` : NOT_AN_EMAIL;
}

/**
 * The delivery reduced to what `parse` reads: the envelope and response keys of their schemas,
 * the hidden fields named in TYPEFORM_HIDDEN_FIELDS (the email one as its token) and the email
 * answer (as its token). The definition (field titles), every other answer (names, phone numbers,
 * free text, choices) and other hidden fields are dropped. The email answer keeps its index, as
 * empty answers before it, because a problem with it is reported at that index.
 */
function keepTypeform(body: string, context: KeepContext): string {
  const envelope = parseJsonBody(body, envelopeSchema, ENVELOPE_SHAPE);
  const kept: Record<string, unknown> = {};
  for (const key of Object.keys(envelopeSchema.shape) as (keyof typeof envelope)[]) {
    if (key !== FORM_RESPONSE && envelope[key] !== undefined) kept[key] = envelope[key];
  }
  if (envelope.event_type !== FORM_RESPONSE) return JSON.stringify(kept);
  const parsed = responseSchema.safeParse(envelope.form_response);
  if (!parsed.success) throw new ValidationError('form_response is not a Typeform response');
  const { hidden, answers, ...response } = parsed.data;
  const keptResponse: Record<string, unknown> = { ...response };
  if (hidden) {
    const keptHidden: Record<string, string | number | null> = {};
    for (const [field, names] of Object.entries(TYPEFORM_HIDDEN_FIELDS)) {
      for (const name of names) {
        const value = hidden[name];
        if (value === undefined) continue;
        keptHidden[name] =
          field === 'email' && typeof value === 'string' ? keptEmail(value, context.hashEmail) : value;
      }
    }
    keptResponse.hidden = keptHidden;
  }
  const index = emailAnswerIndex(answers ?? []);
  const answer = answers?.[index]?.[EMAIL_ANSWER.key];
  if (typeof answer === 'string') {
    keptResponse.answers = [
      ...Array.from({ length: index }, () => ({})),
      { type: EMAIL_ANSWER.type, [EMAIL_ANSWER.key]: keptEmail(answer, context.hashEmail) },
    ];
  }
  kept[FORM_RESPONSE] = keptResponse;
  return JSON.stringify(kept);
}

function hiddenText(
  hidden: Record<string, string | number | null>,
  names: readonly string[],
): string | undefined {
  for (const name of names) {
    const value = hidden[name];
    const text = value === null || value === undefined ? '' : String(value).trim();
    if (text !== '') return text;
  }
  return undefined;
}

export const typeformAdapter: SourceAdapter = {
  name: 'typeform',
  secretNames: (config) => [config.sources.typeform?.secret],

  async verify(request, { config, secrets }) {
    const source = config.sources.typeform;
    if (!source) throw new UnknownSourceError('typeform');
    const header = request.headers['typeform-signature'];
    if (!header) throw new AuthenticationError('signature', 'missing Typeform-Signature header');
    if (!header.startsWith(SIGNATURE_PREFIX)) {
      throw new AuthenticationError('signature', 'Typeform-Signature is not "sha256=<base64 HMAC>"');
    }
    if (!constantTimeEqual(header, typeformSignature(request.body, await secrets.get(source.secret)))) {
      throw new AuthenticationError(
        'signature',
        'wrong Typeform-Signature (it is the base64 HMAC-SHA256 of the body as sent)',
      );
    }
  },

  parse(body, context: ParseContext): ParsedDelivery {
    const envelope = parseJsonBody(body, envelopeSchema, ENVELOPE_SHAPE);
    const { event_type: eventType } = envelope;
    if (eventType !== FORM_RESPONSE) return { events: [], problems: [], ignored: { [eventType]: 1 } };
    const parsed = responseSchema.safeParse(envelope.form_response);
    if (!parsed.success) {
      throw new ValidationError(
        'form_response is not a Typeform response',
        problemsFromZod(parsed.error.issues).map((p) => ({ ...p, path: `form_response.${p.path}` })),
      );
    }
    const response = parsed.data;
    const hidden = response.hidden ?? {};
    const problems: FieldProblem[] = [];
    const forms = context.config.sources.typeform?.forms ?? {};
    const fields: Record<string, FieldValue> = {
      formId: Object.hasOwn(forms, response.form_id) ? (forms[response.form_id] as string) : response.form_id,
    };

    // The email: the first answer of type email, else a hidden field named email.
    const answers = response.answers ?? [];
    const index = emailAnswerIndex(answers);
    const answered = index >= 0 ? (answers[index]?.[EMAIL_ANSWER.key] as string) : undefined;
    const email = answered ?? hiddenText(hidden, TYPEFORM_HIDDEN_FIELDS.email);
    if (email !== undefined) {
      const valid = emailOrToken.safeParse(email.trim());
      if (valid.success) fields.emailHash = context.hashEmail(valid.data);
      else {
        problems.push({
          path: index >= 0 ? `form_response.answers[${index}].email` : 'form_response.hidden.email',
          message: 'expected an email address',
        });
      }
    }
    const source = hiddenText(hidden, TYPEFORM_HIDDEN_FIELDS.source);
    if (source !== undefined) fields.source = source;
    // A contact id that already names its system (`hubspot:123`) is kept as given.
    const contactId = hiddenText(hidden, TYPEFORM_HIDDEN_FIELDS.contactId);
    if (contactId !== undefined) fields.contactId = qualifyId(SYSTEM, contactId);

    const event: CanonicalEvent = {
      entity: 'form',
      id: qualifyId(SYSTEM, response.token),
      at: Date.parse(response.submitted_at),
      fields,
    };
    return { events: [event], problems, ignored: {} };
  },

  keep: keepTypeform,

  // 200 for every verified delivery: Typeform disables a hook that answers 404 or 410.
  answer: jsonAnswer,
};
