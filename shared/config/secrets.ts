import { SecretNotFoundError } from '../errors.ts';
import type { Secrets } from '../ports/secrets.ts';
import type { ClientConfig, SourceName } from './schema.ts';

/** Where a secret is used: a configured source, or the key of the email hash. */
export type SecretUse = SourceName | 'email hash key';

/** The secret behind the email hash; defaults to `<client>/email-hash-key`. */
export function emailHashKeyName(config: Pick<ClientConfig, 'client' | 'privacy'>): string {
  return config.privacy.emailHashKey ?? `${config.client}/email-hash-key`;
}

/** Every secret name the config refers to, with what uses it (a name shared by two sources is listed for each). */
export function configuredSecrets(config: ClientConfig): { use: SecretUse; name: string }[] {
  const { hubspot, salesforce, pipedrive, typeform, generic } = config.sources;
  const workflow = config.sources['hubspot-workflow'];
  const uses: [SecretUse, string | undefined][] = [
    ['hubspot', hubspot?.clientSecret],
    ['hubspot-workflow', workflow?.secret],
    ['salesforce', salesforce?.pathSecret],
    ['pipedrive', pipedrive?.basicAuth],
    ['typeform', typeform?.secret],
    ['generic', generic?.secret],
    ['email hash key', emailHashKeyName(config)],
  ];
  return uses.flatMap(([use, name]) => (name ? [{ use, name }] : []));
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
