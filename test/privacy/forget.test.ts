import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryUrl } from '#local/delivery.ts';
import { canonicalId, storyDeliveries } from '#local/generator/deliveries.ts';
import { generateStory, type StoryContact } from '#local/generator/story.ts';
import { genericHeaders } from '#local/senders/generic.ts';
import { startTwin, type Twin } from '#local/twin.ts';
import { loadClientConfigFile } from '#shared/config/load.ts';
import { replayDeliveries } from '#shared/ingest/ingest.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import {
  ContactIdError,
  type ForgetReport,
  forgetContact,
  PERSONAL_CONTACT_FIELDS,
  removedNothing,
} from '#shared/privacy/forget.ts';
import { emailHasher } from '#shared/privacy.ts';
import type { EntityState } from '#shared/projection/state.ts';
import { CADENCES } from '#shared/time/periods.ts';
import { DEMO_SECRETS, DEMO_SENDER_SECRETS, demoSecrets } from '../../cli/demo-secrets.ts';
import { entityRef } from '../support/refs.ts';
import { allQuarantined, everyStoredText, statesByEntity } from '../support/store.ts';

const config = loadClientConfigFile(fileURLToPath(new URL('../../clients/demo.yaml', import.meta.url)));
const AS_OF = new Date('2026-10-05T13:00:00Z');
const story = generateStory({ seed: 7, asOf: AS_OF, months: 4, contacts: 300, config });
const hashEmail = emailHasher(DEMO_SECRETS['demo/email-hash-key'] as string);
const whsec = DEMO_SECRETS['demo/generic-whsec'] as string;

const idOf = (contact: StoryContact) => canonicalId('contact', contact.system, contact.n);
const formContacts = new Set(story.forms.map((form) => form.contact));
const pick = (system: StoryContact['system']) => {
  const found = story.contacts.find(
    (contact) => contact.system === system && !contact.viaWorkflow && formContacts.has(contact.n),
  );
  if (!found) throw new Error(`the story has no ${system} contact with a form`);
  return found;
};
/** One contact per way a person reaches the store: HubSpot batches, Salesforce batches, Pipedrive singles. */
const forgotten = [pick('hubspot'), pick('salesforce'), pick('pipedrive')];

/** Text only the person's own items hold: the email token, and the record with its name in it. */
function tracesOf(contact: StoryContact): string[] {
  const systemId = idOf(contact).slice(idOf(contact).indexOf(':') + 1);
  const traces = [`emailhash:${hashEmail(contact.email)}`];
  if (contact.system === 'salesforce') traces.push(`<sf:Id>${systemId}</sf:Id>`);
  if (contact.system === 'pipedrive') traces.push(`"entity":"person","entity_id":"${systemId}"`);
  return traces;
}

/** Every stored item as text, bodies unescaped so a body reads as it was kept. */
async function storedText(twin: Twin): Promise<string> {
  return (await everyStoredText(twin)).join('\n').replaceAll('\\"', '"');
}

async function everyState(twin: Twin): Promise<Map<string, EntityState>> {
  const states = new Map<string, EntityState>();
  for (const state of Object.values(await statesByEntity(twin)).flat()) {
    states.set(`${state.entity}#${state.id}`, state);
  }
  return states;
}

async function packetMetrics(twin: Twin) {
  const metrics: Record<string, unknown> = {};
  for (const cadence of CADENCES) {
    const facts = await loadFacts(twin.store, config, cadence, AS_OF.getTime());
    const packet = buildPacket(facts, config, cadence, AS_OF.getTime());
    metrics[cadence] = { metrics: packet.metrics, actions: packet.actions };
  }
  return metrics;
}

