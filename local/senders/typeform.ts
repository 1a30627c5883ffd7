import { typeformSignature } from '#shared/sources/typeform.ts';

/** Headers Typeform puts on a webhook delivery signed with the webhook's secret. */
export function typeformHeaders(body: string, secret: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    'typeform-signature': typeformSignature(body, secret),
  };
}

export interface TypeformResponseInput {
  formId: string;
  token: string;
  submittedAt: string;
  email?: string;
  hidden?: Record<string, string>;
}

/** A `form_response` body as Typeform sends it (an email answer when `email` is given). */
export function typeformBody(input: TypeformResponseInput): string {
  const answers: Record<string, unknown>[] = [
    {
      type: 'text',
      text: 'Acme',
      field: { id: 'M8JLOd0nIQPU', type: 'short_text', ref: 'company' },
    },
  ];
  if (input.email !== undefined) {
    answers.push({
      type: 'email',
      email: input.email,
      field: { id: 'Qe2xYp0kA1b9', type: 'email', ref: 'email' },
    });
  }
  return JSON.stringify({
    event_id: `01EK4R5PFZZP6C8H${input.token.slice(0, 10).toUpperCase()}`,
    event_type: 'form_response',
    form_response: {
      form_id: input.formId,
      token: input.token,
      landed_at: new Date(Date.parse(input.submittedAt) - 60_000).toISOString(),
      submitted_at: input.submittedAt,
      ...(input.hidden ? { hidden: input.hidden } : {}),
      definition: { id: input.formId, title: 'Demo request', fields: [] },
      answers,
    },
  });
}
