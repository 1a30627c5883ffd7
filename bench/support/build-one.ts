/**
 * One packet build in a fresh process, as a Lambda invocation would do it: read the facts from
 * the DynamoDB endpoint given, build the packet, render the email. Prints one JSON line.
 * Usage: tsx bench/support/build-one.ts <endpoint> <table> <cadence> <asOfMs> [reads.json]
 * With a file name, the reads the build made are written there for bench/support/bare-read.ts.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { clientConfigFromEnvironment } from '#functions/lib/environment.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { renderPacketEmail } from '#shared/email/render.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { CADENCES, type Cadence } from '#shared/time/periods.ts';
import { meterDynamo } from './meter.ts';

/**
 * This process's own peak resident memory, in KiB: the kernel's high-water mark of its memory map
 * (VmHWM). `getrusage`'s maxRSS is not it: the kernel carries the parent's peak across the
 * fork and exec that started this process, so a build spawned by the bench (which holds dynalite
 * and the generated client) reported hundreds of megabytes it never used.
 */
function peakRssKiB(): number {
  const status = readFileSync('/proc/self/status', 'utf8');
  const match = /^VmHWM:\s+(\d+) kB$/m.exec(status);
  return match ? Number(match[1]) : process.resourceUsage().maxRSS;
}

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

const started = performance.now();
const facts = await loadFacts(store, config, cadence, asOf);
const loaded = performance.now();
const packet = buildPacket(facts, config, cadence, asOf);
const built = performance.now();
const email = await renderPacketEmail(packet, config.currency);
const rendered = performance.now();
// What the build holds at its end, the facts and the packet (the per-FactSet caches with them):
// the heap after a full collection, when the bench runs this with --expose-gc.
const collect = (globalThis as { gc?: () => void }).gc;
collect?.();
const liveHeapBytes = process.memoryUsage().heapUsed;

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
    peakRssMB: peakRssKiB() / 1024,
    liveHeapMB: liveHeapBytes / 2 ** 20,
    heapLimitMB: getHeapStatistics().heap_size_limit / 2 ** 20,
  }),
);
client.destroy();
