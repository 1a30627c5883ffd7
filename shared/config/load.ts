import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
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

/**
 * Reads `clients/<name>.yaml` style files (YAML or JSON by extension). The `client` field names the
 * stack (`Samepage-<client>`) and its retained table, so it must equal the file's name: a file
 * copied from another client with its `client` left in would otherwise deploy over that client.
 */
export function loadClientConfigFile(path: string): ClientConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [
      { path: '', message: `cannot read file: ${(error as NodeJS.ErrnoException).code ?? error}` },
    ]);
  }
  const extension = extname(path);
  const config = parseClientConfigText(text, path, extension.toLowerCase() === '.json' ? 'json' : 'yaml');
  const name = basename(path, extension);
  if (config.client !== name) {
    throw new ConfigError(path, [
      {
        path: 'client',
        message: `is "${config.client}" but the file is ${basename(path)}: the client names the stack (Samepage-${config.client}) and its data, so set client: ${name}, or name the file ${config.client}${extension}`,
      },
    ]);
  }
  return config;
}
