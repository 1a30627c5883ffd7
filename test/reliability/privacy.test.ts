import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { storyDeliveries } from '#local/generator/deliveries.ts';
import { generateStory } from '#local/generator/story.ts';
import { genericHeaders } from '#local/senders/generic.ts';
import { LOCAL_TABLE_NAME, startTwin } from '#local/twin.ts';
import { type SlackMessage, slackLimitProblems } from '#shared/chat/slack.ts';
import { TEAMS_MAX_BYTES, type TeamsMessage, teamsMessageBytes } from '#shared/chat/teams.ts';
import { loadClientConfigFile } from '#shared/config/load.ts';
import { containsPhone } from '#shared/privacy.ts';
import { DEMO_SEED, runDemo } from '../../cli/demo.ts';
import { applyDemoSecretsIfUnset, DEMO_SECRETS, DEMO_SENDER_SECRETS } from '../../cli/demo-secrets.ts';
import { adaptiveCardProblems } from '../support/adaptive-cards.ts';

/**
 * Issue 8, privacy: after the demo flow (`npm run demo`: the generated story delivered by every
 * sender, three packets built and mailed), no item in the table holds an email address: not the
 * projections, not the raw deliveries, not quarantine, not packet snapshots or mail records. The
 * whole table is scanned (tests may Scan; the product never does) and every binary attribute
 * gunzipped. The outbox is mail to the recipients and is left out on purpose.
 */
const config = loadClientConfigFile(fileURLToPath(new URL('../../clients/demo.yaml', import.meta.url)));
const AS_OF = new Date('2026-10-05T13:00:00Z');
const CONTACTS = 300;
/** Anything shaped like an address, as broad as the redaction's own pattern. */
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

const dir = mkdtempSync(join(tmpdir(), 'samepage-privacy-'));
const dataDir = join(dir, 'data');
const outbox = join(dir, 'outbox');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ScannedItem {
  pk: string;
  text: string;
}

/** Every item of the table as JSON text, each gzipped attribute (bodies, packets) unpacked. */
async function scanTable(): Promise<ScannedItem[]> {
  const twin = await startTwin({ config, dataDir, serve: false });
  const items: ScannedItem[] = [];
  try {
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await twin.dynamo.client.send(
        new ScanCommand({ TableName: LOCAL_TABLE_NAME, ExclusiveStartKey: start }),
      );
      for (const item of page.Items ?? []) {
        const plain = unmarshall(item);
        for (const [name, value] of Object.entries(plain)) {
          if (value instanceof Uint8Array) plain[name] = gunzipSync(value).toString('utf8');
        }
        items.push({ pk: String(plain.pk), text: JSON.stringify(plain) });
      }
      start = page.LastEvaluatedKey;
    } while (start);
  } finally {
    await twin.close();
  }
  return items;
}

