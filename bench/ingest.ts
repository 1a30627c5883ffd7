/**
 * Ingest on the local twin: signed deliveries over HTTP → ingest handler → dynalite. The twin runs
 * in a process of its own (bench/support/ingest-server.ts), as a server would; the load comes
 * from this one, so the sender does not take the server's core.
 *
 * 1. Offered load: deliveries started on a fixed schedule (open loop), whatever the answers do;
 *    latency runs from the scheduled start, so a stall shows as queueing, not as fewer samples.
 * 2. Maximum rate: a closed loop with a fixed number in flight.
 * 3. Bare dynalite: PutItem of an item the size of the entity item ingest writes, same client,
 *    same number in flight: the ceiling ingest is compared with.
 *
 * Writes are counted at the store port. Run alone: npm run bench -- --only ingest
 */

import { spawn } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { genericHeaders } from '#local/senders/generic.ts';
import { hubspotHeaders } from '#local/senders/hubspot.ts';
import { LOCAL_TABLE_NAME, startTwin } from '#local/twin.ts';
import { entityItem } from '#shared/adapters/dynamodb-store.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { StoreCounters } from '#shared/ports/store.ts';
import { emailHasher } from '#shared/privacy.ts';
import { indexTimes } from '#shared/projection/index-times.ts';
import { applyEvents } from '#shared/projection/state.ts';
import { genericAdapter } from '#shared/sources/generic.ts';
import { quantile } from '#shared/stats/index.ts';
import { DEMO_SECRETS, demoSecrets } from '../cli/demo-secrets.ts';
import { ROUTE_THROTTLES } from '../infra/constructs/webhook-api.ts';
import { isMain } from './support/main.ts';
import { type DynamoMeter, meterDynamo } from './support/meter.ts';

export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
}

export interface OfferedLoadResult {
  scenario: string;
  offeredPerSecond: number;
  seconds: number;
  deliveries: number;
  failed: number;
  achievedPerSecond: number;
  latencyMs: LatencySummary;
}

export interface MaxRateResult {
  scenario: string;
  inFlight: number;
  deliveries: number;
  eventsPerDelivery: number;
  deliveriesPerSecond: number;
  eventsPerSecond: number;
  latencyMs: LatencySummary;
  writesPerEvent: number;
}

export interface IngestResults {
  offered: OfferedLoadResult;
  maxRate: MaxRateResult[];
  barePut: { inFlight: number; puts: number; itemBytes: number; putsPerSecond: number };
  /** Ingest events/s at the maximum rate ÷ bare PutItem/s, per scenario. */
  ratio: Record<string, number>;
  /** One delivery at a time with one new contact each: what an event costs in DynamoDB units. */
  units: UnitsPerEvent & {
    /** The same for one new entity of each other kind per delivery (a new contact is `units`). */
    byEntity?: Record<string, UnitsPerEvent>;
  };
}

export interface UnitsPerEvent {
  deliveries: number;
  p50Ms: number;
  requestsPerEvent: Record<string, number>;
  readUnitsPerEvent: number;
  writeUnitsPerEvent: number;
  indexWriteUnitsPerEvent: number;
  storedBytesPerEvent: number;
}

/**
 * Each webhook route is throttled on its own, sized to its sender (infra/constructs/webhook-api.ts):
 * their sum is the most a client's senders can offer in AWS; the maximum-rate runs show the headroom.
 */
const OFFERED_PER_SECOND = Number(
  process.env.BENCH_OFFERED_RPS ??
    Object.values(ROUTE_THROTTLES).reduce((sum, throttle) => sum + throttle.rateLimit, 0),
);
const OFFERED_SECONDS = Number(process.env.BENCH_OFFERED_SECONDS ?? 30);
const MAX_RATE_SECONDS = Number(process.env.BENCH_MAX_RATE_SECONDS ?? 10);
const IN_FLIGHT = 16;
const BASE = Date.parse('2026-10-01T09:00:00Z');

