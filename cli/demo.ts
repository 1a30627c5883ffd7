import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { demoScript, type ScriptedDelivery } from '#local/demo-script.ts';
import { outboxDir } from '#local/outbox.ts';
import type { Twin } from '#local/twin.ts';
import { localSendDeps, startTwin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type RecipientReport, sendPacket } from '#shared/email/send.ts';
import { ENTITY_TYPES } from '#shared/model/events.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { fieldValue } from '#shared/projection/state.ts';
import { CADENCES, lastCompletePeriod } from '#shared/time/periods.ts';
import { DEMO_SECRETS } from './demo-secrets.ts';
import { UsageError } from './usage-error.ts';

type Outcome = ScriptedDelivery['expect'];

const PLURAL: Record<(typeof ENTITY_TYPES)[number], string> = {
  company: 'companies',
  contact: 'contacts',
  deal: 'deals',
  form: 'forms',
  activity: 'activities',
};

async function deliver(
  twin: Twin,
  delivery: ScriptedDelivery,
): Promise<{ outcome: Outcome; detail: string }> {
  const response = await fetch(`${twin.server?.url}/webhooks/${delivery.source}`, {
    method: 'POST',
    body: delivery.body,
    headers: delivery.headers,
  });
  const text = await response.text();
  if (response.status === 401) return { outcome: 'refused', detail: `401 ${JSON.parse(text).reason}` };
  if (response.status !== 200) return { outcome: 'refused', detail: `${response.status} ${text}` };
  // Salesforce gets its SOAP Ack; the outcome travels in a header there.
  const status = response.headers.get('x-samepage-status') ?? JSON.parse(text).status;
  return { outcome: status as Outcome, detail: status };
}

/**
 * `npm run demo`: the local twin on the demo client, a week of facts delivered by every source in
 * its own signed wire format over HTTP, and what the store made of them.
 */
/** Marks a directory as the demo's own, so a rerun may empty it and nothing else is ever deleted. */
const DEMO_MARKER = '.samepage-demo';

function prepareDataDir(dataDir: string): void {
  if (existsSync(dataDir) && readdirSync(dataDir).length > 0 && !existsSync(join(dataDir, DEMO_MARKER))) {
    throw new UsageError(`${dataDir} holds other data; pass --data with an empty or a demo directory`);
  }
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, DEMO_MARKER), 'samepage demo data: `npm run demo` empties this directory\n');
}

export async function runDemo(
  config: ClientConfig,
  options: { dataDir: string; outbox: string; asOf?: Date },
): Promise<{ unexpected: number }> {
  const asOf = options.asOf ?? new Date();
  prepareDataDir(options.dataDir);
  // The scripted week is the last complete one, so the weekly packet as of now shows it.
  const today = new Date(lastCompletePeriod('weekly', asOf.getTime(), config).end);
  const started = Date.now();
  const twin = await startTwin({ config, dataDir: options.dataDir, outbox: options.outbox });
  try {
    const demoRequestForm = Object.entries(config.sources.typeform?.forms ?? {}).find(
      ([, id]) => id === 'demo-request',
    );
    const script = demoScript({
      baseUrl: twin.server?.url ?? '',
      secrets: {
        hubspot: DEMO_SECRETS['demo/hubspot-client-secret'] as string,
        typeform: DEMO_SECRETS['demo/typeform-secret'] as string,
        pipedriveCredentials: DEMO_SECRETS['demo/pipedrive-basic-auth'] as string,
        genericWhsec: DEMO_SECRETS['demo/generic-whsec'] as string,
      },
      hubspotPortalId: config.sources.hubspot?.portalId ?? 0,
      salesforceOrganizationId: config.sources.salesforce?.organizationId ?? '',
      demoRequestFormId: demoRequestForm?.[0] ?? 'demo-request',
      today,
    });

    console.log(
      `samepage demo: ${config.displayName} (${config.client}), local twin at ${twin.server?.url}\n`,
    );
    const tally: Record<Outcome, number> = { accepted: 0, duplicate: 0, quarantined: 0, refused: 0 };
    let unexpected = 0;
    for (const delivery of script) {
      const { outcome, detail } = await deliver(twin, delivery);
      tally[outcome]++;
      const ok = outcome === delivery.expect;
      if (!ok) unexpected++;
      console.log(`  ${ok ? '✓' : '✗'} ${delivery.source.padEnd(17)} ${delivery.label.padEnd(62)} ${detail}`);
    }
    console.log(
      `\ndeliveries: ${script.length} · accepted ${tally.accepted} · duplicate ${tally.duplicate} · quarantined ${tally.quarantined} · refused ${tally.refused}`,
    );

    const counts: string[] = [];
    for (const entity of ENTITY_TYPES) {
      let count = 0;
      for await (const _ of twin.store.entitiesByTime(entity, 'created', {
        from: today.getTime() - 30 * 86_400_000,
        to: today.getTime() + 86_400_000,
      }))
        count++;
      counts.push(`${count} ${PLURAL[entity]}`);
    }
    console.log(`projected: ${counts.join(', ')}`);

    const contact = (await twin.store.getEntities(['contact#hubspot:1001'])).get(
      'contact#hubspot:1001',
    )?.state;
    if (contact) {
      const milestones = Object.entries(contact.milestones)
        .map(([stage, at]) => `${stage} ${new Date(at).toISOString().slice(0, 16).replace('T', ' ')}`)
        .join(', ');
      console.log(
        `contact hubspot:1001: source ${fieldValue(contact, 'source')}, company ${fieldValue(contact, 'companyId')}, milestones: ${milestones}, email stored as hash ${String(fieldValue(contact, 'emailHash')).slice(0, 8)}…`,
      );
    }
    const shown = relative(process.cwd(), options.dataDir) || '.';
    const publisher = new InProcessPublisher();
    let sent: RecipientReport[] = [];
    publisher.subscribe(async (event) => {
      sent = await sendPacket(
        localSendDeps(twin, () => asOf.getTime()),
        event,
      );
    });
    for (const cadence of CADENCES) {
      const { packet } = await buildAndPublishPacket(
        { config, store: twin.store, publisher, clock: () => asOf.getTime() },
        { client: config.client, cadence },
      );
      const statuses = packet.metrics.reduce<Record<string, number>>((counts, metric) => {
        counts[metric.status] = (counts[metric.status] ?? 0) + 1;
        return counts;
      }, {});
      console.log(`\n${cadence} packet, ${packet.period.label}: ${packet.headline.text}`);
      console.log(
        `  ${packet.metrics.length} metrics · act ${statuses.act ?? 0} · watch ${statuses.watch ?? 0} · good ${statuses.good ?? 0} · no threshold or data ${statuses.none ?? 0} · actions ${packet.actions.length}`,
      );
      const lists = new Set(sent.filter((entry) => entry.outcome === 'sent').flatMap((entry) => entry.lists));
      console.log(
        `  mailed to ${sent.filter((entry) => entry.outcome === 'sent').length} addresses (${[...lists].join(', ')}) · ${relative(process.cwd(), join(outboxDir(options.outbox, packet), 'packet.html'))}`,
      );
    }
    console.log(
      `\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s. Print a whole packet: npm run samepage -- packet --client ${config.client} --cadence weekly --data ${shown}`,
    );
    console.log(
      `Keep a twin running on the same data: npm run samepage -- serve --client ${config.client} --port 3000 --data ${shown}`,
    );
    return { unexpected };
  } finally {
    await twin.close();
  }
}
