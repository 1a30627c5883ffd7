import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '#local/twin.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { projectEvents } from '#shared/projection/project.ts';
import { exampleConfig } from '../support/config.ts';
import { startTestTwin } from '../support/twin.ts';

// A custom pipeline's stage id is stored as HubSpot sent it; the stage map reads it. When the map
// changes what a stored value means (here: "99999" becomes a won stage), a replay must move the
// deal's index keys, though its state is unchanged.
const EVENTS: CanonicalEvent[] = [
  {
    entity: 'deal',
    id: 'hubspot:d-1',
    at: Date.parse('2026-11-02T15:00:00Z'),
    fields: { stage: '99999', amount: 9000 },
  },
];

function withStageMap(stages: Record<string, string> | undefined): ClientConfig {
  const config = exampleConfig();
  const hubspot = config.sources.hubspot;
  if (!hubspot) throw new Error('the example config has no hubspot source');
  config.sources.hubspot = { ...hubspot, ...(stages ? { stages } : {}) };
  return config;
}

async function openDealIds(twin: Twin): Promise<string[]> {
  const ids: string[] = [];
  for await (const state of twin.store.openDeals()) ids.push(state.id);
  return ids;
}

describe('re-indexing on replay', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin();
    await projectEvents(twin.store, withStageMap(undefined), EVENTS);
  });
  afterAll(() => twin.close());

  it('leaves the index alone when the same facts arrive again', async () => {
    const mapped = withStageMap({ '99999': 'closedwon' });
    const result = await projectEvents(twin.store, mapped, EVENTS);
    expect(result.changed).toBe(0);
    expect(await openDealIds(twin)).toEqual(['hubspot:d-1']);
  });

  it('rewrites an unchanged state whose index keys the current definitions move, once', async () => {
    const mapped = withStageMap({ '99999': 'closedwon' });
    expect((await projectEvents(twin.store, mapped, EVENTS, { reindex: true })).changed).toBe(1);
    expect(await openDealIds(twin)).toEqual([]);
    const won: string[] = [];
    const november = { from: Date.parse('2026-11-01T00:00:00Z'), to: Date.parse('2026-12-01T00:00:00Z') };
    for await (const state of twin.store.entitiesByTime('deal', 'milestone', november)) won.push(state.id);
    expect(won).toEqual(['hubspot:d-1']);
    // A second replay under the same definitions writes nothing.
    expect((await projectEvents(twin.store, mapped, EVENTS, { reindex: true })).changed).toBe(0);
  });
});
