import { parseClientConfig } from '#shared/config/parse.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { ConfigError } from '#shared/errors.ts';

/** Reads a variable the function cannot run without; fails at cold start, not on a delivery. */
export function requiredEnvironment(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is required`);
  return value;
}

/**
 * The validated client config as JSON. The stack bakes it into each bundle at build time
 * (esbuild `define` replaces this exact expression), so it is not limited by Lambda's 4 KB of
 * environment variables; locally the variable itself works the same way.
 */
export function clientConfigFromEnvironment(): ClientConfig {
  const json = process.env.SAMEPAGE_CLIENT_CONFIG;
  if (!json) throw new Error('SAMEPAGE_CLIENT_CONFIG is required');
  let document: unknown;
  try {
    document = JSON.parse(json);
  } catch (error) {
    throw new ConfigError('SAMEPAGE_CLIENT_CONFIG', [
      { path: '', message: `not valid JSON: ${(error as Error).message}` },
    ]);
  }
  return parseClientConfig(document, 'SAMEPAGE_CLIENT_CONFIG');
}
