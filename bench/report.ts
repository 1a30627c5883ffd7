import { HEAP_SHARE } from '../infra/function-limits.ts';
import { ASSUMPTIONS, type CostEstimate, PRICES } from './cost.ts';
import type { PacketScale } from './packets.ts';
import type { BenchResults } from './run.ts';
import { HEAP_HEADROOM, scaleLimit } from './scale-limit.ts';

const KB = 1024;
const fixed = (value: number, digits = 1) => value.toFixed(digits);
const count = (value: number) => Math.round(value).toLocaleString('en-US');
const usd = (value: number) => (value < 0.01 ? `$${value.toFixed(4)}` : `$${value.toFixed(2)}`);

/** "met" or how far off, in the figure's own unit. */
function verdict(value: number, goal: number, direction: 'below' | 'atLeast', unit: string): string {
  const met = direction === 'below' ? value < goal : value >= goal;
  if (met) return 'met';
  const off = Math.abs(value - goal);
  return `**missed by ${unit === '×' ? fixed(off, 2) : fixed(off, 0)}${unit === '×' ? '' : ` ${unit}`}**`;
}

function table(header: string[], rows: (string | number)[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function costTable(estimates: CostEstimate[]): string {
  const items = estimates[0]?.metered.map((line) => line.item) ?? [];
  const rows = items.map((item) => [
    item,
    ...estimates.map((estimate) => usd(estimate.metered.find((line) => line.item === item)?.usd ?? 0)),
  ]);
  rows.push(['**metered total**', ...estimates.map((estimate) => `**${usd(estimate.meteredTotal)}**`)]);
  rows.push([
    'goal < $1 at 100k',
    ...estimates.map((estimate) =>
      estimate.eventsPerMonth === 100_000 ? verdict(estimate.meteredTotal, 1, 'below', 'USD') : '',
    ),
  ]);
  return table(
    ['per month', ...estimates.map((estimate) => `${count(estimate.eventsPerMonth)} events`)],
    rows,
  );
}

/** 10k, 100k, 1M, 3M. */
function compactCount(value: number): string {
  return value >= 1e6 ? `${fixed(value / 1e6, value % 1e6 === 0 ? 0 : 1)}M` : `${fixed(value / 1e3, 0)}k`;
}

/**
 * Issue 21's table: each figure as the issue found it, as this run measured it, and its goal. The
 * "issue 21 found" column quotes the issue (bench/RESULTS.md of 2026-11-30), for the record.
 */
function issue21Summary(results: BenchResults): string[] {
  const { packets, ingest, lambdas, cost } = results;
  const nearMillion = packets.reduce<PacketScale | undefined>(
    (best, scale) =>
      !best || Math.abs(Math.log(scale.events / 1e6)) < Math.abs(Math.log(best.events / 1e6)) ? scale : best,
    undefined,
  );
  const quarterly = nearMillion?.builds.find((build) => build.cadence === 'quarterly');
  const wall = (quarterly?.wallMs ?? Number.NaN) / 1000;
  const bareRatio = (quarterly?.wallMs ?? Number.NaN) / (quarterly?.bareRead.wallMs ?? Number.NaN);
  const limit = scaleLimit(packets);
  const send = lambdas.find((lambda) => lambda.name === 'send-packet');
  const units = ingest.units.writeUnitsPerEvent + ingest.units.indexWriteUnitsPerEvent;
  const hundredK = cost.find((estimate) => estimate.eventsPerMonth === 100_000);
  const allIn = hundredK ? hundredK.meteredTotal + hundredK.fixedTotal : Number.NaN;
  const rows = [
    [
      `quarterly packet at ~1M events (${count(nearMillion?.events ?? Number.NaN)}): wall, fresh process`,
      '19.4 s',
      `${fixed(wall, 2)} s, ${fixed(bareRatio, 2)} × the bare read (${fixed((quarterly?.bareRead.wallMs ?? Number.NaN) / 1000, 2)} s)`,
      '≤ 5 s and ≤ 1.5 × bare',
      wall <= 5 && bareRatio <= 1.5
        ? 'met'
        : `**missed**: ${[wall > 5 ? `${fixed(wall - 5, 2)} s over` : '', bareRatio > 1.5 ? `${fixed(bareRatio - 1.5, 2)} × over` : ''].filter(Boolean).join(', ')}`,
    ],
    [
      `quarterly packet at ~1M events: peak RSS (build-packet at ${count(quarterly?.memoryMb ?? Number.NaN)} MB)`,
      '1,189 MB',
      `${fixed(quarterly?.peakRssMB ?? Number.NaN, 0)} MB`,
      '≤ 400 MB',
      verdict(quarterly?.peakRssMB ?? Number.NaN, 400.0001, 'below', 'MB'),
    ],
    [
      "largest client whose quarterly builds within build-packet's memory (per client, up to Lambda's 10,240 MB) and timeout",
      '~1.3M events/yr',
      limit
        ? `~${fixed(limit.largestEvents / 1e6, 1)}M events/yr (extrapolated from ${limit.points.map((point) => compactCount(point.events)).join(' and ')})`
        : 'not measured',
      '≥ 10M events/yr',
      limit ? verdict(limit.largestEvents / 1e6, 10, 'atLeast', 'M events') : '**not measured**',
    ],
    [
      'send-packet cold import / bundle',
      '274 ms / 822 KB',
      `${fixed(send?.coldImportMs ?? Number.NaN, 0)} ms / ${fixed((send?.bytes ?? Number.NaN) / KB, 0)} KB`,
      '≤ 150 ms / < 1 MB',
      (send?.coldImportMs ?? Number.POSITIVE_INFINITY) <= 150 &&
      (send?.bytes ?? Number.POSITIVE_INFINITY) < KB * KB
        ? 'met'
        : '**missed**',
    ],
    [
      'write units per event, table + indexes, 1 event per delivery (a new contact)',
      '5.0',
      fixed(units, 2),
      '≤ 3.0',
      // At the goal's precision: the hundredths are the source marker's once-a-minute write and
      // the first-fact write, spread over the run's deliveries (section 1).
      Math.round(units * 10) / 10 <= 3 ? 'met' : verdict(units, 3.0001, 'below', 'units'),
    ],
    [
      'all-in cost per client-month at 100k events (metered + fixed from the synthesized stack)',
      '$7.46',
      usd(allIn),
      '≤ $3.00',
      allIn <= 3 ? 'met' : `**missed by ${usd(allIn - 3)}**`,
    ],
  ];
  return [
    '### Issue 21: scale and cost',
    '',
    table(['figure', 'issue 21 found', 'this run', 'goal', ''], rows),
    '',
    ...(limit
      ? [
          `Largest client: the quarterly build's live heap grows ${fixed(limit.heapMBPerMillion, 0)} MB and its wall time ${fixed(limit.wallSecondsPerMillion, 1)} s per million events a`,
          `year (the line through ${limit.points.map((point) => `${compactCount(point.events)}: ${fixed(point.liveHeapMB, 0)} MB, ${fixed(point.wallSeconds, 1)} s`).join('; ')}).`,
          `build-packet's heap is ${HEAP_SHARE * 100}% of its memory and needs ${HEAP_HEADROOM} × the live heap, so a client of N events needs`,
          `about ${count(limit.memoryMbFor(1e6))} MB at 1M, ${count(limit.memoryMbFor(3e6))} MB at 3M and ${count(limit.memoryMbFor(10e6))} MB at 10M events a year (\`buildPacket.memoryMb\`);`,
          `Lambda's largest, 10,240 MB, holds ~${fixed(limit.eventsByMemory / 1e6, 1)}M; the 5-minute timeout holds ~${fixed(limit.eventsByTimeout / 1e6, 1)}M at one full core`,
          '(Lambda gives one vCPU from 1,769 MB).',
          '',
        ]
      : []),
  ];
}

/** The quarterly packet at ~1M events against its goals (≤ 5 s, ≤ 1.5 × the bare read), with its profile when it misses. */
function quarterlyMiss(packets: readonly PacketScale[]): string[] {
  const scale = packets.find((candidate) => Math.abs(Math.log(candidate.events / 1e6)) < 0.2);
  const build = scale?.builds.find((candidate) => candidate.cadence === 'quarterly');
  if (!scale || !build) return [];
  const ratio = build.wallMs / build.bareRead.wallMs;
  if (build.wallMs <= 5000 && ratio <= 1.5) return [];
  const seconds = (ms: number) => `${fixed(ms / 1000, 2)} s`;
  return [
    `- **The quarterly packet at ~1M events: ${seconds(build.wallMs)}, ${fixed(ratio, 2)} × the bare read of the same ${count(build.itemsRead)} items (${seconds(build.bareRead.wallMs)}).**`,
    `  Load ${seconds(build.loadMs)}, build ${seconds(build.buildMs)}, render ${seconds(build.renderMs)} (issue 21 found 11.3 s + 7.8 s at the same size).`,
    '  The load is the build process keeping up with dynalite: a CPU profile of it (2026-12-01, 224k items) spends about',
    '  2.2 s parsing the states (JSON), 1.3 s in the SDK turning the responses into items, 1.2 s making the views',
    '  (FactSetBuilder.add) and about 2 s collecting garbage, on one core, while dynalite serves the same pages in about',
    "  4 s on the other: the bare read parses only the SDK's part. The build spends about 2 s in the metrics of the",
    '  quarter and its four comparison quarters (ICP fit 0.6 s, speed to lead 0.5 s, lead to opportunity 0.5 s), after',
    '  the luxon time zone look-ups (8.6 s of the former build) and the repeated scans of every contact were taken out.',
    "  What is left would need a narrower item per entity (the state holds every field's history, the views read a",
    '  few), which would change the stored format and its migration: not done here.',
  ];
}

export function renderResults(results: BenchResults): string {
  const { ingest, packets, lambdas, email, cost, machine } = results;
  const fixedCost = cost[0];
  const lines: string[] = [];
  const add = (...text: string[]) => lines.push(...text);

  add(
    '# Benchmark results',
    '',
    `Written by \`${results.command}\` (bench/run.ts) on ${results.date.slice(0, 10)}; the whole run took ${fixed(results.seconds / 60)} minutes.`,
    `Machine: ${machine.cpus} × ${machine.cpuModel}, ${machine.memoryGiB} GiB, Node ${machine.node}; dynalite 4.0.0 in memory.`,
    'Timings on this shared 2-core machine vary by about ±20% between runs; request, item and unit counts are exact.',
    'The same figures, unrounded, are in bench/results.json.',
    '',
    '## Summary: every figure next to its goal',
    '',
  );
  const [single, batch] = ingest.maxRate;
  const ratio = (scenario: string | undefined) =>
    scenario ? (ingest.ratio[scenario] ?? Number.NaN) : Number.NaN;
  const worstItemRatio = Math.max(
    ...packets.flatMap((scale) => scale.builds.map((build) => build.itemsRead / build.itemsInWindow)),
  );
  const summaryRows: string[][] = [
    [
      `ingest p99 at ${ingest.offered.offeredPerSecond} deliveries/s offered (the route throttles summed)`,
      `${fixed(ingest.offered.latencyMs.p99)} ms`,
      '< 50 ms (DESIGN.md)',
      verdict(ingest.offered.latencyMs.p99, 50, 'below', 'ms'),
    ],
    [
      'ingest ÷ bare PutItem throughput, 1 event per delivery',
      fixed(ratio(single?.scenario), 2),
      '≥ 0.8',
      verdict(ratio(single?.scenario), 0.8, 'atLeast', '×'),
    ],
    [
      'ingest ÷ bare PutItem throughput, 10 events per delivery',
      fixed(ratio(batch?.scenario), 2),
      '≥ 0.8',
      verdict(ratio(batch?.scenario), 0.8, 'atLeast', '×'),
    ],
    [
      'DynamoDB write requests per event (1 / 10 events per delivery)',
      `${fixed(single?.writesPerEvent ?? Number.NaN, 2)} / ${fixed(batch?.writesPerEvent ?? Number.NaN, 2)}`,
      '≤ 2',
      verdict(Math.max(single?.writesPerEvent ?? 99, batch?.writesPerEvent ?? 99), 2.0001, 'below', ''),
    ],
    [
      'packet items read ÷ items in the window (worst build)',
      fixed(worstItemRatio, 2),
      '≤ 1.2, no Scan',
      verdict(worstItemRatio, 1.2001, 'below', '×'),
    ],
    ...lambdas.flatMap((lambda) => [
      [
        `${lambda.name} bundle`,
        `${fixed(lambda.bytes / KB, 0)} KB`,
        '< 1 MB',
        verdict(lambda.bytes / KB, 1024, 'below', 'KB'),
      ],
      [
        `${lambda.name} cold import (median of 10)`,
        `${fixed(lambda.coldImportMs, 0)} ms`,
        '< 150 ms',
        verdict(lambda.coldImportMs, 150, 'below', 'ms'),
      ],
    ]),
    ...email.results.map((result) => [
      `${result.cadence} demo email HTML`,
      `${fixed(result.htmlBytes / KB)} KB`,
      '< 102 KB',
      verdict(result.htmlBytes / KB, 102, 'below', 'KB'),
    ]),
    ...cost
      .filter((estimate) => estimate.eventsPerMonth === 100_000)
      .flatMap((estimate) => [
        [
          'metered AWS cost, 100k events/month',
          usd(estimate.meteredTotal),
          '< $1',
          verdict(estimate.meteredTotal, 1, 'below', 'USD'),
        ],
        [
          'all-in AWS cost per client-month, 100k events (metered + fixed from the synthesized stack)',
          usd(estimate.meteredTotal + estimate.fixedTotal),
          '< $3.00',
          estimate.meteredTotal + estimate.fixedTotal < 3
            ? 'met'
            : `**missed by ${usd(estimate.meteredTotal + estimate.fixedTotal - 3)}**`,
        ],
      ]),
  ];
  add(table(['figure', 'measured', 'goal', ''], summaryRows), '');
  add(...issue21Summary(results));

  const slowImports = lambdas.filter((lambda) => lambda.coldImportMs > 150);
  add(
    '## Where a figure misses its goal',
    '',
    `- **Ingest ÷ bare PutItem at one event per delivery: ${fixed(ratio(single?.scenario), 2)}.** A delivery is an HTTP request, a signature`,
    '  check, email hashing and three DynamoDB requests (the raw delivery put, the entity read, the entity put) against one',
    '  PutItem: when DynamoDB is the bottleneck the ceiling is about 1/3. A CPU profile of the twin under load shows the AWS',
    "  SDK's client-side work per request (serialising, signing, retry bookkeeping) as the largest share, ahead of dynalite",
    "  itself. The raw put (replay and audit) and the read before the write (order independence) are the product's",
    '  guarantees, so this is not cheap to fix; batched senders pay it once per delivery, not per event (the 10-event',
    `  delivery is ${fixed(ratio(batch?.scenario), 2)}× the bare put rate in events).`,
    ...(slowImports.length > 0
      ? [
          `- **Cold imports over 150 ms: ${slowImports.map((lambda) => `${lambda.name} ${fixed(lambda.coldImportMs, 0)} ms`).join(', ')}.** Every function`,
          "  bundles its SDK clients, and send-packet and view-packet leave React's legacy renderer and the plain-text parsers",
          "  out (section 3). A CPU profile of send-packet's cold import: compiling the bundle about a third, building the zod",
          "  schemas and the first parse of the baked-in config about a quarter (its time zone check loads ICU's zone data,",
          "  ~20 ms, which the first packet's date arithmetic would load anyway), Node's built-in modules (http, tls, crypto,",
          '  streams) about a tenth. ingest and build-packet spend the same on the config and the schemas.',
        ]
      : []),
    ...quarterlyMiss(packets),
    '',
  );

  add(
    '## 1. Ingest',
    '',
    'Signed deliveries go over HTTP to the local webhook server, which builds the API Gateway event and calls the',
    'ingest handler (verify → parse → keep raw → project) on dynalite. The twin runs in a Node process of its own',
    "(bench/support/ingest-server.ts) and the load comes from the bench's process, so sender and server each have a core.",
    'The units per event are counted in the bench process, on a twin whose SDK client it meters.',
    '',
    `**Offered load** (open loop: delivery i starts at i / rate whatever earlier answers do; latency is measured from the`,
    `scheduled start, so queueing counts): ${ingest.offered.scenario}.`,
    '',
    table(
      ['offered', 'for', 'deliveries', 'failed', 'achieved /s', 'p50 ms', 'p95 ms', 'p99 ms'],
      [
        [
          `${ingest.offered.offeredPerSecond}/s`,
          `${ingest.offered.seconds} s`,
          count(ingest.offered.deliveries),
          ingest.offered.failed,
          fixed(ingest.offered.achievedPerSecond),
          fixed(ingest.offered.latencyMs.p50),
          fixed(ingest.offered.latencyMs.p95),
          fixed(ingest.offered.latencyMs.p99),
        ],
      ],
    ),
    '',
    `**Maximum rate** (closed loop, ${single?.inFlight ?? '?'} in flight, ${ingest.maxRate.length} scenarios) against **bare dynalite PutItem**`,
    `(same client, same ${ingest.barePut.inFlight} in flight, a conditional put of a ${ingest.barePut.itemBytes}-byte item: the entity item ingest writes).`,
    '',
    table(
      [
        'scenario',
        'deliveries',
        'deliveries/s',
        'events/s',
        'p50 ms',
        'p99 ms',
        'writes/event',
        'events/s ÷ bare puts/s',
      ],
      ingest.maxRate.map((result) => [
        result.scenario,
        count(result.deliveries),
        fixed(result.deliveriesPerSecond),
        fixed(result.eventsPerSecond),
        fixed(result.latencyMs.p50),
        fixed(result.latencyMs.p99),
        fixed(result.writesPerEvent, 2),
        fixed(ingest.ratio[result.scenario] ?? Number.NaN, 2),
      ]),
    ),
    '',
    `Bare PutItem: ${count(ingest.barePut.puts)} puts, ${fixed(ingest.barePut.putsPerSecond)} puts/s.`,
    '',
    `**Request units per event** (${ingest.units.deliveries} sequential deliveries, 1 new contact each, p50 ${fixed(ingest.units.p50Ms)} ms):`,
    `requests ${Object.entries(ingest.units.requestsPerEvent)
      .map(([name, value]) => `${name} ${fixed(value, 2)}`)
      .join(
        ', ',
      )}; ${fixed(ingest.units.readUnitsPerEvent, 2)} read units and ${fixed(ingest.units.writeUnitsPerEvent, 2)} table write`,
    `units (as dynalite reports them), plus ${fixed(ingest.units.indexWriteUnitsPerEvent, 2)} index write units (AWS's rule: every index whose keys the`,
    `item has, per 1 KB; dynalite does not report them); ${count(ingest.units.storedBytesPerEvent)} bytes stored per event with the index copies.`,
    '',
  );

  add(
    `## 2. Packets at ${packets.map((scale) => compactCount(scale.targetEvents)).join(', ')} events`,
    '',
    "A generated client (the demo's seeded story at more contacts) is parsed by the real adapters, projected with the",
    "real `applyEvents` and bulk-loaded into dynalite with the store's own item layout (bench/support/dataset.ts). Each",
    'packet is then built in a fresh Node process, as a Lambda invocation builds it: `loadFacts` through the store port',
    '(Query, BatchGetItem and GetItem only; the store has no Scan), `buildPacket`, and the email render.',
    '"Items in the window" is worked out from every state in memory (bench/support/window-oracle.ts): entities with a',
    "creation, MQL, disqualification, form or activity time in the packet's read window, open deals and deals closed since",
    'its start, the contacts and companies those refer to, and earlier high-intent forms of those contacts.',
    "The build runs from a bundle made with the stack's own esbuild options for build-packet, under the Node options a",
    `build-packet function of the memory shown has (its heap limit is ${HEAP_SHARE * 100}% of it: infra/function-limits.ts);`,
    "clients up to a million events at the config's memory, larger ones at Lambda's largest. Peak RSS is the build",
    "process's own (dynalite runs in the bench process). Live heap: the heap in use after a full collection at the",
    'end of the build (the facts, the packet and their caches). "Bare read": the same requests replayed in a fresh process by the low-level client, 8 at a time, items',
    'counted and dropped (bench/support/bare-read.ts): what dynalite itself takes to serve them.',
    '',
    table(
      [
        'events',
        'contacts',
        'deals',
        'entities',
        'packet',
        'wall s',
        'load s',
        'build s',
        'render s',
        'items read',
        'items in window',
        'read ÷ window',
        'requests',
        'read units',
        'bare read s',
        'wall ÷ bare',
        'memory MB',
        'RSS at start MB',
        'peak RSS MB',
        'live heap MB',
      ],
      packets.flatMap((scale) =>
        scale.builds.map((build) => [
          count(scale.events),
          count(scale.contacts),
          count(scale.deals),
          count(scale.entities),
          build.cadence,
          fixed(build.wallMs / 1000, 2),
          fixed(build.loadMs / 1000, 2),
          fixed(build.buildMs / 1000, 2),
          fixed(build.renderMs / 1000, 2),
          count(build.itemsRead),
          count(build.itemsInWindow),
          fixed(build.itemsRead / build.itemsInWindow, 2),
          count(Object.values(build.requests).reduce((sum, value) => sum + value, 0)),
          count(build.readUnits),
          fixed(build.bareRead.wallMs / 1000, 2),
          fixed(build.wallMs / build.bareRead.wallMs, 2),
          count(build.memoryMb),
          fixed(build.rssBeforeMB, 0),
          fixed(build.peakRssMB, 0),
          fixed(build.liveHeapMB, 0),
        ]),
      ),
    ),
    '',
    'How the cost grows with size (quarterly packet, the largest read):',
    '',
    table(
      [
        'events',
        'generate s',
        'bulk load s',
        'quarterly wall s',
        'µs per item read',
        'HTML KB',
        'packet JSON KB',
        'deal item p99 / max bytes',
      ],
      packets.map((scale) => {
        const quarterly = scale.builds.find((build) => build.cadence === 'quarterly');
        return [
          count(scale.events),
          fixed(scale.generateMs / 1000),
          fixed(scale.bulkLoadMs / 1000),
          fixed((quarterly?.wallMs ?? Number.NaN) / 1000, 2),
          fixed(((quarterly?.loadMs ?? Number.NaN) * 1000) / (quarterly?.itemsRead ?? Number.NaN), 0),
          fixed((quarterly?.htmlBytes ?? Number.NaN) / KB),
          fixed((quarterly?.packetJsonBytes ?? Number.NaN) / KB),
          `${count(scale.dealItemBytes.p99)} / ${count(scale.dealItemBytes.max)}`,
        ];
      }),
    ),
    '',
  );

  add(
    '## 3. Lambdas',
    '',
    'Each function is bundled as the stack bundles it (infra/constructs/bundle-settings.ts: ESM, node24, minified, demo',
    'config baked in, the AWS SDK clients it uses bundled). Cold import: from `import()` to the handler being ready in a',
    'fresh Node process, median of 10, including the SDK clients the handler builds at module scope. Measured before',
    "choosing (same machine, median of 10): ingest 227 ms with the runtime's SDK, 144 ms bundled; build-packet 240 → 140",
    "ms; send-packet 269 ms at 822 KB with the runtime's SDK, 170 ms at 1,185 KB bundled. The SDK's many small CommonJS",
    'files are what bundling saves. send-packet and view-packet fit under 1 MB with the SDK because the bundles alias',
    "away what @react-email/render imports but samepage never runs: React's legacy server renderer (it renders with the",
    'stream build) and the HTML parsers of its `plainText` option (samepage writes the text part itself); send-packet',
    'without the SDK went from 867 to 566 KB. Every bundle takes the SDK credentials from the environment, where',
    "Lambda puts the role's, and leaves the rest of the SDK's credential chain out (~120 KB each). The rest of a",
    'cold import is compiling the bundle, building the zod schemas and parsing the baked-in config (its time zone',
    "check loads the ICU zone data, ~20 ms); handlers turn zod's schema compiler off (jitless), which saved ~15 ms in",
    'interleaved runs of the same bundles.',
    '',
    table(
      ['function', 'bundle', 'goal < 1 MB', 'cold import', 'goal < 150 ms'],
      lambdas.map((lambda) => [
        lambda.name,
        `${fixed(lambda.bytes / KB, 0)} KB`,
        verdict(lambda.bytes / KB, 1024, 'below', 'KB'),
        `${fixed(lambda.coldImportMs, 0)} ms`,
        verdict(lambda.coldImportMs, 150, 'below', 'ms'),
      ]),
    ),
    '',
  );

  add(
    '## 4. Email',
    '',
    `The demo client's packets (the story \`npm run demo\` generates, ${count(email.contacts)} contacts), rendered by`,
    '`renderPacketEmail`, which lowers the list caps until the HTML is ≤ 96 KB. Render time: median of 5 after a warm-up.',
    '',
    table(
      ['packet', 'HTML', 'goal < 102 KB', 'text part', 'CSV', 'render ms'],
      email.results.map((result) => [
        result.cadence,
        `${fixed(result.htmlBytes / KB)} KB`,
        verdict(result.htmlBytes / KB, 102, 'below', 'KB'),
        `${fixed(result.textBytes / KB)} KB`,
        `${fixed(result.csvBytes / KB)} KB`,
        fixed(result.renderMs, 0),
      ]),
    ),
    '',
  );

  add(
    '## 5. Cost model',
    '',
    'The metered monthly AWS cost of one client stack (us-east-1, on-demand, free tiers left out), from the units measured',
    "above (bench/cost.ts). Each volume's packets are priced with the reads measured at the nearest generated size.",
    '',
    costTable(cost),
    '',
    `Fixed per client whatever the volume, counted in the ${ASSUMPTIONS.fixedCostClient} client's synthesized stack (infra/synth.ts)`,
    'and in the list of custom metrics the functions may publish (functions/lib/custom-metrics.ts); any other resource',
    'type of the stack is listed in bench/cost.ts as metered or free, or the model stops:',
    '',
    table(
      ['fixed item', 'count', 'price', 'per month'],
      (fixedCost?.fixed ?? []).map((line) => [line.item, line.quantity, `$${line.price.usd}`, usd(line.usd)]),
    ),
    '',
    `Fixed: ${usd(fixedCost?.fixedTotal ?? Number.NaN)} a month. All-in at 100k events: ${cost
      .filter((estimate) => estimate.eventsPerMonth === 100_000)
      .map((estimate) => usd(estimate.meteredTotal + estimate.fixedTotal))
      .join('')}.`,
    '',
    'Assumptions:',
    '',
    `- Every event arrives in its own delivery (${ASSUMPTIONS.deliveriesPerEvent} delivery per event), the costly case; HubSpot batches of 10 cost a tenth of the writes.`,
    `- DynamoDB write units: the table units dynalite reports plus index units priced by AWS's rule, counting a replaced item's`,
    '  index entry twice (delete + put) as if its key always changed: an upper bound.',
    `- Ingest Lambda duration: the local p50 plus ${ASSUMPTIONS.dynamoRoundTripsPerDelivery} DynamoDB round trips of ${ASSUMPTIONS.dynamoRoundTripMs} ms at ${ASSUMPTIONS.ingestMemoryGb * 1024} MB;`,
    `  build at ${ASSUMPTIONS.buildMemoryGb * 1024} MB for the measured wall time × ${ASSUMPTIONS.fullCpuMemoryMb} / ${ASSUMPTIONS.buildMemoryGb * 1024} (Lambda's CPU share below ${ASSUMPTIONS.fullCpuMemoryMb} MB); send ${ASSUMPTIONS.sendSecondsPerPacket} s at ${ASSUMPTIONS.sendMemoryGb * 1024} MB per packet.`,
    `- ${fixed(ASSUMPTIONS.packetsPerMonth.weekly ?? 0, 2)} weekly, 1 monthly and 1/3 quarterly packet a month, each to ${ASSUMPTIONS.recipients} recipients with its CSV;`,
    `  ${fixed(ASSUMPTIONS.scheduleFiringsPerMonth, 0)} schedule firings (monthly and quarterly fire every business weekday and build only on their day).`,
    `- Logs: ${ASSUMPTIONS.logBytesPerDelivery} bytes per delivery (function log + API access log).`,
    "- Storage: only the month's new data (it accumulates: each month of history adds the same again), with PITR.",
    '',
    'Prices used:',
    '',
    table(
      ['item', 'price', 'unit', 'source'],
      Object.values(PRICES).map((price) => [
        price.item,
        price.usd < 0.001 ? `$${(price.usd * 1e6).toPrecision(4)} per million` : `$${price.usd}`,
        price.per,
        price.source,
      ]),
    ),
    '',
  );
  return `${lines.join('\n')}\n`;
}