describe('forgetContact', () => {
  let twin: Twin;
  let statesBefore: Map<string, EntityState>;
  let metricsBefore: Record<string, unknown>;
  let textsBefore: string;
  const reports: ForgetReport[] = [];

  beforeAll(async () => {
    twin = await startTwin({
      config,
      serve: true,
      secrets: demoSecrets(),
    });
    const deliveries = storyDeliveries(story, {
      baseUrl: twin.server?.url ?? '',
      config,
      secrets: { ...DEMO_SENDER_SECRETS, genericWhsec: whsec },
    });
    // A delivery about the HubSpot contact that does not validate: it is kept whole in quarantine.
    const [hubspotContact] = forgotten as [StoryContact];
    const poison = JSON.stringify({
      events: [{ type: 'contact', id: idOf(hubspotContact), at: 'yesterday', email: hubspotContact.email }],
    });
    deliveries.push({
      at: AS_OF.getTime(),
      source: 'generic',
      label: 'poison',
      body: poison,
      headers: genericHeaders(poison, whsec),
      expect: 'quarantined',
    });
    for (const delivery of deliveries) {
      const response = await fetch(deliveryUrl(twin.server?.url ?? '', delivery), {
        method: 'POST',
        body: delivery.body,
        headers: delivery.headers,
      });
      await response.text();
    }
    statesBefore = await everyState(twin);
    textsBefore = await storedText(twin);
    metricsBefore = await packetMetrics(twin);
    for (const contact of forgotten) {
      reports.push(
        await forgetContact(
          { config, store: twin.store, secrets: twin.secrets, clock: () => Date.now() },
          idOf(contact),
        ),
      );
    }
  }, 120_000);
  afterAll(async () => {
    await twin?.close();
  });

  it('removes the email hash and the title and keeps the sales facts', async () => {
    const after = await everyState(twin);
    for (const [index, contact] of forgotten.entries()) {
      const key = `contact#${idOf(contact)}`;
      const before = statesBefore.get(key);
      expect(before?.fields.emailHash, key).toBeDefined();
      expect(reports[index]?.contactFound).toBe(true);
      expect(reports[index]?.contactFieldsRemoved.sort()).toEqual(
        PERSONAL_CONTACT_FIELDS.filter((field) => before?.fields[field] !== undefined).sort(),
      );
      const { emailHash: _hash, title: _title, ...sales } = before?.fields ?? {};
      expect(after.get(key)).toEqual({ ...before, fields: sales });
      expect(Object.keys(sales)).toEqual(expect.arrayContaining(['stage', 'source', 'owner', 'seniority']));
    }
  });

  it("links the contact's forms by its CRM id instead of the email hash", async () => {
    const after = await everyState(twin);
    for (const [index, contact] of forgotten.entries()) {
      const hash = hashEmail(contact.email);
      const forms = [...statesBefore.values()].filter(
        (state) => state.entity === 'form' && state.fields.emailHash?.some((entry) => entry.value === hash),
      );
      expect(forms.length).toBeGreaterThan(0);
      expect(reports[index]?.formsRedacted).toBe(forms.length);
      for (const form of forms) {
        const now = after.get(`form#${form.id}`);
        expect(now?.fields.emailHash).toBeUndefined();
        expect(now?.fields.contactId?.at(-1)?.value).toBe(idOf(contact));
      }
    }
  });

  it('leaves every other entity as it was', async () => {
    const after = await everyState(twin);
    const touched = new Set<string>();
    for (const contact of forgotten) {
      touched.add(`contact#${idOf(contact)}`);
      for (const [key, state] of statesBefore) {
        if (state.fields.emailHash?.some((entry) => entry.value === hashEmail(contact.email)))
          touched.add(key);
      }
    }
    expect(after.size).toBe(statesBefore.size);
    for (const [key, state] of statesBefore)
      if (!touched.has(key)) expect(after.get(key), key).toEqual(state);
  });

  it("takes the contact's items out of raw and quarantined deliveries and keeps everyone else's", async () => {
    const texts = await storedText(twin);
    for (const contact of forgotten) {
      for (const trace of tracesOf(contact)) {
        expect(textsBefore, trace).toContain(trace);
        expect(texts, trace).not.toContain(trace);
      }
    }
    const [hubspot, salesforce, pipedrive] = reports;
    expect(hubspot?.rawDeliveriesRedacted).toBeGreaterThan(0);
    expect(hubspot?.quarantinedDeleted).toBe(1);
    expect(salesforce?.rawDeliveriesRedacted).toBeGreaterThan(0);
    expect(pipedrive?.rawDeliveriesDeleted).toBeGreaterThan(0);
    // The story's own quarantined Typeform body is about nobody and stays.
    expect(await allQuarantined(twin)).toHaveLength(1);
    expect(reports.every((report) => report.deliveriesRead > 100)).toBe(true);

    // Replaying what is left rebuilds everyone else and brings no personal field back.
    const before = await everyState(twin);
    await replayDeliveries(
      { config, store: twin.store, secrets: twin.secrets },
      { from: Date.UTC(2000, 0, 1), to: Date.now() + 1 },
    );
    expect(await everyState(twin)).toEqual(before);
  });

  it('builds the same packets afterwards: no metric reads a forgotten field', async () => {
    expect(await packetMetrics(twin)).toEqual(metricsBefore);
  });

  it('removes nothing the second time', async () => {
    for (const contact of forgotten) {
      const again = await forgetContact(
        { config, store: twin.store, secrets: twin.secrets, clock: () => Date.now() },
        idOf(contact),
      );
      expect(again).toMatchObject({ contactFound: true, contactFieldsRemoved: [], formsRedacted: 0 });
      expect(removedNothing(again)).toBe(true);
    }
  });

  it('is undone by a later delivery about the contact: the CRM has to forget the person first', async () => {
    const [, , pipedrive] = forgotten as [StoryContact, StoryContact, StoryContact];
    const body = JSON.stringify({
      events: [{ type: 'contact', id: idOf(pipedrive), at: '2026-10-04T12:00:00Z', email: pipedrive.email }],
    });
    const response = await fetch(`${twin.server?.url}/webhooks/generic`, {
      method: 'POST',
      body,
      headers: genericHeaders(body, whsec),
    });
    expect(response.status).toBe(200);
    const key = `contact#${idOf(pipedrive)}`;
    const state = (await twin.store.getEntities([entityRef(key)])).get(key)?.state;
    expect(state?.fields.emailHash?.at(-1)?.value).toBe(hashEmail(pipedrive.email));
  });

  it('refuses an id without its system', async () => {
    await expect(
      forgetContact({ config, store: twin.store, secrets: twin.secrets, clock: () => Date.now() }, '1246965'),
    ).rejects.toBeInstanceOf(ContactIdError);
  });
});
