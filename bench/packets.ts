/**
 * Packets at scale: generated clients of about 10k, 100k and 1M events are projected and
 * bulk-loaded into dynalite in this process; each packet is then built in a fresh process (as a
 * Lambda invocation builds it) that reads through the store port, builds and renders, and
 * reports its time, what it read and its peak memory.
 * Run alone: npm run bench -- --only packets  (BENCH_SIZES=10000,100000 to choose sizes)
 */
import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { startTwin } from '#local/twin.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { CADENCES, type Cadence } from '#shared/time/periods.ts';
import { EVENTS_PER_CONTACT, generateDataset, loadStates } from './support/dataset.ts';
import { isMain } from './support/main.ts';
import { itemsInWindow } from './support/window-oracle.ts';

export const PACKET_SIZES = (process.env.BENCH_SIZES ?? '10000,100000,1000000').split(',').map(Number);
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

function buildInFreshProcess(
  endpoint: string,
  cadence: Cadence,
  asOf: number,
): Promise<Omit<PacketBuild, 'itemsInWindow'>> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', BUILD_ONE, endpoint, cadence, String(asOf)], {
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
      if (code !== 0) reject(new Error(`the ${cadence} build failed (${code}): ${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}'));
    });
  });
}

export async function measurePacketsAt(
  targetEvents: number,
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
    for (const cadence of CADENCES) {
      const build = await buildInFreshProcess(twin.dynamo.endpoint, cadence, asOf);
      builds.push({ ...build, itemsInWindow: inWindow[cadence] });
      log(
        `  ${cadence}: ${(build.wallMs / 1000).toFixed(1)} s, ${build.itemsRead} items read, peak RSS ${build.peakRssMB.toFixed(0)} MB`,
      );
    }
    return { ...scale, builds };
  } finally {
    await twin.close();
  }
}

export async function measurePackets(log: (line: string) => void = () => {}): Promise<PacketScale[]> {
  const results: PacketScale[] = [];
  for (const size of PACKET_SIZES) {
    log(`packets at ~${size.toLocaleString('en-US')} events`);
    results.push(await measurePacketsAt(size, log));
  }
  return results;
}

if (isMain(import.meta.url)) console.log(JSON.stringify(await measurePackets(console.error), null, 2));
