import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import cliProgress from 'cli-progress';
import { deliveryUrl, type ScriptedDelivery } from '#local/delivery.ts';
import { deliverySummary, storyDeliveries } from '#local/generator/deliveries.ts';
import { generateStory } from '#local/generator/story.ts';
import { outboxDir } from '#local/outbox.ts';
import type { Twin } from '#local/twin.ts';
import { localSendDeps, startTwin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type RecipientReport, sendPacket } from '#shared/email/send.ts';
import { laneName } from '#shared/packets/format.ts';
import { buildAndPublishPacket } from '#shared/packets/run.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import { CADENCES } from '#shared/time/periods.ts';
import { DEMO_SENDER_SECRETS } from './demo-secrets.ts';
import { UsageError } from './usage-error.ts';

type Outcome = ScriptedDelivery['expect'];

/** The story is the same on every run, so the packets tell the same story. */
export const DEMO_SEED = 42;

async function deliver(
  twin: Twin,
  delivery: ScriptedDelivery,
): Promise<{ outcome: Outcome; detail: string }> {
  const response = await fetch(deliveryUrl(twin.server?.url ?? '', delivery), {
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

export interface DemoOptions {
  dataDir: string;
  outbox: string;
  /** The demo's "today": the story ends here and the packets are built as of it. */
  asOf?: Date;
  /** How many contacts the story has (the test suite uses a small one). */
  contacts?: number;
  /** Print a progress bar (off when the output is not a terminal). */
  progress?: boolean;
}

/** The twin `samepage serve --port 3000` runs, as the demo prints: its mails' links open there. */
const DEMO_WEB_BASE_URL = 'http://127.0.0.1:3000';

/**
 * `npm run demo`: a seeded, year-long story of a B2B SaaS client delivered by every source in
 * its own signed wire format over HTTP to the local twin, then the weekly, monthly and quarterly
 * packets built as of the story's last day and mailed through the local SES.
 */
export async function runDemo(config: ClientConfig, options: DemoOptions): Promise<{ unexpected: number }> {
  const asOf = options.asOf ?? new Date();
  prepareDataDir(options.dataDir);
  const started = Date.now();
  // The twin's clock is the story's: each delivery is received at its story time, so receipt
  // times, quarantine times and the sources' freshness follow the story, not the minute it is posted.
  let current = asOf.getTime();
  const twin = await startTwin({
    config,
    dataDir: options.dataDir,
    outbox: options.outbox,
    clock: () => current,
  });
  try {
    const story = generateStory({
      seed: DEMO_SEED,
      asOf,
      config,
      everydayEdits: true,
      ...(options.contacts ? { contacts: options.contacts } : {}),
    });
    const deliveries = storyDeliveries(story, {
      baseUrl: twin.server?.url ?? '',
      config,
      secrets: DEMO_SENDER_SECRETS,
      signAtStoryTime: true,
    });
    console.log(`samepage demo: ${config.displayName} (${config.client}), local twin at ${twin.server?.url}`);
    console.log(`SES inbox while the demo runs: ${twin.mail?.ses.url}`);
    console.log(
      `story: ${story.truth.companies} companies, ${story.truth.contacts} contacts, ${story.truth.deals} deals, ${story.truth.forms} forms, ${story.truth.activities} activities, ${new Date(story.start).toISOString().slice(0, 10)} to ${asOf.toISOString().slice(0, 10)}\n`,
    );

    const tally: Record<Outcome, number> = { accepted: 0, duplicate: 0, quarantined: 0, refused: 0 };
    const bar = new cliProgress.SingleBar(
      {
        format:
          'deliveries {bar} {value}/{total} · accepted {accepted} · duplicate {duplicate} · quarantined {quarantined} · refused {refused}',
        noTTYOutput: false,
      },
      cliProgress.Presets.shades_classic,
    );
    const showBar = options.progress ?? process.stdout.isTTY === true;
    if (showBar) bar.start(deliveries.length, 0, tally);
    const surprises: string[] = [];
    for (const delivery of deliveries) {
      current = delivery.at;
      const { outcome, detail } = await deliver(twin, delivery);
      tally[outcome]++;
      if (outcome !== delivery.expect)
        surprises.push(`${delivery.source} ${delivery.label}: expected ${delivery.expect}, got ${detail}`);
      if (showBar) bar.increment(1, tally);
    }
    current = asOf.getTime();
    if (showBar) bar.stop();
    // The source markers buffer up to a minute of deliveries: written before the packets read them.
    await twin.store.flushSourceNotes();
    console.log(
      `deliveries: ${deliveries.length} · accepted ${tally.accepted} · duplicate ${tally.duplicate} · quarantined ${tally.quarantined} · refused ${tally.refused}`,
    );
    for (const surprise of surprises) console.log(`  ✗ ${surprise}`);
    console.log(
      `  (by source: ${Object.entries(deliverySummary(deliveries))
        .filter(([key]) => !key.startsWith('expect:'))
        .map(([source, n]) => `${source} ${n}`)
        .join(', ')})`,
    );

    const shown = relative(process.cwd(), options.dataDir) || '.';
    const publisher = new InProcessPublisher();
    let sent: RecipientReport[] = [];
    publisher.subscribe(async (event) => {
      sent = await sendPacket(
        localSendDeps(twin, () => asOf.getTime(), DEMO_WEB_BASE_URL),
        event,
      );
    });
    for (const cadence of CADENCES) {
      // The earlier packets of the story are built (not sent) first, so this one's trends are full.
      const result = await buildAndPublishPacket(
        { config, store: twin.store, publisher, clock: () => asOf.getTime() },
        { client: config.client, cadence, history: true },
      );
      if (result.status === 'held') {
        console.log(`\n${cadence} packet held, not sent: ${result.hold.reasons.join('; ')}`);
        continue;
      }
      const { packet, history } = result;
      const byId = new Map(packet.metrics.map((metric) => [metric.id as string, metric]));
      const table = packet.statusTable.flatMap((id) => byId.get(id) ?? []);
      console.log(`\n${cadence} packet, ${packet.period.label}: ${packet.headline.text}`);
      if (packet.banner) console.log(`  banner: ${packet.banner}`);
      console.log(`  trend history: ${history?.built ?? 0} earlier ${cadence} packets built`);
      console.log(
        `  status: ${table.map((metric) => `${metric.label} ${metric.status === 'none' ? '—' : metric.status.toUpperCase()}`).join(' · ')}; ${packet.noThreshold.length} more without an agreed threshold`,
      );
      for (const finding of packet.findings) console.log(`  finding: ${finding.text}`);
      for (const action of packet.actions) {
        const who = [laneName(action.owner), ...(action.ownerNames ?? [])].join(', ');
        console.log(`  action (${who}): ${byId.get(action.metric)?.label}: ${action.text}`);
      }
      const mailed = sent.filter((entry) => entry.outcome === 'sent' && entry.via === 'email');
      const lists = new Set(mailed.flatMap((entry) => entry.lists));
      const posted = sent.filter((entry) => entry.outcome === 'sent' && entry.via !== 'email');
      const chat =
        posted.length > 0
          ? ` · posted to ${posted.map((entry) => entry.recipient).join(', ')} (${[...new Set(posted.map((entry) => `${entry.via}.json`))].join(', ')})`
          : '';
      console.log(
        `  mailed to ${mailed.length} addresses (${[...lists].join(', ')})${chat} · ${relative(process.cwd(), join(outboxDir(options.outbox, packet), 'packet.html'))}`,
      );
    }
    console.log(
      `\ndone in ${((Date.now() - started) / 1000).toFixed(1)} s. Print a whole packet: npx samepage packet --client ${config.client} --cadence weekly --as-of ${asOf.toISOString()} --data ${shown}`,
    );
    console.log(
      `Keep a twin running on the same data (webhooks, the SES inbox, and the web copies the mails and chat posts link to): npx samepage serve --client ${config.client} --port 3000 --data ${shown}`,
    );
    return { unexpected: surprises.length };
  } finally {
    await twin.close();
  }
}
