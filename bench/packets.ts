/**
 * Packets at scale: generated clients of about 10k, 100k and 1M events are projected and
 * bulk-loaded into dynalite in this process; each packet is then built in a fresh process (as a
 * Lambda invocation builds it) that reads through the store port, builds and renders, and
 * reports its time, what it read and its peak memory.
 * Run alone: npm run bench -- --only packets  (BENCH_SIZES=10000,100000 to choose sizes)
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { LOCAL_TABLE_NAME, startTwin } from '#local/twin.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { CADENCES, type Cadence } from '#shared/time/periods.ts';
import { esbuildOptions } from '../infra/constructs/bundle-settings.ts';
import { nodeOptions } from '../infra/function-limits.ts';
import { EVENTS_PER_CONTACT, generateDataset, loadStates } from './support/dataset.ts';
import { isMain } from './support/main.ts';
import { itemsInWindow } from './support/window-oracle.ts';

export const PACKET_SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000,3000000')
  .split(',')
  .map(Number);
/**
 * Above this size only the quarterly packet (the largest read) is built: the 3M client is there to
 * measure how time and memory grow, for the largest-client estimate.
 */
const ALL_CADENCES_UP_TO = 1_500_000;
/** Lambda's largest memory setting (https://docs.aws.amazon.com/lambda/latest/dg/configuration-memory.html). */
export const LAMBDA_MAX_MEMORY_MB = 10_240;
/** The generated story ends here and every packet is built as of it (a Monday morning). */
export const BENCH_AS_OF = new Date('2026-11-23T14:00:00Z');

export interface PacketBuild {
  cadence: Cadence;
  loadMs: number;
  buildMs: number;
  renderMs: number;
  wallMs: number;
  itemsRead: number;
  itemsInWindow: number;
  requests: Record<string, number>;
  readUnits: number;
  htmlBytes: number;
  csvBytes: number;
  packetJsonBytes: number;
  rssBeforeMB: number;
  peakRssMB: number;
  /** The build-packet memory whose Node options the build ran with. */
  memoryMb: number;
  /** The heap still in use after a full collection at the build's end: the facts, the packet and their caches. */
  liveHeapMB: number;
  /** The same reads replayed bare in a fresh process (bench/support/bare-read.ts). */
  bareRead: { wallMs: number; items: number; requests: number };
}

export interface PacketScale {
  targetEvents: number;
  events: number;
  deliveries: number;
  contacts: number;
  deals: number;
  entities: number;
  /** Deal items (the state JSON the store keeps): the largest, and the 99th percentile, in bytes. */
  dealItemBytes: { p99: number; max: number };
  generateMs: number;
  bulkLoadMs: number;
  builds: PacketBuild[];
}

const BUILD_ONE = fileURLToPath(new URL('./support/build-one.ts', import.meta.url));
const BARE_READ = fileURLToPath(new URL('./support/bare-read.ts', import.meta.url));

