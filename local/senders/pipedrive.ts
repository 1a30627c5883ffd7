import { randomUUID } from 'node:crypto';

/**
 * Headers a Pipedrive webhook (v2) carries when the webhook was created with
 * `http_auth_user` / `http_auth_password`: HTTP Basic (RFC 7617), nothing signed.
 * `credentials` is "user:password", as the basicAuth secret holds it.
 */
export function pipedriveHeaders(credentials: string): Record<string, string> {
  return {
    'content-type': 'application/json',
    authorization: `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`,
  };
}

export interface PipedriveWebhookInput {
  action: 'create' | 'change' | 'delete';
  entity: string;
  /** Numeric Pipedrive id; the meta block carries it as a string, as v2 does. */
  id: number;
  /** ISO time of the change. */
  timestamp: string;
  data: Record<string, unknown> | null;
  previous?: Record<string, unknown> | null;
  /** Extra meta keys, e.g. merged_to_id on the delete half of a merge. */
  meta?: Record<string, unknown>;
}

/** A webhooks v2 body `{meta, data, previous}` as Pipedrive sends it. */
export function pipedriveBody(input: PipedriveWebhookInput): string {
  return JSON.stringify({
    meta: {
      action: input.action,
      entity: input.entity,
      entity_id: String(input.id),
      id: randomUUID(),
      version: '2.0',
      company_id: '12882925',
      user_id: '18487521',
      attempt: 1,
      host: 'acme.pipedrive.com',
      timestamp: input.timestamp,
      change_source: 'app',
      ...input.meta,
    },
    data: input.data,
    previous: input.previous ?? null,
  });
}
