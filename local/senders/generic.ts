import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

/** Headers a Standard Webhooks sender puts on a generic event delivery. */
export function genericHeaders(
  body: string,
  secret: string,
  options: { id?: string; timestamp?: Date } = {},
): Record<string, string> {
  const id = options.id ?? `msg_${randomUUID()}`;
  const timestamp = options.timestamp ?? new Date();
  return {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, timestamp, body),
  };
}