/** Runs a script in a fresh Node process and parses the JSON line it prints last. */
function runInFreshProcess<T>(
  nodeArguments: readonly string[],
  args: readonly string[],
  what: string,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArguments, ...args], {
      env: {
        ...process.env,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`${what} failed (${code}): ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as T);
    });
  });
}

/**
 * One build in a fresh process, run from a bundle made as the stack bundles build-packet, with the
 * Node options a build-packet function of `memoryMb` has; then the same reads replayed bare.
 */
async function buildInFreshProcess(
  bundle: string,
  memoryMb: number,
  endpoint: string,
  cadence: Cadence,
  asOf: number,
): Promise<Omit<PacketBuild, 'itemsInWindow'>> {
  const readsFile = join(tmpdir(), `samepage-bench-reads-${process.pid}-${cadence}.json`);
  try {
    const build = await runInFreshProcess<Omit<PacketBuild, 'itemsInWindow' | 'bareRead' | 'memoryMb'>>(
      // --expose-gc only lets the build measure what it holds once it is done (build-one.ts).
      [...nodeOptions(memoryMb).split(' '), '--expose-gc', bundle],
      [endpoint, LOCAL_TABLE_NAME, cadence, String(asOf), readsFile],
      `the ${cadence} build`,
    );
    const bareRead = await runInFreshProcess<PacketBuild['bareRead']>(
      ['--import', 'tsx', BARE_READ],
      [endpoint, readsFile],
      `the ${cadence} bare read`,
    );
    return { ...build, memoryMb, bareRead };
  } finally {
    rmSync(readsFile, { force: true });
  }
}

export async function measurePacketsAt(
  targetEvents: number,
  bundle: string,
  log: (line: string) => void = () => {},
): Promise<PacketScale> {
  const config = resolveClientConfig('demo');
  const asOf = BENCH_AS_OF.getTime();
  let started = performance.now();
  const contacts = Math.round(targetEvents / EVENTS_PER_CONTACT);
  const dataset = generateDataset(config, contacts, BENCH_AS_OF);
  const generateMs = performance.now() - started;
  const inWindow = Object.fromEntries(
    CADENCES.map((cadence) => [cadence, itemsInWindow(dataset.states, config, cadence, asOf)]),
  ) as Record<Cadence, number>;
  log(
    `  ${dataset.events} events, ${dataset.states.length} entities generated in ${(generateMs / 1000).toFixed(1)} s`,
  );
  const twin = await startTwin({ config, serve: false });
  try {
    started = performance.now();
    await loadStates(twin, config, dataset.states);
    const bulkLoadMs = performance.now() - started;
    log(`  bulk-loaded into dynalite in ${(bulkLoadMs / 1000).toFixed(1)} s`);
    // Deals keep 70 entries of their forecast fields' history: how big their items get.
    const dealSizes = dataset.states
      .filter((state) => state.entity === 'deal')
      .map((state) => JSON.stringify(state).length)
      .sort((a, b) => a - b);
    const scale = {
      targetEvents,
      dealItemBytes: {
        p99: dealSizes[Math.min(dealSizes.length - 1, Math.floor(dealSizes.length * 0.99))] ?? 0,
        max: dealSizes.at(-1) ?? 0,
      },
      events: dataset.events,
      deliveries: dataset.deliveries,
      contacts: dataset.truth.contacts,
      deals: dataset.truth.deals,
      entities: dataset.states.length,
      generateMs,
      bulkLoadMs,
    };
    // The states now live in dynalite only; let this process's copy go before the builds.
    dataset.states.length = 0;
    const builds: PacketBuild[] = [];
    for (const cadence of targetEvents <= ALL_CADENCES_UP_TO ? CADENCES : (['quarterly'] as const)) {
      // Up to a million events a year at the config's memory; the larger client at Lambda's largest,
      // to see how much it needs.
      const memoryMb =
        targetEvents <= ALL_CADENCES_UP_TO ? config.buildPacket.memoryMb : LAMBDA_MAX_MEMORY_MB;
      const build = await buildInFreshProcess(bundle, memoryMb, twin.dynamo.endpoint, cadence, asOf);
      builds.push({ ...build, itemsInWindow: inWindow[cadence] });
      log(
        `  ${cadence}: ${(build.wallMs / 1000).toFixed(1)} s (bare reads ${(build.bareRead.wallMs / 1000).toFixed(1)} s), ${build.itemsRead} items read, peak RSS ${build.peakRssMB.toFixed(0)} MB`,
      );
    }
    return { ...scale, builds };
  } finally {
    await twin.close();
  }
}

export async function measurePackets(log: (line: string) => void = () => {}): Promise<PacketScale[]> {
  const folder = mkdtempSync(join(tmpdir(), 'samepage-bench-build-'));
  const bundle = join(folder, 'build-one.mjs');
  try {
    await build(esbuildOptions('build-packet', resolveClientConfig('demo'), bundle, BUILD_ONE));
    const results: PacketScale[] = [];
    for (const size of PACKET_SIZES) {
      log(`packets at ~${size.toLocaleString('en-US')} events`);
      results.push(await measurePacketsAt(size, bundle, log));
    }
    return results;
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await measurePackets(console.error), null, 2));
