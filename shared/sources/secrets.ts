import { type ClientConfig, SOURCE_NAMES } from '../config/schema.ts';
import { emailHashKeyName } from '../config/secrets.ts';
import { SecretNotFoundError } from '../errors.ts';
import type { Secrets } from '../ports/secrets.ts';
import { adapterFor } from './registry.ts';

/** Where a secret is used: a configured source, the key of the email hash, or a chat webhook. */
export type SecretUse = (typeof SOURCE_NAMES)[number] | 'email hash key' | ChatSecretUse;
export type ChatSecretUse = 'slack webhook' | 'teams webhook';

/** The chat webhooks' secrets: only send-packet reads them. */
export function chatSecrets(config: ClientConfig): { use: ChatSecretUse; name: string }[] {
  return [
    ...config.chat.slack.map((destination) => ({ use: 'slack webhook' as const, name: destination.webhook })),
    ...config.chat.teams.map((destination) => ({ use: 'teams webhook' as const, name: destination.webhook })),
  ];
}

/**
 * Every secret the config refers to, with what uses it: each configured source's own (its adapter
 * says which it reads), the email-hash key and the chat webhooks. A name shared by two sources is listed for each.
 */
export function configuredSecrets(config: ClientConfig): { use: SecretUse; name: string }[] {
  const sources = SOURCE_NAMES.filter((source) => config.sources[source] !== undefined).flatMap((source) =>
    (adapterFor(source)?.secretNames(config) ?? []).flatMap((name) => (name ? [{ use: source, name }] : [])),
  );
  return [...sources, { use: 'email hash key', name: emailHashKeyName(config) }, ...chatSecrets(config)];
}

/**
 * The configured secrets the store of secrets cannot resolve, each with the error a delivery
 * needing it would log: `Secret "acme/typeform-secret" not found (set SAMEPAGE_SECRET_…)`.
 */
export async function unresolvedSecrets(
  config: ClientConfig,
  secrets: Secrets,
): Promise<{ use: SecretUse; name: string; error: SecretNotFoundError }[]> {
  const missing = await Promise.all(
    configuredSecrets(config).map(async (secret) => {
      try {
        await secrets.get(secret.name);
        return [];
      } catch (error) {
        if (error instanceof SecretNotFoundError) return [{ ...secret, error }];
        throw error;
      }
    }),
  );
  return missing.flat();
}
