/**
 * One packet build in a fresh process, as a Lambda invocation would do it: read the facts from
 * the DynamoDB endpoint given, build the packet, render the email. Prints one JSON line.
 * Usage: tsx bench/support/build-one.ts <endpoint> <cadence> <asOfMs>
 */
import { performance } from 'node:perf_hooks';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { LOCAL_TABLE_NAME } from '#local/twin.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { renderPacketEmail } from '#shared/email/render.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { CADENCES, type Cadence } from '#shared/time/periods.ts';
import { meterDynamo } from './meter.ts';

const [endpoint, cadenceArgument, asOfArgument] = process.argv.slice(2);
const cadence = CADENCES.find((candidate) => candidate === cadenceArgument) as Cadence | undefined;
if (!endpoint || !cadence || !asOfArgument) throw new Error('usage: build-one <endpoint> <cadence> <asOfMs>');
const asOf = Number(asOfArgument);
const config = resolveClientConfig('demo');
const client = new DynamoDBClient({
  endpoint,
  region: 'local',
  credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
});
const meter = meterDynamo(client);
const store = new DynamoDbStore(client, LOCAL_TABLE_NAME);
const rssBeforeBytes = process.memoryUsage().rss;

const started = performance.now();
const facts = await loadFacts(store, config, cadence, asOf);
const loaded = performance.now();
const packet = buildPacket(facts, config, cadence, asOf);
const built = performance.now();
const email = await renderPacketEmail(packet, config.currency);
const rendered = performance.now();

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
  }),
);
client.destroy();
