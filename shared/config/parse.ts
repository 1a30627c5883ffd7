import { createHash } from 'node:crypto';
import { ConfigError, problemsFromZod } from '../errors.ts';
import { type ClientConfig, clientConfigSchema } from './schema.ts';

// Nothing here reads files or YAML: the Lambda bundles use this module (the stack bakes the
// validated config in as JSON), the CLI reads files through load.ts.

/**
 * Validates a parsed config document; throws a ConfigError naming every bad field.
 * @param origin where the document came from, for the error message
 */
export function parseClientConfig(document: unknown, origin = 'config'): ClientConfig {
  const result = clientConfigSchema.safeParse(document);
  if (!result.success) throw new ConfigError(origin, problemsFromZod(result.error.issues));
  return result.data;
}

/** JSON with object keys sorted, so equal documents hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The parts of a config that change what a number means. Recipients, sender, sources and
 * schedules are delivery details: changing them does not change the definitions version.
 */
export const DEFINITION_KEYS = [
  'timezone',
  'currency',
  'fiscalYearStartMonth',
  'weekStartsOn',
  'businessHours',
  'channels',
  'lifecycle',
  'dealStages',
  'qualification',
  'icp',
  'regions',
  'pipelines',
  'exchangeRates',
  'sla',
  'cycles',
  'targets',
  'forecast',
  'thresholds',
] as const satisfies readonly (keyof ClientConfig)[];

export type Definitions = Pick<ClientConfig, (typeof DEFINITION_KEYS)[number]> & {
  /** The sources' deal stage maps: they decide which CRM stages are past the bar. */
  stageMaps?: Record<string, Record<string, string>>;
};

export function definitionsOf(config: ClientConfig): Definitions {
  const definitions = Object.fromEntries(DEFINITION_KEYS.map((key) => [key, config[key]])) as Definitions;
  const stageMaps: Record<string, Record<string, string>> = {};
  for (const [name, source] of Object.entries(config.sources)) {
    if (source && 'stages' in source && source.stages) stageMaps[name] = source.stages;
  }
  // Absent unless a source maps stages, so configs without one keep their version.
  return Object.keys(stageMaps).length > 0 ? { ...definitions, stageMaps } : definitions;
}

/** A stable 12-hex-digit version of the definitions: sha256 of their canonical JSON. */
export function definitionsVersion(config: ClientConfig): string {
  return createHash('sha256')
    .update(canonicalJson(definitionsOf(config)))
    .digest('hex')
    .slice(0, 12);
}
