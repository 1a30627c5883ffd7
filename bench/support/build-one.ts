/**
 * One packet build in a fresh process, as a Lambda invocation would do it: read the facts from
 * the DynamoDB endpoint given, build the packet, render the email. Prints one JSON line.
 * Usage: tsx bench/support/build-one.ts <endpoint> <table> <cadence> <asOfMs> [reads.json]
 * With a file name, the reads the build made are written there for bench/support/bare-read.ts.
 */
import { writeFileSync } from 'node:fs';
import { constants, PerformanceObserver, performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfigFromEnvironment } from '#functions/lib/environment.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { renderPacketEmail } from '#shared/email/render.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { CADENCES, type Cadence } from '#shared/time/periods.ts';
import { meterDynamo } from './meter.ts';

const [endpoint, tableName, cadenceArgument, asOfArgument, readsFile] = process.argv.slice(2);
const cadence = CADENCES.find((candidate) => candidate === cadenceArgument) as Cadence | undefined;
if (!endpoint || !tableName || !cadence || !asOfArgument)
  throw new Error('usage: build-one <endpoint> <table> <cadence> <asOfMs> [reads.json]');
const asOf = Number(asOfArgument);
// Bundled as the stack bundles a function (bench/packets.ts), the demo config is baked in.
const config = process.env.SAMEPAGE_CLIENT_CONFIG
  ? clientConfigFromEnvironment()
  : resolveClientConfig('demo');
const client = new DynamoDBClient({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const meter = meterDynamo(client);
const store = new DynamoDbStore(client, tableName);
const rssBeforeBytes = process.memoryUsage().rss;
// The heap still in use right after each full collection: what the build really holds, whatever
// the collector's pace lets the process grow to in between.
let liveHeapBytes = 0;
const collections = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const { detail } = entry as PerformanceEntry & { detail?: { kind?: number } };
    if (detail?.kind === constants.NODE_PERFORMANCE_GC_MAJOR)
      liveHeapBytes = Math.max(liveHeapBytes, process.memoryUsage().heapUsed);
  }
});
collections.observe({ entryTypes: ['gc'] });

const started = performance.now();
const facts = await loadFacts(store, config, cadence, asOf);
const loaded = performance.now();
const packet = buildPacket(facts, config, cadence, asOf);
const built = performance.now();
const email = await renderPacketEmail(packet, config.currency);
const rendered = performance.now();

if (readsFile) writeFileSync(readsFile, JSON.stringify(meter.reads));
console.log(
  JSON.stringify({
    cadence,
    loadMs: loaded - started,
    buildMs: built - loaded,
    renderMs: rendered - built,
    wallMs: rendered - started,
    itemsRead: store.counters.itemsRead,
    requests: meter.requests,
    readUnits: meter.readUnits,
    htmlBytes: Buffer.byteLength(email.html, 'utf8'),
    csvBytes: Buffer.byteLength(email.csv, 'utf8'),
    packetJsonBytes: Buffer.byteLength(JSON.stringify(packet), 'utf8'),
    rssBeforeMB: rssBeforeBytes / 2 ** 20,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    liveHeapMB: Math.max(liveHeapBytes, process.memoryUsage().heapUsed) / 2 ** 20,
  }),
);
collections.disconnect();
client.destroy();
