import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigError } from '../errors.ts';
import { parseClientConfig } from './parse.ts';
import type { ClientConfig } from './schema.ts';

/** Parses YAML or JSON text (JSON is YAML, but a `.json` file gets JSON's stricter errors). */
export function parseClientConfigText(
  text: string,
  origin = 'config',
  format: 'yaml' | 'json' = 'yaml',
): ClientConfig {
  let document: unknown;
  try {
    document = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    throw new ConfigError(origin, [
      { path: '', message: `not valid ${format.toUpperCase()}: ${(error as Error).message}` },
    ]);
  }
  return parseClientConfig(document, origin);
}

/** Reads `clients/<name>.yaml` style files (YAML or JSON by extension). */
export function loadClientConfigFile(path: string): ClientConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      { path: '', message: `cannot read file: ${(error as NodeJS.ErrnoException).code ?? error}` },
    ]);
  }
  return parseClientConfigText(text, path, extname(path).toLowerCase() === '.json' ? 'json' : 'yaml');
}
