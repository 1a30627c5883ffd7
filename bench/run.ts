/**
 * `npm run bench`: every quality bar in one run, written to bench/results.json and
 * bench/RESULTS.md. `npm run bench -- --only ingest,email` runs some sections and only prints them.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { benchClientFixedCosts, type CostEstimate, monthlyCost } from './cost.ts';
import { type EmailResult, measureEmail } from './email.ts';
import { type IngestResults, measureIngest } from './ingest.ts';
import { type LambdaResult, measureLambdas } from './lambdas.ts';
import { measurePackets, type PacketScale } from './packets.ts';
import { renderResults } from './report.ts';

export interface BenchResults {
  command: string;
  date: string;
  machine: { cpus: number; cpuModel: string; memoryGiB: number; node: string };
  seconds: number;
  ingest: IngestResults;
  packets: PacketScale[];
  lambdas: LambdaResult[];
  email: { contacts: number; results: EmailResult[] };
  cost: CostEstimate[];
}

const SECTIONS = ['ingest', 'packets', 'lambdas', 'email'] as const;
type Section = (typeof SECTIONS)[number];

const options = new Command()
  .name('bench')
  .option('--only <sections>', `comma-separated subset of ${SECTIONS.join(', ')}; prints, writes nothing`)
  .option('--report', 'only write RESULTS.md again from results.json (after a change to the report text)')
  .parse()
  .opts<{ only?: string; report?: boolean }>();
const here = (file: string) => fileURLToPath(new URL(file, import.meta.url));
if (options.report) {
  const recorded = JSON.parse(readFileSync(here('./results.json'), 'utf8')) as BenchResults;
  writeFileSync(here('./RESULTS.md'), renderResults(recorded));
  process.exit(0);
}
const only = options.only?.split(',') as Section[] | undefined;
const unknown = only?.filter((section) => !SECTIONS.includes(section));
if (unknown && unknown.length > 0) {
  console.error(`unknown section(s): ${unknown.join(', ')}`);
  process.exit(2);
}
const wanted = (section: Section) => !only || only.includes(section);
const log = (line: string) => console.error(line);

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const started = performance.now();
const partial: Partial<BenchResults> = {};
if (wanted('ingest')) {
  log('ingest: offered load, maximum rate, bare PutItem, units per event');
  partial.ingest = await measureIngest();
}
if (wanted('packets')) partial.packets = await measurePackets(log);
if (wanted('lambdas')) {
  log('lambdas: bundles and cold imports');
  partial.lambdas = await measureLambdas();
}
if (wanted('email')) {
  log('email: the demo packets rendered');
  partial.email = await measureEmail();
}

if (only) {
  console.log(JSON.stringify(partial, null, 2));
} else {
  const { ingest, packets, lambdas, email } = partial as Required<typeof partial>;
  const fixedCosts = await benchClientFixedCosts();
  const cost = [10_000, 100_000, 1_000_000].map((eventsPerMonth) => {
    // Each volume is priced with the packets measured at the nearest generated size.
    const scale = packets.reduce((best, candidate) =>
      Math.abs(Math.log(candidate.events / eventsPerMonth)) < Math.abs(Math.log(best.events / eventsPerMonth))
        ? candidate
        : best,
    );
    return monthlyCost(
      eventsPerMonth,
      {
        ingest: {
          readUnitsPerEvent: ingest.units.readUnitsPerEvent,
          writeUnitsPerEvent: ingest.units.writeUnitsPerEvent + ingest.units.indexWriteUnitsPerEvent,
          p50Ms: ingest.units.p50Ms,
          storedBytesPerEvent: ingest.units.storedBytesPerEvent,
        },
        packets: scale.builds.map((build) => ({
          cadence: build.cadence,
          readUnits: build.readUnits,
          wallMs: build.wallMs,
          csvBytes: build.csvBytes,
        })),
      },
      fixedCosts,
    );
  });
  const results: BenchResults = {
    command: 'npm run bench',
    date: new Date().toISOString(),
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      node: process.version,
    },
    seconds: (performance.now() - started) / 1000,
    ingest,
    packets,
    lambdas,
    email,
    cost,
  };
  writeFileSync(here('./results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeFileSync(here('./RESULTS.md'), renderResults(results));
  log(`bench: ${results.seconds.toFixed(0)} s; wrote bench/results.json and bench/RESULTS.md`);
}
