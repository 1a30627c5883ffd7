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
import { jsonAnswer, type ParseContext, type ParsedDelivery, type SourceAdapter } from './types.ts';
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
    const envelope = parseJsonBody(
      body,
      envelopeSchema,
      'a Typeform webhook {event_id, event_type, form_response}',
    );
    const { event_type: eventType } = envelope;
    if (eventType !== 'form_response') return { events: [], problems: [], ignored: { [eventType]: 1 } };
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
    const index = answers.findIndex((answer) => answer.type === 'email' && typeof answer.email === 'string');
    const answered = index >= 0 ? (answers[index]?.email as string) : undefined;
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

  // 200 for every verified delivery: Typeform disables a hook that answers 404 or 410.
  answer: jsonAnswer,
};
