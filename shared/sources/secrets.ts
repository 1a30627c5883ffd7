import { type ClientConfig, SOURCE_NAMES } from '../config/schema.ts';
import { emailHashKeyName } from '../config/secrets.ts';
import { SecretNotFoundError } from '../errors.ts';
import type { Secrets } from '../ports/secrets.ts';
import { adapterFor } from './registry.ts';

/** Where a secret is used: a configured source, or the key of the email hash. */
export type SecretUse = (typeof SOURCE_NAMES)[number] | 'email hash key';

/**
 * Every secret the config refers to, with what uses it: each configured source's own (its adapter
 * says which it reads) and the email-hash key. A name shared by two sources is listed for each.
 */
export function configuredSecrets(config: ClientConfig): { use: SecretUse; name: string }[] {
  const sources = SOURCE_NAMES.filter((source) => config.sources[source] !== undefined).flatMap((source) =>
    (adapterFor(source)?.secretNames(config) ?? []).flatMap((name) => (name ? [{ use: source, name }] : [])),
  );
  return [...sources, { use: 'email hash key', name: emailHashKeyName(config) }];
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
