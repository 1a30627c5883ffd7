/**
 * Ingest latency and write cost on the local twin: signed deliveries over HTTP → ingest handler
 * → dynalite, one at a time (the latency a sender sees, without queueing).
 * Run: npm run bench:ingest  (prints a Markdown table; numbers go to bench/RESULTS.md)
 */
import { performance } from 'node:perf_hooks';
import { genericHeaders } from '#local/senders/generic.ts';
import { hubspotHeaders } from '#local/senders/hubspot.ts';
import { startTwin } from '#local/twin.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { EnvironmentSecrets, secretEnvironmentVariable } from '#shared/ports/secrets.ts';
import { DEMO_SECRETS } from '../cli/demo-secrets.ts';

process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 500);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

const config = resolveClientConfig('demo');
const secrets = new EnvironmentSecrets(
  Object.fromEntries(
    Object.entries(DEMO_SECRETS).map(([name, value]) => [secretEnvironmentVariable(name), value]),
  ),
);
const twin = await startTwin({ config, secrets });
const url = (source: string) => `${twin.server?.url}/webhooks/${source}`;

interface Scenario {
  name: string;
  eventsPerDelivery: number;
  delivery(index: number): { source: string; body: string; headers: Record<string, string> };
}

const base = Date.parse('2026-10-01T09:00:00Z');
const scenarios: Scenario[] = [
  {
    name: 'generic, 1 contact event per delivery',
    eventsPerDelivery: 1,
    delivery: (i) => {
      const body = JSON.stringify({
        events: [
          {
            type: 'contact',
            id: `b-${i}`,
            at: new Date(base + i * 1000).toISOString(),
            stage: 'mql',
            source: 'webinar',
            email: `lead${i}@bench.example`,
          },
        ],
      });
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
    delivery: (i) => {
      const at = base + i * 1000;
      const event = (subscriptionType: string, extra: Record<string, unknown> = {}) => ({
        eventId: i,
        subscriptionId: 1,
        portalId: config.sources.hubspot?.portalId,
        appId: 1,
        occurredAt: at,
        subscriptionType,
        attemptNumber: 0,
        objectId: 100_000 + i,
        changeSource: 'CRM',
        ...extra,
      });
      const change = (propertyName: string, propertyValue: string) =>
        event('contact.propertyChange', { propertyName, propertyValue });
      const body = JSON.stringify([
        event('contact.creation'),
        change('email', `hs${i}@bench.example`),
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

const rows: string[] = [];
for (const scenario of scenarios) {
  const latencies: number[] = [];
  const writesBefore = twin.store.counters.writes;
  const started = performance.now();
  for (let i = 0; i < DELIVERIES; i++) {
    const { source, body, headers } = scenario.delivery(i);
    const sent = performance.now();
    const response = await fetch(url(source), { method: 'POST', body, headers });
    await response.text();
    latencies.push(performance.now() - sent);
    if (response.status !== 200) throw new Error(`${scenario.name}: HTTP ${response.status}`);
  }
  const seconds = (performance.now() - started) / 1000;
  const writes = twin.store.counters.writes - writesBefore;
  latencies.sort((a, b) => a - b);
  rows.push(
    `| ${scenario.name} | ${DELIVERIES} | ${percentile(latencies, 50).toFixed(1)} | ${percentile(latencies, 95).toFixed(1)} | ${percentile(latencies, 99).toFixed(1)} | ${(DELIVERIES / seconds).toFixed(0)} | ${(writes / (DELIVERIES * scenario.eventsPerDelivery)).toFixed(2)} |`,
  );
}
await twin.close();

console.log(
  '| scenario | deliveries | p50 ms | p95 ms | p99 ms | deliveries/s (sequential) | DynamoDB writes per event |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
