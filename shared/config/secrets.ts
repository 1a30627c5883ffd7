import type { ClientConfig } from './schema.ts';

/** The secret behind the email hash; defaults to `<client>/email-hash-key`. */
export function emailHashKeyName(config: Pick<ClientConfig, 'client' | 'privacy'>): string {
  return config.privacy.emailHashKey ?? `${config.client}/email-hash-key`;
}
