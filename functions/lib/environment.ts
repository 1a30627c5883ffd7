import { parseClientConfigText } from '#shared/config/load.ts';
import type { ClientConfig } from '#shared/config/schema.ts';

/** Reads a variable the function cannot run without; fails at cold start, not on a delivery. */
export function requiredEnvironment(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`Environment variable ${name} is required`);
  return value;
}

/** The stack passes the validated client config as JSON in SAMEPAGE_CLIENT_CONFIG. */
export function clientConfigFromEnvironment(): ClientConfig {
  return parseClientConfigText(
    requiredEnvironment('SAMEPAGE_CLIENT_CONFIG'),
    'SAMEPAGE_CLIENT_CONFIG',
    'json',
  );
}
