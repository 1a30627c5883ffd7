import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadClientConfigFile } from '#shared/config/load.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { secretEnvironmentVariable } from '#shared/ports/secrets.ts';

export const CLIENTS_DIR = fileURLToPath(new URL('../clients/', import.meta.url));

/** `--client` takes a path (`clients/acme.yaml`) or a name (`acme` → clients/acme.yaml or .json). */
export function resolveClientConfig(client: string): ClientConfig {
  if (existsSync(client)) return loadClientConfigFile(client);
  for (const extension of ['yaml', 'yml', 'json']) {
    const path = `${CLIENTS_DIR}${client}.${extension}`;
    if (existsSync(path)) return loadClientConfigFile(path);
  }
  throw new Error(`No client config "${client}": pass a file path or a name from clients/ (${CLIENTS_DIR})`);
}

/**
 * Secret values the demo client uses on the local twin only. Set as SAMEPAGE_SECRET_* unless the
 * environment already has them, so `npm run demo` needs no set-up.
 */
export const DEMO_SECRETS: Record<string, string> = {
  'demo/hubspot-client-secret': 'demo-hubspot-client-secret',
  'demo/typeform-secret': 'demo-typeform-secret',
  'demo/pipedrive-basic-auth': 'northwind:demo-pipedrive-password',
  'demo/generic-whsec': 'whsec_ZGVtby1nZW5lcmljLXdlYmhvb2stc2VjcmV0LTAx',
  'demo/email-hash-key': 'demo-email-hash-key',
};

export function useDemoSecretsIfUnset(config: ClientConfig): void {
  if (config.client !== 'demo') return;
  for (const [name, value] of Object.entries(DEMO_SECRETS)) {
    process.env[secretEnvironmentVariable(name)] ??= value;
  }
}