describe('no email address is stored anywhere after the demo', () => {
  const story = generateStory({
    seed: DEMO_SEED,
    asOf: AS_OF,
    config,
    contacts: CONTACTS,
    everydayEdits: true,
  });
  const addresses = [
    ...new Set([...story.contacts.map((contact) => contact.email), ...story.forms.map((form) => form.email)]),
  ];
  let items: ScannedItem[];

  beforeAll(async () => {
    applyDemoSecretsIfUnset(config);
    const quiet = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      const { unexpected } = await runDemo(config, {
        dataDir,
        outbox,
        asOf: AS_OF,
        contacts: CONTACTS,
        progress: false,
      });
      expect(unexpected).toBe(0);
    } finally {
      quiet.mockRestore();
    }
    // Two deliveries the demo does not make: one half valid (kept raw and in quarantine) and one
    // not valid at all (quarantine only), both carrying addresses.
    const twin = await startTwin({ config, dataDir });
    try {
      const whsec = DEMO_SECRETS['demo/generic-whsec'] as string;
      const [first, second] = story.contacts;
      const bodies = [
        JSON.stringify({
          events: [
            {
              type: 'form',
              id: 'f-privacy-1',
              at: '2026-10-01T15:00:00Z',
              formId: 'demo-request',
              email: first?.email,
            },
            { type: 'form', id: 'f-privacy-2', at: 'yesterday', email: second?.email },
          ],
        }),
        JSON.stringify({
          events: [{ type: 'contact', id: 'c-privacy', at: 'soon', email: 'Ana.Lopez+crm@Example.org' }],
        }),
      ];
      for (const body of bodies) {
        const response = await fetch(`${twin.server?.url}/webhooks/generic`, {
          method: 'POST',
          body,
          headers: genericHeaders(body, whsec),
        });
        expect(response.status).toBe(200);
        await response.text();
      }
    } finally {
      await twin.close();
    }
    items = await scanTable();
  }, 120_000);

  it('scans every kind of item the demo keeps', () => {
    const kinds: Record<string, number> = {};
    for (const item of items) {
      const kind = item.pk.split('#')[0] ?? item.pk;
      kinds[kind] = (kinds[kind] ?? 0) + 1;
    }
    console.log(
      `privacy scan: ${items.length} items ${JSON.stringify(kinds)}, ${addresses.length} addresses`,
    );
    expect(kinds.contact).toBe(story.truth.contacts);
    expect(kinds.form).toBe(story.truth.forms + 1);
    expect(kinds.raw).toBeGreaterThan(100);
    expect(kinds.quarantine).toBe(3);
    // The three mailed packets, and the earlier ones their trends show, kept by the demo and never
    // mailed: 12 weeks, 11 months, and the 4 earlier quarters the story (from 2025-09) reaches.
    const packets = (cadence: string) =>
      items.filter((item) => item.pk.startsWith(`packet#${cadence}#`)).length;
    expect(packets('monthly')).toBe(11 + 1);
    expect(packets('quarterly')).toBe(4 + 1);
    expect(packets('weekly')).toBe(12 + 1);
    expect(kinds.packet).toBe(packets('weekly') + packets('monthly') + packets('quarterly'));
    // One delivery record per packet and recipient, keyed by the recipient's hash, and one per
    // chat post: Slack gets the three packets, the Teams channel the monthly and the quarterly.
    expect(kinds.mail).toBe(3 * new Set(Object.values(config.recipients).flat()).size + 3 + 2);
  });

  it('finds nothing shaped like an email address in any item', () => {
    const found = items.flatMap((item) =>
      (item.text.match(EMAIL) ?? []).map((email) => `${item.pk}: ${email}`),
    );
    expect(found).toEqual([]);
  });

  it('finds none of the addresses the generator used, in any case', () => {
    const text = items.map((item) => item.text.toLowerCase()).join('\n');
    const left = addresses.filter((address) => text.includes(address.toLowerCase()));
    expect(addresses).toHaveLength(CONTACTS);
    expect(left).toEqual([]);
    expect(text).not.toContain('ana.lopez');
  });

  it('finds no phone number, and no contact name, in any item (issue 18)', () => {
    expect(items.filter((item) => containsPhone(item.text)).map((item) => item.pk)).toEqual([]);
    // Names are sent as Salesforce FirstName / LastName elements; packets name owners (the roster),
    // never contacts, so every item is searched for the contacts' names as delivered values.
    const text = items.map((item) => item.text).join('\n');
    const named = story.contacts.filter(
      (contact) => text.includes(`>${contact.firstName}<`) || text.includes(`>${contact.lastName}<`),
    );
    expect(named.map((contact) => `${contact.firstName} ${contact.lastName}`)).toEqual([]);
  });

  it('had phone numbers and contact names in the deliveries it was sent', () => {
    const sent = storyDeliveries(story, {
      baseUrl: 'http://127.0.0.1:9',
      config,
      secrets: DEMO_SENDER_SECRETS,
    })
      .map((delivery) => delivery.body)
      .join('\n');
    expect(containsPhone(sent)).toBe(true);
    expect(story.contacts.some((contact) => sent.includes(`>${contact.lastName}<`))).toBe(true);
  });

  it('had every one of those addresses in the deliveries it was sent', () => {
    const sent = storyDeliveries(story, {
      baseUrl: 'http://127.0.0.1:9',
      config,
      secrets: DEMO_SENDER_SECRETS,
    })
      .map((delivery) => delivery.body)
      .join('\n');
    expect(addresses.filter((address) => !sent.includes(address))).toEqual([]);
  });

  it("posts each packet to the demo's chat channels within Slack's limits, as Teams cards that validate (issue 19)", () => {
    const folders = readdirSync(join(outbox, 'demo'));
    const posted = (kind: string) =>
      folders.flatMap((folder) => {
        const file = join(outbox, 'demo', folder, `${kind}.json`);
        return existsSync(file)
          ? Object.values(JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
          : [];
      });
    const slack = posted('slack') as SlackMessage[];
    const teams = posted('teams') as TeamsMessage[];
    // Slack gets all three packets; the demo's Teams channel only the monthly and the quarterly.
    expect(slack).toHaveLength(3);
    expect(teams).toHaveLength(2);
    expect(slack.flatMap(slackLimitProblems)).toEqual([]);
    for (const message of teams) {
      expect(adaptiveCardProblems(message.attachments[0].content)).toEqual([]);
      expect(teamsMessageBytes(message)).toBeLessThan(TEAMS_MAX_BYTES);
    }
  });

  it('leaves the addresses to the outbox, which is mail to the recipients', () => {
    // The same pattern does find addresses where they belong: the mailed packets' headers.
    const packets = readdirSync(join(outbox, 'demo'));
    expect(packets).toHaveLength(3);
    const mail = packets
      .flatMap((packet) =>
        readdirSync(join(outbox, 'demo', packet))
          .filter((file) => file.endsWith('.eml'))
          .map((file) => readFileSync(join(outbox, 'demo', packet, file), 'utf8')),
      )
      .join('\n');
    expect(mail.match(EMAIL)).toEqual(expect.arrayContaining(config.recipients.marketing));
    expect(addresses.some((address) => mail.includes(address))).toBe(false);
  });
});
