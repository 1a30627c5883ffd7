import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadClientConfigFile } from './load.ts';
import type { ClientConfig } from './schema.ts';

export const CLIENTS_DIR = fileURLToPath(new URL('../../clients/', import.meta.url));

/** A client is a config path (`clients/acme.yaml`) or a name (`acme` → clients/acme.yaml, .yml or .json). */
export function resolveClientConfig(client: string): ClientConfig {
  if (existsSync(client)) return loadClientConfigFile(client);
  for (const extension of ['yaml', 'yml', 'json']) {
    const path = `${CLIENTS_DIR}${client}.${extension}`;
    if (existsSync(path)) return loadClientConfigFile(path);
  }
  throw new Error(`No client config "${client}": pass a file path or a name from clients/ (${CLIENTS_DIR})`);
}