function summary(latencies: number[]): LatencySummary {
  const at = (p: number) => quantile(latencies, p) ?? Number.NaN;
  return { p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

interface Delivery {
  source: string;
  body: string;
  headers: Record<string, string>;
}

interface Scenario {
  name: string;
  eventsPerDelivery: number;
  delivery(index: number): Delivery;
}

function genericEvent(index: number) {
  return {
    type: 'contact',
    id: `b-${index}`,
    at: new Date(BASE + index * 1000).toISOString(),
    stage: 'mql',
    source: 'webinar',
    email: `lead${index}@bench.example`,
  };
}

function scenarios(config: ClientConfig, url: (source: string) => string): Scenario[] {
  return [
    {
      name: 'generic, 1 new contact per delivery',
      eventsPerDelivery: 1,
      delivery: (index) => {
        const body = JSON.stringify({ events: [genericEvent(index)] });
        return {
          source: 'generic',
          body,
          headers: genericHeaders(body, DEMO_SECRETS['demo/generic-whsec'] as string),
        };
      },
    },
    {
      name: 'HubSpot, creation + 9 property changes of one contact',
      eventsPerDelivery: 10,
      delivery: (index) => {
        const at = BASE + index * 1000;
        const event = (subscriptionType: string, extra: Record<string, unknown> = {}) => ({
          eventId: index,
          subscriptionId: 1,
          portalId: config.sources.hubspot?.portalId,
          appId: 1,
          occurredAt: at,
          subscriptionType,
          attemptNumber: 0,
          objectId: 100_000 + index,
          changeSource: 'CRM',
          ...extra,
        });
        const change = (propertyName: string, propertyValue: string) =>
          event('contact.propertyChange', { propertyName, propertyValue });
        const body = JSON.stringify([
          event('contact.creation'),
          change('email', `hs${index}@bench.example`),
          change('hs_analytics_source', 'PAID_SEARCH'),
          change('jobtitle', 'CFO'),
          change('hs_seniority', 'c_level'),
          change('hubspot_owner_id', '77'),
          change('associatedcompanyid', '5'),
          change('lifecyclestage', 'marketingqualifiedlead'),
          change('hs_lead_status', 'NEW'),
          change('firstname', 'Pat'),
        ]);
        return {
          source: 'hubspot',
          body,
          headers: hubspotHeaders(body, DEMO_SECRETS['demo/hubspot-client-secret'] as string, {
            uri: url('hubspot'),
          }),
        };
      },
    },
  ];
}

/** One new entity of a kind per generic delivery: what each kind of event costs in write units. */
function entityScenarios(): Scenario[] {
  const generic = (name: string, event: (index: number) => Record<string, unknown>): Scenario => ({
    name,
    eventsPerDelivery: 1,
    delivery: (index) => {
      const body = JSON.stringify({ events: [event(index)] });
      return {
        source: 'generic',
        body,
        headers: genericHeaders(body, DEMO_SECRETS['demo/generic-whsec'] as string),
      };
    },
  });
  const at = (index: number) => new Date(BASE + index * 1000).toISOString();
  return [
    // A form outside `sla.highIntentForms`; a high-intent one is also in byMilestone (one more unit).
    generic('form', (index) => ({
      type: 'form',
      id: `bf-${index}`,
      at: at(index),
      formId: 'newsletter',
      email: `form${index}@bench.example`,
    })),
    generic('high-intent form', (index) => ({
      type: 'form',
      id: `bh-${index}`,
      at: at(index),
      formId: 'demo-request',
      email: `demo${index}@bench.example`,
    })),
    generic('activity', (index) => ({
      type: 'activity',
      id: `ba-${index}`,
      at: at(index),
      contactId: `b-${index}`,
      kind: 'call',
    })),
    generic('open deal', (index) => ({
      type: 'deal',
      id: `bd-${index}`,
      at: at(index),
      amount: 12000,
      currency: 'USD',
      stage: 'qualifiedtobuy',
    })),
  ];
}

async function send(url: (source: string) => string, delivery: Delivery): Promise<boolean> {
  const response = await fetch(url(delivery.source), {
    method: 'POST',
    body: delivery.body,
    headers: delivery.headers,
  });
  await response.text();
  return response.status === 200;
}

/** Starts delivery i at start + i / rate, without waiting for earlier answers. */
async function offeredLoad(scenario: Scenario, url: (source: string) => string): Promise<OfferedLoadResult> {
  const total = OFFERED_PER_SECOND * OFFERED_SECONDS;
  const latencies: number[] = [];
  let failed = 0;
  const pending: Promise<void>[] = [];
  const start = performance.now() + 50;
  for (let index = 0; index < total; index++) {
    const scheduled = start + (index * 1000) / OFFERED_PER_SECOND;
    const wait = scheduled - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    // Signed when it is sent: Standard Webhooks refuses timestamps older than 5 minutes.
    const delivery = scenario.delivery(1_000_000 + index);
    pending.push(
      send(url, delivery).then((ok) => {
        latencies.push(performance.now() - scheduled);
        if (!ok) failed++;
      }),
    );
  }
  await Promise.all(pending);
  const seconds = (performance.now() - start) / 1000;
  return {
    scenario: scenario.name,
    offeredPerSecond: OFFERED_PER_SECOND,
    seconds: OFFERED_SECONDS,
    deliveries: total,
    failed,
    achievedPerSecond: (total - failed) / seconds,
    latencyMs: summary(latencies),
  };
}

/** IN_FLIGHT workers, each sending as soon as its previous delivery is answered. */
async function closedLoop(seconds: number, sendOne: (index: number) => Promise<boolean>) {
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  const worker = async () => {
    while (performance.now() < deadline) {
      const index = next++;
      const sent = performance.now();
      if (!(await sendOne(index))) failed++;
      latencies.push(performance.now() - sent);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  if (failed > 0) throw new Error(`${failed} requests failed in a closed loop`);
  return { count: next, seconds: (performance.now() - start) / 1000, latencies };
}

async function maxRate(
  server: IngestServer,
  scenario: Scenario,
  url: (source: string) => string,
  offset: number,
) {
  const writesBefore = (await server.counters()).writes;
  const run = await closedLoop(MAX_RATE_SECONDS, (index) => send(url, scenario.delivery(offset + index)));
  const events = run.count * scenario.eventsPerDelivery;
  return {
    scenario: scenario.name,
    inFlight: IN_FLIGHT,
    deliveries: run.count,
    eventsPerDelivery: scenario.eventsPerDelivery,
    deliveriesPerSecond: run.count / run.seconds,
    eventsPerSecond: events / run.seconds,
    latencyMs: summary(run.latencies),
    writesPerEvent: ((await server.counters()).writes - writesBefore) / events,
  } satisfies MaxRateResult;
}

interface IngestServer {
  url: string;
  dynamo: DynamoDBClient;
  counters(): Promise<StoreCounters>;
  close(): Promise<void>;
}

const SERVER = fileURLToPath(new URL('./support/ingest-server.ts', import.meta.url));

async function startIngestServer(): Promise<IngestServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', SERVER], {
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const waiting: ((line: string) => void)[] = [];
  lines.on('line', (line) => waiting.shift()?.(line));
  const nextLine = () => new Promise<string>((resolve) => waiting.push(resolve));
  const { url, dynamo } = JSON.parse(await nextLine()) as { url: string; dynamo: string };
  const client = new DynamoDBClient({
    endpoint: dynamo,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  return {
    url,
    dynamo: client,
    counters: async () => {
      const answer = nextLine();
      child.stdin.write('counters\n');
      return JSON.parse(await answer) as StoreCounters;
    },
    close: async () => {
      client.destroy();
      const closed = new Promise((resolve) => child.on('close', resolve));
      child.stdin.end();
      await closed;
    },
  };
}

/** The entity item ingest writes for one generic contact event: the bare put uses its size. */
function sampleEntityItem(config: ClientConfig) {
  const parsed = genericAdapter.parse(JSON.stringify({ events: [genericEvent(0)] }), {
    config,
    hashEmail: emailHasher('bench'),
    receivedAt: BASE,
  });
  const state = applyEvents(undefined, parsed.events);
  return marshall(entityItem(state, indexTimes(state, config), 1));
}

async function barePut(dynamo: DynamoDBClient, config: ClientConfig) {
  const template = sampleEntityItem(config);
  const itemBytes = JSON.stringify(template).length;
  const run = await closedLoop(MAX_RATE_SECONDS, async (index) => {
    await dynamo.send(
      new PutItemCommand({
        TableName: LOCAL_TABLE_NAME,
        Item: { ...template, pk: { S: `bare#${index}` } },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return true;
  });
  return { inFlight: IN_FLIGHT, puts: run.count, itemBytes, putsPerSecond: run.count / run.seconds };
}

const UNIT_DELIVERIES = Number(process.env.BENCH_UNIT_DELIVERIES ?? 300);

async function unitsPerEvent(
  meter: DynamoMeter,
  scenario: Scenario,
  url: (source: string) => string,
  offset = 4_000_000,
): Promise<UnitsPerEvent> {
  meter.reset();
  const latencies: number[] = [];
  for (let index = 0; index < UNIT_DELIVERIES; index++) {
    const delivery = scenario.delivery(offset + index);
    const sent = performance.now();
    if (!(await send(url, delivery))) throw new Error('a unit-measuring delivery failed');
    latencies.push(performance.now() - sent);
  }
  const events = UNIT_DELIVERIES * scenario.eventsPerDelivery;
  return {
    deliveries: UNIT_DELIVERIES,
    p50Ms: summary(latencies).p50,
    requestsPerEvent: Object.fromEntries(
      Object.entries(meter.requests).map(([name, count]) => [name, count / events]),
    ),
    readUnitsPerEvent: meter.readUnits / events,
    writeUnitsPerEvent: meter.writeUnits / events,
    indexWriteUnitsPerEvent: meter.indexWriteUnits / events,
    storedBytesPerEvent: meter.storedBytes / events,
  };
}

/**
 * Units per event on a twin of this process's own (where its client can be metered): a new
 * contact per delivery, then a new entity of each other kind per delivery.
 */
export async function measureUnits(config: ClientConfig): Promise<IngestResults['units']> {
  const twin = await startTwin({ config, secrets: demoSecrets() });
  try {
    const url = (source: string) => `${twin.server?.url}/webhooks/${source}`;
    const [single] = scenarios(config, url) as [Scenario, Scenario];
    const meter = meterDynamo(twin.dynamo.client);
    const contact = await unitsPerEvent(meter, single, url);
    const byEntity: Record<string, UnitsPerEvent> = {};
    for (const [index, scenario] of entityScenarios().entries()) {
      byEntity[scenario.name] = await unitsPerEvent(meter, scenario, url, 5_000_000 + index * 100_000);
    }
    return { ...contact, byEntity };
  } finally {
    await twin.close();
  }
}

export async function measureIngest(): Promise<IngestResults> {
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
  const config = resolveClientConfig('demo');
  const server = await startIngestServer();
  let loads: Omit<IngestResults, 'units'>;
  try {
    const url = (source: string) => `${server.url}/webhooks/${source}`;
    const [single, batch] = scenarios(config, url) as [Scenario, Scenario];
    // Warm the handler, the SDK and dynalite before anything is timed.
    await closedLoop(1, (index) => send(url, single.delivery(9_000_000 + index)));
    const offered = await offeredLoad(single, url);
    const maxRates = [
      await maxRate(server, single, url, 2_000_000),
      await maxRate(server, batch, url, 3_000_000),
    ];
    const bare = await barePut(server.dynamo, config);
    loads = {
      offered,
      maxRate: maxRates,
      barePut: bare,
      ratio: Object.fromEntries(
        maxRates.map((result) => [result.scenario, result.eventsPerSecond / bare.putsPerSecond]),
      ),
    };
  } finally {
    await server.close();
  }
  return { ...loads, units: await measureUnits(config) };
}

if (isMain(import.meta.url)) {
  // `--units`: only the units per event (seconds, not the minutes of the load runs).
  const result = process.argv.includes('--units')
    ? await (async () => {
        process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
        return measureUnits(resolveClientConfig('demo'));
      })()
    : await measureIngest();
  console.log(JSON.stringify(result, null, 2));
}
