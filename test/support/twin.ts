import { startTwin, type Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { Clock } from '#shared/ports/clock.ts';
import { exampleConfig, testSecrets } from './config.ts';
import { entityRef } from './refs.ts';

/** A twin on in-memory dynalite with the example client and its test secrets. */
export function startTestTwin(options: { config?: ClientConfig; clock?: Clock } = {}): Promise<Twin> {
  return startTwin({
    config: options.config ?? exampleConfig(),
    secrets: testSecrets(),
    clock: options.clock,
  });
}

/** Posts a body to the twin's webhook server as the sender would. */
export async function post(
  twin: Twin,
  source: string,
  body: string,
  headers: Record<string, string>,
  query = '',
) {
  if (!twin.server) throw new Error('the twin has no webhook server');
  const response = await fetch(`${twin.server.url}/webhooks/${source}${query}`, {
    method: 'POST',
    body,
    headers,
  });
  return { status: response.status, text: await response.text(), headers: response.headers };
}

/** Every entity state currently stored, read back through the store's own indexes. */
export async function readEntity(twin: Twin, key: string) {
  return (await twin.store.getEntities([entityRef(key)])).get(key)?.state;
}
