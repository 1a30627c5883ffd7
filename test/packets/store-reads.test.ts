import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '#local/twin.ts';
import { buildFactSet } from '#shared/metrics/facts.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { loadFacts } from '#shared/packets/load.ts';
import { buildPacket } from '#shared/packets/packet.ts';
import { projectEvents } from '#shared/projection/project.ts';
import { CADENCES } from '#shared/time/periods.ts';
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

  it('counts the items it reads', async () => {
    const before = inOrder.store.counters.itemsRead;
    await loadFacts(inOrder.store, CONFIG, 'weekly', AS_OF);
    const read = inOrder.store.counters.itemsRead - before;
    // Every fixture entity lies in the weekly read window, and some are found by more than one
    // query (a contact created and MQL'd in the window): at least one read per entity.
    expect(read).toBeGreaterThanOrEqual(new Set(EVENTS.map((event) => `${event.entity}#${event.id}`)).size);
  });
});
