import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '#local/twin.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { loadFacts, readWindow } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import type { Store } from '#shared/ports/store.ts';
import { projectEvents } from '#shared/projection/project.ts';
import type { EntityState } from '#shared/projection/state.ts';
import { CADENCES, periodContaining } from '#shared/time/periods.ts';
import { AS_OF, CONFIG, EVENTS, statesOf } from '../metrics/fixture.ts';
import { shuffled } from '../support/shuffle.ts';
import { startTestTwin } from '../support/twin.ts';

/** Applies events one by one, as separate deliveries would. */
async function deliverEach(twin: Twin, events: readonly CanonicalEvent[]): Promise<void> {
  for (const event of events) await projectEvents(twin.store, CONFIG, [event]);
}

describe('packets read from the store', () => {
  let inOrder: Twin;
  let shuffledTwin: Twin;
  beforeAll(async () => {
    [inOrder, shuffledTwin] = await Promise.all([startTestTwin(), startTestTwin()]);
    await projectEvents(inOrder.store, CONFIG, EVENTS);
    const repeated = [...EVENTS, ...EVENTS.filter((_, index) => index % 3 === 0)];
    await deliverEach(shuffledTwin, shuffled(repeated, 20261122));
  });
  afterAll(async () => {
    await Promise.all([inOrder.close(), shuffledTwin.close()]);
  });

  it('finds through its key-condition queries every fact the metrics need', async () => {
    // The same packet from every projected state (no query at all) is the reference.
    const everything = buildFactSet(statesOf(EVENTS), CONFIG, AS_OF, {
      firstFactAt: Math.min(...EVENTS.map((event) => event.at)),
    });
    for (const cadence of CADENCES) {
      const fromStore = buildPacket(
        await loadFacts(inOrder.store, CONFIG, cadence, AS_OF),
        CONFIG,
        cadence,
        AS_OF,
      );
      expect(fromStore).toEqual(buildPacket(everything, CONFIG, cadence, AS_OF));
    }
  });

  it('gives the identical packet JSON for the same events shuffled and duplicated', async () => {
    for (const cadence of CADENCES) {
      const a = buildPacket(await loadFacts(inOrder.store, CONFIG, cadence, AS_OF), CONFIG, cadence, AS_OF);
      const b = buildPacket(
        await loadFacts(shuffledTwin.store, CONFIG, cadence, AS_OF),
        CONFIG,
        cadence,
        AS_OF,
      );
      expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    }
  });

  it('finds a high-intent form submitted long before the read window, by contact and by email', async () => {
    // c-old and c-mail MQL in the period, but their demo requests (one linked by contact id, one by
    // email hash only, before the contact existed) are from 2025: their clocks started then, so
    // neither counts in this week's speed to lead. Only query 5 of load.ts can find those forms.
    const at = (iso: string) => Date.parse(iso);
    const extra: CanonicalEvent[] = [
      {
        entity: 'form',
        id: 'generic:f-old',
        at: at('2025-03-03T15:00:00Z'),
        fields: { formId: 'demo-request', contactId: 'generic:c-old' },
      },
      {
        entity: 'contact',
        id: 'generic:c-old',
        at: at('2025-03-03T15:00:00Z'),
        fields: { stage: 'lead', source: 'ORGANIC_SEARCH', owner: 'rep-1' },
      },
      { entity: 'contact', id: 'generic:c-old', at: at('2026-11-10T15:00:00Z'), fields: { stage: 'mql' } },
      {
        entity: 'form',
        id: 'generic:f-mail',
        at: at('2025-04-07T15:00:00Z'),
        fields: { formId: 'demo-request', emailHash: 'hash-of-c-mail' },
      },
      {
        entity: 'contact',
        id: 'generic:c-mail',
        at: at('2025-05-05T15:00:00Z'),
        fields: { stage: 'lead', source: 'ORGANIC_SEARCH', owner: 'rep-1', emailHash: 'hash-of-c-mail' },
      },
      { entity: 'contact', id: 'generic:c-mail', at: at('2026-11-10T16:00:00Z'), fields: { stage: 'mql' } },
    ];
    const twin = await startTestTwin();
    try {
      await projectEvents(twin.store, CONFIG, [...EVENTS, ...extra]);
      const all = [...EVENTS, ...extra];
      const reference = buildPacket(
        buildFactSet(statesOf(all), CONFIG, AS_OF, {
          firstFactAt: Math.min(...all.map((event) => event.at)),
        }),
        CONFIG,
        'weekly',
        AS_OF,
      );
      const fromStore = buildPacket(
        await loadFacts(twin.store, CONFIG, 'weekly', AS_OF),
        CONFIG,
        'weekly',
        AS_OF,
      );
      expect(fromStore).toEqual(reference);
      // Without the old forms both contacts would start MQL clocks this week: the forms matter.
      const withoutForms = all.filter(
        (event) => event.entity !== 'form' || (!event.id.includes('f-old') && !event.id.includes('f-mail')),
      );
      const slaOf = (packet: typeof reference) =>
        packet.metrics.find((metric) => metric.id === 'sla.within_rate');
      const sla = slaOf(reference);
      const slaWithout = slaOf(
        buildPacket(
          buildFactSet(statesOf(withoutForms), CONFIG, AS_OF, {
            firstFactAt: Math.min(...all.map((event) => event.at)),
          }),
          CONFIG,
          'weekly',
          AS_OF,
        ),
      );
      expect(sla?.items?.some((item) => item.id.includes('c-old') || item.id.includes('c-mail'))).toBe(false);
      expect(
        slaWithout?.items?.filter((item) => item.id.includes('c-old') || item.id.includes('c-mail')),
      ).toHaveLength(2);
    } finally {
      await twin.close();
    }
  });

  it('reads each entity it needs once', async () => {
    const keysRead: string[] = [];
    const store = inOrder.store;
    const recorded = async function* (states: AsyncIterable<EntityState>) {
      for await (const state of states) {
        keysRead.push(`${state.entity}#${state.id}`);
        yield state;
      }
    };
    const watching: Store = Object.assign(Object.create(store) as Store, {
      entitiesByTime: (...args: Parameters<Store['entitiesByTime']>) =>
        recorded(store.entitiesByTime(...args)),
      openDeals: () => recorded(store.openDeals()),
      getEntities: async (refs: Parameters<Store['getEntities']>[0]) => {
        const found = await store.getEntities(refs);
        keysRead.push(...found.keys());
        return found;
      },
    });
    const before = store.counters.itemsRead;
    await loadFacts(watching, CONFIG, 'quarterly', AS_OF);
    // The quarterly window spans the whole fixture: everything known at the as-of instant is
    // needed (a-5 and co-12 appear only after it), and nothing is read twice. c-15, created after
    // the as-of instant, is read too: contacts are read up to now, so that rebuilding a past period
    // still finds a contact whose MQL or disqualification came later.
    const all = new Set(
      EVENTS.filter((event) => event.at <= AS_OF).map((event) => `${event.entity}#${event.id}`),
    );
    all.add('contact#generic:c-15');
    expect([...keysRead].sort()).toEqual([...all].sort());
    expect(store.counters.itemsRead - before).toBe(all.size + 1); // + the client#meta item
  });

  it("reads back to the current quarter's start for its forecast, however short the sales cycle", async () => {
    // A calendar fiscal year (Q4 is Oct–Dec, 92 days) and 1-day cycles. The weekly packet as of Mon
    // 2026-12-28 looks back 12 streak weeks, to 2026-10-05 (a Monday), and the 1-day shift to
    // 2026-10-04; but its forecast counts what was won since the quarter began on 2026-10-01:
    // d-early, won on 2026-10-02.
    const config = {
      ...CONFIG,
      fiscalYearStartMonth: 1,
      cycles: { ...CONFIG.cycles, salesCycleDays: 1, maturityDays: 1 },
    };
    const asOf = Date.parse('2026-12-28T14:00:00Z');
    const quarter = periodContaining('quarterly', asOf, config);
    expect(quarter.label).toBe('FY2026 Q4 (Oct–Dec 2026)');
    expect(readWindow(config, 'weekly', asOf).from).toBeLessThanOrEqual(quarter.start);
    const twin = await startTestTwin();
    try {
      const won: CanonicalEvent = {
        entity: 'deal',
        id: 'generic:d-early',
        at: Date.parse('2026-10-02T15:00:00Z'),
        fields: { stage: 'closedwon', amount: 40000, companyId: 'generic:co-1', owner: 'rep-3' },
      };
      await projectEvents(twin.store, config, [won]);
      const packet = buildPacket(await loadFacts(twin.store, config, 'weekly', asOf), config, 'weekly', asOf);
      const weighted = packet.metrics.find((metric) => metric.id === 'forecast.weighted');
      // Nothing open: the forecast is the one win, 40,000.
      expect(weighted?.value).toBe(40000);
      expect(weighted?.notes?.won).toBe(40000);
    } finally {
      await twin.close();
    }
  });
});
