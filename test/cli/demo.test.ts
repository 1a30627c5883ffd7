import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { afterAll, describe, expect, it } from 'vitest';
import { storyDeliveries } from '#local/generator/deliveries.ts';
import { generateStory } from '#local/generator/story.ts';
import { loadClientConfigFile } from '#shared/config/load.ts';
import { formatNumber } from '#shared/packets/format.ts';
import type { Packet } from '#shared/packets/packet.ts';
import { dataHealthRows } from '#shared/packets/text.ts';
import { lastCompletePeriod } from '#shared/time/periods.ts';
import { DEMO_SEED } from '../../cli/demo.ts';
import { DEMO_SENDER_SECRETS } from '../../cli/demo-secrets.ts';
import { runSamepage } from '../support/cli.ts';

/** The text a reader sees in the HTML: no head, blocks apart, inline markup joined, entities decoded. */
function visibleText(html: string): string {
  return html
    .replace(/<head>[\s\S]*?<\/head>/, '')
    .replace(/<!--[\s\S]*?-->/g, '')
    .replace(/<\/?(b|span|a)\b[^>]*>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&quot;/g, '"')
    .replace(/&#x27;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/(?:[\s\u00a0\u200b-\u200f\u2060\ufeff\u00ad]|\u034f)+/g, ' ');
}

const dataDir = mkdtempSync(join(tmpdir(), 'samepage-demo-'));
const outbox = mkdtempSync(join(tmpdir(), 'samepage-demo-outbox-'));
afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(outbox, { recursive: true, force: true });
});

/** A smaller story than `npm run demo`'s, on a fixed day, so the suite stays quick and repeatable. */
const AS_OF = '2026-10-05T13:00:00Z';
const CONTACTS = 500;
const DEMO = [
  'demo',
  '--contacts',
  String(CONTACTS),
  '--as-of',
  AS_OF,
  '--data',
  dataDir,
  '--outbox',
  outbox,
];

