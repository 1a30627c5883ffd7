import { fileURLToPath } from 'node:url';
import { DateTime } from 'luxon';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryUrl, type ScriptedDelivery } from '#local/delivery.ts';
import { canonicalId, storyDeliveries } from '#local/generator/deliveries.ts';
import { type Channel, generateStory, type Story, storyCompanyFits } from '#local/generator/story.ts';
import { startTwin, type Twin } from '#local/twin.ts';
import { loadClientConfigFile } from '#shared/config/load.ts';
import { ownerOf } from '#shared/metrics/people.ts';
import { ENTITY_TYPES } from '#shared/model/events.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { emailHasher } from '#shared/privacy.ts';
import { adapterFor } from '#shared/sources/registry.ts';
import { businessMinutesBetween } from '#shared/time/business-time.ts';
import { lastCompletePeriod, previousPeriods } from '#shared/time/periods.ts';
import { DEMO_SENDER_SECRETS, demoSecrets } from '../../cli/demo-secrets.ts';
import { entityRef } from '../support/refs.ts';
import { dealMilestones } from '../support/stages.ts';
import { statesByEntity } from '../support/store.ts';

const config = loadClientConfigFile(fileURLToPath(new URL('../../clients/demo.yaml', import.meta.url)));
const AS_OF = new Date('2026-10-05T13:00:00Z');
const DAY = 86_400_000;

function allTimes(story: Story): number[] {
  return [
    ...story.companies.map((company) => company.createdAt),
    ...story.contacts.flatMap((contact) => [contact.createdAt, ...contact.stages.map((change) => change.at)]),
    ...story.deals.flatMap((deal) => [deal.createdAt, ...deal.stages.map((change) => change.at)]),
    ...story.forms.map((form) => form.at),
    ...story.activities.map((activity) => activity.at),
  ];
}

const firstEntry = (changes: readonly { stage: string; at: number }[]) => {
  const first: Record<string, number> = {};
  for (const change of changes) first[change.stage] ??= change.at;
  return first;
};

