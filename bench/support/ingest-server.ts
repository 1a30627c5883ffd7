/**
 * The system under test for the ingest bench, in its own process: the local twin (webhook server,
 * ingest handler, dynalite) on the demo client. Prints `{"url","dynamo"}` once it listens; each
 * line read on stdin is answered with the store's counters as JSON.
 */
import { createInterface } from 'node:readline';
import { startTwin } from '#local/twin.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { demoSecrets } from '../../cli/demo-secrets.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const twin = await startTwin({
  config: resolveClientConfig('demo'),
  secrets: demoSecrets(),
});
console.log(JSON.stringify({ url: twin.server?.url, dynamo: twin.dynamo.endpoint }));
const lines = createInterface({ input: process.stdin });
lines.on('line', () => console.log(JSON.stringify(twin.store.counters)));
lines.on('close', () => {
  void twin.close().then(() => process.exit(0));
});