describe('npm run demo', () => {
  let output = '';

  // Building the earlier packets the trends show (26 of them) takes a good part of the time.
  it('delivers the generated story from every source, each answer as expected, and mails the three packets', {
    timeout: 90_000,
  }, async () => {
    const result = await runSamepage(DEMO);
    output = result.stdout;
    expect(result.stderr).not.toMatch(/not answered as expected/);
    expect(result.code).toBe(0);
    expect(output).not.toMatch(/✗/);
    // One HubSpot batch is sent twice, one generic delivery is forged, one Typeform body is broken.
    expect(output).toMatch(/deliveries: \d+ · accepted \d+ · duplicate 1 · quarantined 1 · refused 1/);
    for (const source of ['hubspot', 'hubspot-workflow', 'salesforce', 'pipedrive', 'typeform', 'generic']) {
      expect(output).toMatch(new RegExp(`by source: .*\\b${source} \\d+`));
    }
    expect(output.match(/mailed to 5 addresses \(marketing, sales, leadership\)/g)).toHaveLength(3);
    // The story starts on 2025-09-05. The trends show 12 earlier weeks, 11 earlier months (Oct 2025 –
    // Aug 2026) and 7 earlier quarters, of which 4 have facts (Jul–Sep 2025 to Apr–Jun 2026): those are
    // kept, not mailed.
    expect(output).toMatch(/^ {2}trend history: 12 earlier weekly packets built$/m);
    expect(output).toMatch(/^ {2}trend history: 11 earlier monthly packets built$/m);
    expect(output).toMatch(/^ {2}trend history: 4 earlier quarterly packets built$/m);
    const packets = readdirSync(join(outbox, 'demo'));
    expect(packets.sort()).toEqual(['monthly-2026-09-01', 'quarterly-2026-07-01', 'weekly-2026-09-28']);
    for (const packet of packets) {
      const files = readdirSync(join(outbox, 'demo', packet));
      expect(files.filter((file) => file.endsWith('.eml'))).toHaveLength(5);
      // Gmail clips bodies over 102 KB.
      expect(statSync(join(outbox, 'demo', packet, 'packet.html')).size).toBeLessThan(102 * 1024);
    }
  });

  /** The three mailed packets: the JSON, the HTML as a reader sees its text, and the text part. */
  function mailedPackets() {
    return readdirSync(join(outbox, 'demo')).map((dir) => {
      const read = (file: string) => readFileSync(join(outbox, 'demo', dir, file), 'utf8');
      return {
        dir,
        packet: JSON.parse(read('packet.json')) as Packet,
        html: read('packet.html'),
        seen: visibleText(read('packet.html')),
        text: read('packet.txt'),
      };
    });
  }

  it('names people, channels, segments and reasons in words: no raw key or unknown id in what is read', () => {
    const mailed = mailedPackets();
    expect(mailed).toHaveLength(3);
    for (const { dir, packet, seen, text } of mailed) {
      // The demo's roster names every rep in every CRM: no owner is left as an id.
      expect(packet.dataHealth.ownersWithoutName, dir).toEqual([]);
      for (const [kind, shown] of [
        ['html', seen],
        ['text', text],
      ] as const) {
        const where = `${dir} ${kind}`;
        expect(shown, where).not.toMatch(/\b(owner|channel|segment|reason|team|amount|add|remove):\S/);
        // camelCase note keys (topReasonStreakWeeks, fisherP, baselineWins) and the like.
        expect(shown.match(/\b[a-z]+[A-Z][A-Za-z]*\b/g) ?? [], where).toEqual([]);
        expect(shown, where).not.toMatch(/\b(HubSpot|Salesforce|Pipedrive|CRM) user\b/);
        // snake_case values (paid_search, c_level, individual_contributor) above the appendix, which
        // prints the metric ids of the contract beside their labels.
        const body = shown.slice(0, shown.search(/Definitions \(version|DEFINITIONS \(version/));
        expect(body.match(/\b[a-z]+_[a-z_]+\b/g) ?? [], where).toEqual([]);
      }
      // The raw values the demo's data holds are there, in words: owners (the weekly packet lists SLA
      // breaches and stalled deals by owner) and channels.
      if (packet.cadence === 'weekly') {
        expect(seen, dir).toMatch(/Eli Murphy|Ben Okafor|Ava Chen|Cara Novak|Dev Patel|Fay Silva/);
      }
      expect(seen, dir).toMatch(/Jordan Blake|Grace Whitfield/);
      expect(text, dir).toMatch(/Paid search|Partner referrals|Events and webinars/);
    }
  });

  it('keeps every value inside its unit: rates and their rows in [0, 1], counts whole', () => {
    const inRange = (value: number | null, unit: string, where: string) => {
      if (value === null) return;
      // forecast.bias, (F − A) / A, is signed: under-forecast is below 0 (never below −1, F ≥ 0)
      // and over-forecast may pass 1.
      if (where.includes('forecast.bias')) {
        expect(value, where).toBeGreaterThanOrEqual(-1);
        return;
      }
      // forecast.accuracy, 1 − |F − A| / A, is at most 1 and below 0 when F > 2A (a quarter that won little).
      if (where.includes('forecast.accuracy')) {
        expect(value, where).toBeLessThanOrEqual(1);
        return;
      }
      expect(value, where).toBeGreaterThanOrEqual(0);
      if (unit === 'ratio') expect(value, where).toBeLessThanOrEqual(1);
      if (unit === 'count') expect(Number.isInteger(value), `${where} is whole`).toBe(true);
    };
    let countsUnderRates = 0;
    for (const { dir, packet } of mailedPackets()) {
      for (const metric of packet.metrics) {
        const where = `${dir} ${metric.id}`;
        inRange(metric.value, metric.unit, where);
        for (const bound of metric.interval ?? []) inRange(bound, metric.unit, `${where} interval`);
        for (const row of metric.breakdown ?? []) {
          inRange(row.value, row.unit, `${where} ${row.key}`);
          for (const bound of row.interval ?? []) inRange(bound, row.unit, `${where} ${row.key} interval`);
          if (row.baseline) inRange(row.baseline.value, row.unit, `${where} ${row.key} baseline`);
          if (metric.unit === 'ratio' && row.unit === 'count') countsUnderRates++;
        }
        for (const point of metric.trend ?? []) inRange(point.value, metric.unit, `${where} ${point.label}`);
      }
    }
    // The SLA rate's breaches by owner are counts under a rate, drawn and checked as counts.
    expect(countsUnderRates).toBeGreaterThan(0);
  });

  it('gives each meeting a short status table of its agreed thresholds (and forecast accuracy, judged by its own rule), with full trends', () => {
    const trendLength = { weekly: 13, monthly: 12, quarterly: 8 };
    for (const { dir, packet, seen } of mailedPackets()) {
      const thresholds = packet.statusTable.filter((id) => id !== 'qpc.created.amount');
      expect(packet.statusTable[0], dir).toBe('qpc.created.amount');
      for (const id of thresholds) {
        expect(
          [
            'mql_to_sql.rate',
            'lead_to_opp.rate',
            'sla.within_rate',
            'rejections.missing_reason_share',
            'stalled.count',
            'icp.fit_rate.closed_won',
            'forecast.accuracy',
          ],
          `${dir} ${id}`,
        ).toContain(id);
      }
      if (packet.cadence === 'weekly') expect(packet.statusTable.length).toBeLessThanOrEqual(10);
      // Every action is raised in the packet whose table shows its metric.
      for (const action of packet.actions) expect(packet.statusTable, dir).toContain(action.metric);
      for (const id of packet.statusTable) {
        const metric = packet.metrics.find((candidate) => candidate.id === id);
        expect(metric?.trend, `${dir} ${id}`).toHaveLength(trendLength[packet.cadence]);
        // The earlier packets were kept: the last point is this packet, the one before it a stored packet.
        expect(metric?.trend?.at(-2)?.from, `${dir} ${id}`).toBe('snapshot');
      }
      // The meeting's other metrics are listed once, by name.
      expect(seen, dir).toContain(
        `No agreed threshold yet (agree one to get a status): ${packet.noThreshold
          .map((id) => packet.metrics.find((metric) => metric.id === id)?.label)
          .join(', ')}.`,
      );
    }
  });

  it('says the same things in the plain-text part as in the HTML', () => {
    for (const { dir, packet, seen, text } of mailedPackets()) {
      const both = (phrase: string) => {
        expect(seen, `${dir} html`).toContain(phrase);
        expect(text, `${dir} text`).toContain(phrase);
      };
      both(packet.headline.text);
      for (const finding of packet.findings) both(finding.text);
      for (const action of packet.actions) both(action.text);
      for (const id of [...packet.statusTable, ...packet.sections.flatMap((section) => section.metrics)]) {
        const metric = packet.metrics.find((candidate) => candidate.id === id);
        if (!metric) throw new Error(`${dir}: no metric ${id}`);
        both(metric.label);
        both(metric.value === null ? `no cases (n ${metric.n})` : formatNumber(metric.value, metric.unit));
        for (const remark of metric.remarks ?? []) both(remark);
      }
      for (const [label, value] of dataHealthRows(packet)) {
        both(label);
        both(value);
      }
    }
  });

  it('says on every packet that Typeform went quiet before it was built, and on no other source', () => {
    // The demo's story, as the demo made it: Typeform's last delivery and its deliveries of the week.
    const config = loadClientConfigFile(fileURLToPath(new URL('../../clients/demo.yaml', import.meta.url)));
    const asOf = Date.parse(AS_OF);
    const story = generateStory({
      seed: DEMO_SEED,
      asOf: new Date(AS_OF),
      config,
      contacts: CONTACTS,
      everydayEdits: true,
    });
    const typeform = storyDeliveries(story, { baseUrl: '', config, secrets: DEMO_SENDER_SECRETS }).filter(
      (delivery) => delivery.source === 'typeform',
    );
    const lastTypeform = Math.max(...typeform.map((delivery) => delivery.at));
    expect(lastTypeform).toBeLessThan(story.typeformQuietFrom);
    const since = DateTime.fromMillis(lastTypeform, { zone: config.timezone }).toFormat('ccc LLL d, HH:mm');
    const week = lastCompletePeriod('weekly', asOf, config);
    const inWeek = (outcome: string) =>
      typeform.filter(
        (delivery) => delivery.expect === outcome && delivery.at >= week.start && delivery.at < week.end,
      ).length;

    const mailed = mailedPackets();
    const weekly = mailed.find(({ packet }) => packet.cadence === 'weekly');
    const banner = weekly?.packet.banner ?? '';
    expect(banner).toBe(
      `Data may be incomplete. Typeform has been silent since ${since}; it feeds speed to lead (its form submissions start the clocks) and the leads they create.`,
    );
    expect(output).toContain(`\n  banner: ${banner}\n`);
    const sources = weekly?.packet.dataHealth.sources ?? [];
    const states = Object.fromEntries(sources.map((source) => [source.source, source.state]));
    expect(states).toEqual({
      hubspot: 'fresh',
      'hubspot-workflow': 'fresh',
      salesforce: 'fresh',
      pipedrive: 'fresh',
      typeform: 'silent',
      generic: 'fresh',
    });
    const typeformHealth = sources.find((source) => source.source === 'typeform');
    expect(typeformHealth).toMatchObject({
      policy: 'warn',
      maxSilenceBusinessHours: 18,
      accepted: inWeek('accepted'),
      quarantined: inWeek('quarantined'),
    });
    expect(typeformHealth?.silentBusinessHours).toBeGreaterThan(3 * 9);
    expect(typeformHealth?.line).toMatch(/^Typeform: silent since /);
    // Read in the HTML and the text part too; a monthly or quarterly packet whose period ended
    // before the silence began was built on complete data and carries no banner.
    for (const { dir, packet, seen, text } of mailed) {
      if (Date.parse(packet.period.end) <= lastTypeform) {
        expect(packet.banner, dir).toBeUndefined();
        continue;
      }
      expect(packet.banner, dir).toBe(banner);
      expect(seen, dir).toContain(banner);
      expect(text, dir).toContain(banner);
    }
  });

  it('shows the forecast: the last quarter’s accuracy against what the story won, the current quarter’s weighted forecast', () => {
    const config = loadClientConfigFile(fileURLToPath(new URL('../../clients/demo.yaml', import.meta.url)));
    const story = generateStory({
      seed: DEMO_SEED,
      asOf: new Date(AS_OF),
      config,
      contacts: CONTACTS,
      everydayEdits: true,
    });
    const quarter = lastCompletePeriod('quarterly', Date.parse(AS_OF), config);
    const won = new Set(config.dealStages.won);
    // The story's deals in the client's currency won in the quarter (the demo has no exchange rates).
    const wonAmount = story.deals
      .filter((deal) => deal.currency === config.currency && deal.amount !== null)
      .filter((deal) =>
        deal.stages.some(
          (change) => won.has(change.stage) && change.at >= quarter.start && change.at < quarter.end,
        ),
      )
      .reduce((sum, deal) => sum + (deal.amount ?? 0), 0);
    expect(wonAmount).toBeGreaterThan(0);
    const mailed = mailedPackets();
    const metric = (cadence: string, id: string) =>
      mailed
        .find(({ packet }) => packet.cadence === cadence)
        ?.packet.metrics.find((candidate) => candidate.id === id);
    const accuracy = metric('quarterly', 'forecast.accuracy');
    expect(accuracy?.notes?.quarter).toBe(quarter.label);
    expect(accuracy?.notes?.actual).toBe(wonAmount);
    expect(typeof accuracy?.value).toBe('number');
    expect(accuracy?.value).toBeGreaterThan(0);
    expect(accuracy?.value).toBeLessThan(1);
    expect(metric('weekly', 'forecast.weighted')?.value).toBeGreaterThan(0);
  });

  it('leaves its data for samepage packet, which prints the same numbers', async () => {
    const headline = /weekly packet, [^:]+: Qualified pipeline created: \$([\d,]+) in (\d+) deals/.exec(
      output,
    );
    expect(headline).not.toBeNull();
    const packet = await runSamepage([
      'packet',
      '--client',
      'demo',
      '--cadence',
      'weekly',
      '--as-of',
      AS_OF,
      '--data',
      dataDir,
      '--format',
      'json',
    ]);
    expect(packet.code).toBe(0);
    const qpc = JSON.parse(packet.stdout).metrics.find(
      (metric: { id: string }) => metric.id === 'qpc.created.amount',
    );
    expect(qpc.value).toBe(Number(headline?.[1]?.replace(/,/g, '')));
    expect(qpc.n).toBe(Number(headline?.[2]));
  });

  it('refuses a data directory that is not its own', async () => {
    const other = mkdtempSync(join(tmpdir(), 'samepage-other-'));
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    try {
      const result = await runSamepage(['demo', '--contacts', '50', '--data', other, '--outbox', outbox]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/holds other data/);
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });
});
