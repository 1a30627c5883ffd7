import { describe, expect, it } from 'vitest';
import { SOURCE_NAMES } from '#shared/config/schema.ts';
import { SecretNotFoundError } from '#shared/errors.ts';
import { adapterFor } from '#shared/sources/registry.ts';
import { configuredSecrets, unresolvedSecrets } from '#shared/sources/secrets.ts';
import { secretNames } from '../../infra/constructs/source-secrets.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';

describe('the secrets each source reads, declared by its adapter', () => {
  const config = exampleConfig();

  it('lists every configured source with its own secret, and the email-hash key', () => {
    // clients/example.yaml: the workflow webhook shares the HubSpot app's secret.
    expect(configuredSecrets(config)).toEqual([
      { use: 'hubspot', name: 'acme/hubspot-client-secret' },
      { use: 'hubspot-workflow', name: 'acme/hubspot-client-secret' },
      { use: 'salesforce', name: 'acme/salesforce-token' },
      { use: 'pipedrive', name: 'acme/pipedrive-basic-auth' },
      { use: 'typeform', name: 'acme/typeform-secret' },
      { use: 'generic', name: 'acme/generic-whsec' },
      { use: 'email hash key', name: 'acme/email-hash-key' },
    ]);
    // The stack creates each name once, from the same list.
    expect(secretNames(config)).toEqual([
      'acme/email-hash-key',
      'acme/generic-whsec',
      'acme/hubspot-client-secret',
      'acme/pipedrive-basic-auth',
      'acme/salesforce-token',
      'acme/typeform-secret',
    ]);
  });

  it('has every adapter declare its secrets, and lists nothing for a source the client did not configure', () => {
    for (const source of SOURCE_NAMES) expect(adapterFor(source)?.secretNames(config).length, source).toBe(1);
    const onlyGeneric = { ...config, sources: { generic: { secret: 'acme/generic-whsec' } } };
    expect(configuredSecrets(onlyGeneric).map((secret) => secret.use)).toEqual(['generic', 'email hash key']);
  });

  it('names the unresolved ones with the error a delivery would log', async () => {
    const { 'acme/pipedrive-basic-auth': _dropped, ...rest } = TEST_SECRETS;
    const missing = await unresolvedSecrets(config, testSecrets(rest));
    expect(missing.map((secret) => [secret.use, secret.name])).toEqual([
      ['pipedrive', 'acme/pipedrive-basic-auth'],
    ]);
    expect(missing[0]?.error).toBeInstanceOf(SecretNotFoundError);
    expect(missing[0]?.error.message).toBe(
      'Secret "acme/pipedrive-basic-auth" not found (set SAMEPAGE_SECRET_ACME_PIPEDRIVE_BASIC_AUTH)',
    );
  });
});
