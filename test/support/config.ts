import { fileURLToPath } from 'node:url';
import { loadClientConfigFile } from '#shared/config/load.ts';
import { parseClientConfig } from '#shared/config/parse.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { ConfigError } from '#shared/errors.ts';
import { EnvironmentSecrets, secretEnvironmentVariable } from '#shared/ports/secrets.ts';

export const EXAMPLE_CONFIG_PATH = fileURLToPath(new URL('../../clients/example.yaml', import.meta.url));

export function exampleConfig(): ClientConfig {
  return loadClientConfigFile(EXAMPLE_CONFIG_PATH);
}

/** The secret values the example client's tests sign with. */
export const TEST_SECRETS = {
  'acme/hubspot-client-secret': 'yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy',
  'acme/typeform-secret': 'typeform-test-secret',
  'acme/pipedrive-basic-auth': 'samepage:pipedrive-test-password',
  'acme/generic-whsec': 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'acme/salesforce-token': 'sf-path-token-4f1c9a',
  'acme/email-hash-key': 'email-hash-test-key',
} as const;

/** Secrets resolved through the local rule (SAMEPAGE_SECRET_<NAME>), from a private environment. */
export function testSecrets(values: Record<string, string> = TEST_SECRETS): EnvironmentSecrets {
  return new EnvironmentSecrets(
    Object.fromEntries(
      Object.entries(values).map(([name, value]) => [secretEnvironmentVariable(name), value]),
    ),
  );
}

/** Parses a broken document and returns the bad fields' paths and messages. */
export function problemsOf(document: unknown): { path: string; message: string }[] {
  try {
    parseClientConfig(document, 'broken.yaml');
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems];
    throw error;
  }
  throw new Error('expected the config to be refused');
}