describe('generateStory', () => {
  it('gives the identical story for the same seed and another story for another seed', () => {
    const options = { seed: 11, asOf: AS_OF, months: 6, contacts: 600, config };
    const story = generateStory(options);
    expect(generateStory(options)).toEqual(story);
    const other = generateStory({ ...options, seed: 12 });
    expect(other).not.toEqual(story);
    expect(other.contacts.map((contact) => contact.createdAt)).not.toEqual(
      story.contacts.map((contact) => contact.createdAt),
    );
  });

  describe('the default story (13 months, 3000 contacts)', () => {
    const story = generateStory({ seed: 42, asOf: AS_OF, config });
    const companies = new Map(story.companies.map((company) => [company.n, company]));

    it('has the requested size, and every time lies in [start, asOf]', () => {
      expect(story.contacts).toHaveLength(3000);
      expect(story.truth.contacts).toBe(3000);
      expect(story.companies.length).toBeGreaterThanOrEqual(300);
      expect(story.companies.length).toBeLessThan(1500);
      expect(story.deals.length).toBeGreaterThanOrEqual(150);
      expect(story.deals.length).toBeLessThan(1000);
      expect(story.forms.length).toBeGreaterThan(200);
      expect(story.activities.length).toBeGreaterThan(800);
      expect(AS_OF.getTime() - story.start).toBeGreaterThanOrEqual(365 * DAY);
      const times = allTimes(story);
      expect(times.every((at) => Number.isInteger(at) && at >= story.start && at <= story.asOf)).toBe(true);
      expect(Math.min(...story.contacts.map((contact) => contact.createdAt))).toBeLessThan(
        story.start + 7 * DAY,
      );
      // Each system holds a share of the story; a few HubSpot contacts come by workflow.
      for (const system of ['hubspot', 'salesforce', 'pipedrive', 'generic'] as const) {
        expect(story.truth.bySystem[system].contacts).toBeGreaterThan(200);
        expect(story.truth.bySystem[system].deals).toBeGreaterThan(5);
      }
      expect(story.truth.workflowContacts).toBeGreaterThan(0);
    });

    it('converts leads to opportunities differently by channel', () => {
      const rate = (channel: Channel) => {
        const cohort = story.contacts.filter((contact) => contact.channel === channel);
        const opportunities = cohort.filter((contact) =>
          contact.stages.some((change) => change.stage === 'opportunity'),
        );
        return opportunities.length / cohort.length;
      };
      expect(rate('paid_social')).toBeLessThan(0.04);
      expect(rate('partner_referral')).toBeGreaterThan(0.14);
      expect(rate('partner_referral')).toBeGreaterThan(5 * rate('paid_social'));
      expect(rate('paid_search')).toBeGreaterThan(rate('paid_social'));
    });

    it('is busier in Sep–Nov and Mar–May than in Dec and Aug', () => {
      const perMonth = new Map<number, number>();
      for (const contact of story.contacts) {
        const month = new Date(contact.createdAt - 5 * 3_600_000).getUTCMonth() + 1;
        perMonth.set(month, (perMonth.get(month) ?? 0) + 1);
      }
      const busy = [3, 4, 5, 9, 11].map((month) => perMonth.get(month) ?? 0);
      const quiet = [8, 12].map((month) => perMonth.get(month) ?? 0);
      expect(Math.min(...busy)).toBeGreaterThan(1.5 * Math.max(...quiet));
    });

    it('forecasts honestly but for one optimistic rep, whose expected closes run weeks early', () => {
      const forecast = generateStory({ seed: 42, asOf: AS_OF, config, forecast: true });
      // The forecast has a random stream of its own: the funnel is the same story.
      expect(forecast.deals.map((deal) => deal.stages.map(({ stage, at }) => ({ stage, at })))).toEqual(
        story.deals.map((deal) => deal.stages.map(({ stage, at }) => ({ stage, at }))),
      );
      expect(story.deals.every((deal) => deal.stages.every((change) => change.closeDate === undefined))).toBe(
        true,
      );
      const local = (at: number) => DateTime.fromMillis(at, { zone: config.timezone }).toISODate() as string;
      const days = (from: string, to: string) => (Date.parse(to) - Date.parse(from)) / DAY;
      // Expected close at the first stage against the real close, over won deals.
      const early = (optimistic: boolean) => {
        const gaps = forecast.deals
          .filter((deal) => (deal.owner === forecast.forecastBias.rep) === optimistic)
          .flatMap((deal) => {
            const won = deal.stages.find((change) => change.stage === 'closedwon');
            const first = deal.stages[0];
            return won && first?.closeDate ? [days(first.closeDate, local(won.at))] : [];
          });
        return gaps.reduce((sum, gap) => sum + gap, 0) / gaps.length;
      };
      expect(early(true)).toBeGreaterThan(14);
      expect(Math.abs(early(false))).toBeLessThan(early(true) / 2);
      for (const deal of forecast.deals) {
        for (const change of deal.stages) {
          expect(change.closeDate, `deal ${deal.n} ${change.stage}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
          if (change.probability !== undefined) {
            expect(change.probability).toBeGreaterThanOrEqual(0);
            expect(change.probability).toBeLessThanOrEqual(1);
          }
        }
      }
      const committed = forecast.deals.filter((deal) =>
        deal.stages.some((change) => change.category === 'commit' && change.stage === 'contractsent'),
      );
      expect(committed.length).toBeGreaterThan(10);
    });

    it('moves its wins toward Retail in the last complete quarter (industry PSI > 0.25)', () => {
      const quarter = lastCompletePeriod('quarterly', AS_OF.getTime(), config);
      expect(story.drift).toMatchObject({ start: quarter.start, end: quarter.end, industry: 'Retail' });
      const previous = previousPeriods(quarter, 4, config);
      const earliest = Math.min(...previous.map((period) => period.start));
      const wonIn = (from: number, to: number) =>
        story.deals.filter((deal) =>
          deal.stages.some((change) => change.stage === 'closedwon' && change.at >= from && change.at < to),
        );
      const recent = wonIn(quarter.start, quarter.end);
      const baseline = wonIn(earliest, quarter.start);
      const industry = (deal: Story['deals'][number]) => companies.get(deal.company)?.industry ?? '';
      const share = (deals: typeof recent, value: string) =>
        deals.filter((deal) => industry(deal) === value).length / deals.length;
      expect(recent.length).toBeGreaterThanOrEqual(8);
      expect(share(recent, 'Retail')).toBeGreaterThan(0.35);
      expect(share(baseline, 'Retail')).toBeLessThan(0.1);
      // PSI over the union of industries seen, an empty bin's share set to 0.0001 (DESIGN.md).
      const values = new Set([...recent, ...baseline].map(industry));
      let psi = 0;
      for (const value of values) {
        const p = share(recent, value) || 0.0001;
        const q = share(baseline, value) || 0.0001;
        psi += (p - q) * Math.log(p / q);
      }
      expect(psi).toBeGreaterThan(0.25);
      // Retail is outside the ICP: the wins of the quarter fit less often than before.
      const fitShare = (deals: typeof recent) =>
        deals.filter((deal) => {
          const company = companies.get(deal.company);
          return company !== undefined && storyCompanyFits(company, config);
        }).length / deals.length;
      expect(fitShare(recent)).toBeLessThan(fitShare(baseline));
    });

    it('has reps of very different speed to lead, and leads never touched', () => {
      const calendar = { timezone: config.timezone, businessHours: config.businessHours };
      const formAt = new Map<number, number>();
      for (const form of story.forms) if (!formAt.has(form.contact)) formAt.set(form.contact, form.at);
      const touch = new Map(story.activities.map((activity) => [activity.contact, activity]));
      const minutesByRep = new Map<string, number[]>();
      let untouched = 0;
      for (const contact of story.contacts) {
        const mql = contact.stages.find((change) => change.stage === 'mql')?.at;
        if (mql === undefined) continue;
        const activity = touch.get(contact.n);
        if (!activity) {
          untouched++;
          continue;
        }
        const start = formAt.get(contact.n) ?? mql;
        expect(activity.at).toBeGreaterThanOrEqual(start);
        const list = minutesByRep.get(activity.owner) ?? [];
        list.push(businessMinutesBetween(start, activity.at, calendar));
        minutesByRep.set(activity.owner, list);
      }
      const median = (values: number[]) =>
        [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
      expect(median(minutesByRep.get('rep-ava') ?? [])).toBeLessThan(40);
      expect(median(minutesByRep.get('rep-ben') ?? [])).toBeGreaterThan(240);
      expect(untouched).toBeGreaterThan(20);
    });

    it('has rejections with and without reasons, stalled deals and data-health problems', () => {
      const { truth } = story;
      expect(truth.disqualified).toBeGreaterThan(300);
      const missing = truth.disqualifiedWithoutReason / truth.disqualified;
      expect(missing).toBeGreaterThan(0.08);
      expect(missing).toBeLessThan(0.25);
      expect(
        story.contacts.some((contact) => contact.stages.some((change) => change.stage === 'recycled')),
      ).toBe(true);
      expect(truth.stalledDeals).toBeGreaterThan(0);
      for (const deal of story.deals.filter((candidate) => candidate.stalled)) {
        const last = deal.stages[deal.stages.length - 1];
        expect(AS_OF.getTime() - (last?.at ?? 0)).toBeGreaterThanOrEqual(30 * DAY);
      }
      expect(truth.wonDeals).toBeGreaterThan(20);
      expect(truth.lostDeals).toBeGreaterThan(20);
      expect(truth.dealsWithoutAmount).toBeGreaterThan(0);
      expect(truth.dealsInOtherCurrency).toBeGreaterThan(0);
      expect(story.contacts.some((contact) => contact.source === 'tradeshow-2026')).toBe(true);
    });

    it('is delivered in a moderate number of deliveries in each sender’s format', () => {
      const deliveries = storyDeliveries(story, {
        baseUrl: 'http://127.0.0.1:9',
        config,
        secrets: DEMO_SENDER_SECRETS,
      });
      // Batching senders send what happened within a few hours together, so receipt times follow the story.
      expect(deliveries.length).toBeGreaterThan(300);
      expect(deliveries.length).toBeLessThanOrEqual(5000);
      const typeform = deliveries.filter((delivery) => delivery.source === 'typeform');
      expect(typeform.every((delivery) => delivery.at < story.typeformQuietFrom)).toBe(true);
      for (const [index, delivery] of deliveries.entries()) {
        expect(delivery.at).toBeGreaterThanOrEqual(deliveries[index - 1]?.at ?? story.start);
        expect(delivery.at).toBeLessThanOrEqual(story.asOf);
      }
      const sources = new Set(deliveries.map((delivery) => delivery.source));
      expect(sources).toEqual(
        new Set(['hubspot', 'hubspot-workflow', 'salesforce', 'pipedrive', 'typeform', 'generic']),
      );
      const expectations = deliveries.map((delivery) => delivery.expect).filter((e) => e !== 'accepted');
      expect(expectations.sort()).toEqual(['duplicate', 'quarantined', 'refused']);
      for (const delivery of deliveries) {
        if (delivery.source === 'hubspot') expect(JSON.parse(delivery.body).length).toBeLessThanOrEqual(100);
        if (delivery.source === 'generic')
          expect(JSON.parse(delivery.body).events.length).toBeLessThanOrEqual(100);
        if (delivery.source === 'salesforce') {
          expect(delivery.body.match(/<Notification>/g)?.length ?? 0).toBeLessThanOrEqual(100);
          for (const [, id] of delivery.body.matchAll(
            /<sf:(?:Id|AccountId|ContactId|WhoId|OwnerId)>([^<]*)</g,
          )) {
            expect(id).toMatch(/^[A-Za-z0-9]{18}$/);
          }
        }
      }
    });

    it('names the owner of every contact, deal and activity the senders deliver through the demo roster', () => {
      const deliveries = storyDeliveries(story, {
        baseUrl: 'http://127.0.0.1:9',
        config,
        secrets: DEMO_SENDER_SECRETS,
      });
      const context = { config, hashEmail: emailHasher('k'), receivedAt: story.asOf };
      const named = new Map<string, Set<string>>();
      const unnamed = new Set<string>();
      for (const delivery of deliveries) {
        // The forged delivery and the broken one never reach the store.
        if (delivery.expect === 'refused' || delivery.expect === 'quarantined') continue;
        const adapter = adapterFor(delivery.source);
        if (!adapter) throw new Error(`no adapter for ${delivery.source}`);
        for (const event of adapter.parse(delivery.body, context).events) {
          const owner = event.fields.owner;
          if (owner === undefined || owner === null) continue;
          const { key, person } = ownerOf(event.id, String(owner), config);
          // The metrics read owners as text: a numeric owner would not reach them.
          if (typeof owner !== 'string' || !person) {
            unnamed.add(`${event.entity} ${event.id}: ${key}`);
            continue;
          }
          const group = `${event.entity} ${event.id.slice(0, event.id.indexOf(':'))}`;
          named.set(group, (named.get(group) ?? new Set()).add(person.name));
        }
      }
      expect([...unnamed]).toEqual([]);
      // Every rep is named on contacts and deals of every system, and on the activities of each
      // sender (HubSpot's calls and meetings come through the generic API).
      const reps = story.reps.map((rep) => rep.name).sort();
      const groups = ['hubspot', 'salesforce', 'pipedrive', 'generic'].flatMap((system) => [
        `contact ${system}`,
        `deal ${system}`,
      ]);
      for (const group of [...groups, 'activity salesforce', 'activity pipedrive', 'activity generic']) {
        expect([...(named.get(group) ?? [])].sort(), group).toEqual(reps);
      }
      // The leads who own the marketing and the sales lanes.
      expect(config.people.filter((person) => person.lead).map((person) => person.team)).toEqual(
        expect.arrayContaining(['marketing', 'sales']),
      );
    });
  });
});

describe('a small story delivered to the local twin', () => {
  const asOf = AS_OF;
  const story = generateStory({ seed: 7, asOf, months: 4, contacts: 300, config, everydayEdits: true });
  let twin: Twin;
  let deliveries: ScriptedDelivery[];
  // The twin's clock is the story's, as in the demo: each delivery is received at its story time.
  let current = asOf.getTime();

  beforeAll(async () => {
    twin = await startTwin({
      config,
      secrets: demoSecrets(),
      clock: () => current,
    });
    deliveries = storyDeliveries(story, {
      baseUrl: twin.server?.url ?? '',
      config,
      secrets: DEMO_SENDER_SECRETS,
      signAtStoryTime: true,
    });
  });
  afterAll(async () => {
    await twin?.close();
  });

  it('answers every delivery as expected and stores exactly the story', { timeout: 120_000 }, async () => {
    const outcomes: string[] = [];
    const refusals: string[] = [];
    for (const delivery of deliveries) {
      current = delivery.at;
      const response = await fetch(deliveryUrl(twin.server?.url ?? '', delivery), {
        method: 'POST',
        body: delivery.body,
        headers: delivery.headers,
      });
      const text = await response.text();
      const outcome =
        response.status === 401
          ? 'refused'
          : response.status !== 200
            ? `http ${response.status}`
            : (response.headers.get('x-samepage-status') ?? JSON.parse(text).status);
      outcomes.push(
        outcome === delivery.expect ? 'ok' : `${delivery.label}: ${outcome} ${text.slice(0, 200)}`,
      );
      if (response.status === 401) refusals.push(`${delivery.label}: ${JSON.parse(text).reason}`);
      // Accepted deliveries carry no item-level problems either.
      if (delivery.expect === 'accepted' && !response.headers.get('x-samepage-status')) {
        expect(JSON.parse(text).problems, delivery.label).toBe(0);
      }
    }
    expect(outcomes.filter((outcome) => outcome !== 'ok')).toEqual([]);
    // Signed and received at story time, the timestamped senders pass their 5-minute checks; the
    // forged delivery is refused for its signature, as it always was, not for its time.
    expect(refusals).toEqual(['Forged delivery (wrong secret): No matching signature in webhook-signature']);
    current = asOf.getTime();
    await twin.store.flushSourceNotes();

    // Receipt times follow the story: Typeform went quiet before asOf, the CRMs did not.
    const activity = await twin.store.sourceActivity(['typeform', 'hubspot', 'salesforce', 'pipedrive']);
    const lastDelivery = (source: string) =>
      Math.max(
        ...deliveries
          .filter((delivery) => delivery.source === source && delivery.expect !== 'refused')
          .map((delivery) => delivery.at),
      );
    for (const marker of activity)
      expect(marker.lastDeliveryAt, marker.source).toBe(lastDelivery(marker.source));
    const typeform = activity.find((marker) => marker.source === 'typeform');
    expect(typeform?.lastDeliveryAt).toBeLessThan(story.typeformQuietFrom);
    const calendar = { timezone: config.timezone, businessHours: config.businessHours };
    expect(businessMinutesBetween(story.typeformQuietFrom, asOf.getTime(), calendar)).toBe(4 * 9 * 60);
    for (const marker of activity.filter((entry) => entry.source !== 'typeform')) {
      expect(
        businessMinutesBetween(marker.lastDeliveryAt ?? 0, asOf.getTime(), calendar),
        marker.source,
      ).toBeLessThanOrEqual(8 * 60);
    }
    expect(story.forms.every((form) => form.at < story.typeformQuietFrom)).toBe(true);

    // Exactly the story's entities.
    const storedByEntity = await statesByEntity(twin);
    const counts = Object.fromEntries(ENTITY_TYPES.map((entity) => [entity, storedByEntity[entity].length]));
    expect(counts).toEqual({
      company: story.truth.companies,
      contact: story.truth.contacts,
      deal: story.truth.deals,
      form: story.truth.forms,
      activity: story.truth.activities,
    });

    // Contacts of every system (the workflow ones included) read back with the story's milestones.
    const sample = [
      ...(['hubspot', 'salesforce', 'pipedrive', 'generic'] as const).flatMap((system) =>
        story.contacts
          .filter((contact) => contact.system === system && contact.stages.length > 2)
          .slice(0, 3),
      ),
      ...story.contacts.filter((contact) => contact.viaWorkflow).slice(0, 2),
    ];
    expect(sample.length).toBeGreaterThanOrEqual(10);
    const contactKeys = sample.map(
      (contact) => `contact#${canonicalId('contact', contact.system, contact.n)}`,
    );
    const stored = await twin.store.getEntities(contactKeys.map(entityRef));
    sample.forEach((contact, index) => {
      const state = stored.get(contactKeys[index] as string)?.state;
      expect(state, contactKeys[index]).toBeDefined();
      expect(state?.firstAt).toBe(contact.createdAt);
      expect(state?.milestones).toEqual(firstEntry(contact.stages));
    });
    const dealKeys = story.deals.map((deal) => `deal#${canonicalId('deal', deal.system, deal.n)}`);
    const storedDeals = await twin.store.getEntities(dealKeys.map(entityRef));
    story.deals.forEach((deal, index) => {
      const state = storedDeals.get(dealKeys[index] as string)?.state;
      expect(state && dealMilestones(state, config), dealKeys[index]).toEqual(firstEntry(deal.stages));
    });
    expect(stored.size).toBe(sample.length);

    // The weekly packet sees the qualified deals the story made that week.
    const facts = await loadFacts(twin.store, config, 'weekly', asOf.getTime());
    const packet = buildPacket(facts, config, 'weekly', asOf.getTime());
    const week = lastCompletePeriod('weekly', asOf.getTime(), config);
    const qualifiedInWeek = story.deals.filter((deal) => {
      const at = deal.stages.find((change) => change.stage === config.qualification.stage)?.at;
      return (
        at !== undefined &&
        at >= week.start &&
        at < week.end &&
        deal.amount !== null &&
        deal.amount >= config.qualification.minAmount &&
        deal.currency === config.currency
      );
    });
    const count = packet.metrics.find((metric) => metric.id === 'qpc.created.count');
    expect(count?.value).toBeGreaterThan(0);
    expect(count?.value).toBe(qualifiedInWeek.length);
  });
});
