import { describe, expect, it } from 'vitest';
import { canonicalJson } from '#shared/config/parse.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { indexTimes } from '#shared/projection/index-times.ts';
import {
  applyEvents,
  dealContactIds,
  FIELD_HISTORY_LIMIT,
  fieldValue,
  sameState,
} from '#shared/projection/state.ts';
import { exampleConfig } from '../support/config.ts';
import { shuffled } from '../support/shuffle.ts';

const t = (iso: string) => Date.parse(iso);
const contact = (at: string, fields: CanonicalEvent['fields']): CanonicalEvent => ({
  entity: 'contact',
  id: 'generic:c-1',
  at: t(at),
  fields,
});

const HISTORY: CanonicalEvent[] = [
  contact('2026-03-02T09:00:00Z', { stage: 'lead', source: 'google-ads', owner: 'rep-1' }),
  contact('2026-03-05T09:00:00Z', { stage: 'mql' }),
  contact('2026-03-09T09:00:00Z', { stage: 'recycled', owner: 'rep-2' }),
  contact('2026-04-01T09:00:00Z', { stage: 'mql' }),
  contact('2026-04-03T09:00:00Z', { stage: 'sql', title: 'CFO' }),
  contact('2026-04-03T09:00:00Z', { title: 'Chief Financial Officer' }),
  contact('2026-04-10T09:00:00Z', { title: null }),
];

describe('projection state', () => {
  it('keeps the first entry of each milestone, also after recycling', () => {
    const state = applyEvents(undefined, HISTORY);
    expect(state.firstAt).toBe(t('2026-03-02T09:00:00Z'));
    expect(state.milestones).toEqual({
      lead: t('2026-03-02T09:00:00Z'),
      mql: t('2026-03-05T09:00:00Z'),
      recycled: t('2026-03-09T09:00:00Z'),
      sql: t('2026-04-03T09:00:00Z'),
    });
  });

  it('resolves fields last-writer-wins by time, ties by the larger JSON text, null clears', () => {
    const state = applyEvents(undefined, HISTORY);
    expect(fieldValue(state, 'owner')).toBe('rep-2');
    expect(fieldValue(state, 'owner', t('2026-03-08T00:00:00Z'))).toBe('rep-1');
    // Same instant: '"Chief Financial Officer"' is the larger JSON text ('h' (104) > 'F' (70)), so it wins.
    expect(fieldValue(state, 'title', t('2026-04-05T00:00:00Z'))).toBe('Chief Financial Officer');
    expect(fieldValue(state, 'title')).toBeNull();
    expect(fieldValue(state, 'stage', t('2026-03-01T00:00:00Z'))).toBeUndefined();
  });

  it('gives the identical state for any order and any repetition of the same events', () => {
    const reference = canonicalJson(applyEvents(undefined, HISTORY));
    for (let seed = 1; seed <= 25; seed++) {
      const repeated = [...HISTORY, ...HISTORY.slice(0, seed % HISTORY.length)];
      const order = shuffled(repeated, seed);
      // Applied one event at a time, as separate deliveries would be.
      let state = applyEvents(undefined, [order[0] as CanonicalEvent]);
      for (const event of order.slice(1)) state = applyEvents(state, [event]);
      expect(canonicalJson(state)).toBe(reference);
    }
  });

  it('recognises a repeated event as no change', () => {
    const state = applyEvents(undefined, HISTORY);
    expect(sameState(state, applyEvents(state, [HISTORY[3] as CanonicalEvent]))).toBe(true);
    expect(sameState(state, applyEvents(state, [contact('2026-05-01T00:00:00Z', { owner: 'rep-3' })]))).toBe(
      false,
    );
  });

  it('keeps the newest entries of a long history whatever the arrival order', () => {
    const changes = Array.from({ length: FIELD_HISTORY_LIMIT + 5 }, (_, day) =>
      contact(`2026-01-${String(day + 1).padStart(2, '0')}T12:00:00Z`, { owner: `rep-${day + 1}` }),
    );
    const forward = applyEvents(undefined, changes);
    const backward = applyEvents(undefined, [...changes].reverse());
    expect(canonicalJson(backward)).toBe(canonicalJson(forward));
    expect(forward.fields.owner).toHaveLength(FIELD_HISTORY_LIMIT);
    expect(forward.fields.owner?.[0]?.value).toBe('rep-6');
    // The creation time is not part of any field history, so the cap never moves it.
    expect(forward.firstAt).toBe(t('2026-01-01T12:00:00Z'));
  });

  it('orders linked deal contacts by first link and drops removed links', () => {
    const deal = (at: string, fields: CanonicalEvent['fields']): CanonicalEvent => ({
      entity: 'deal',
      id: 'hubspot:9',
      at: t(at),
      fields,
    });
    const state = applyEvents(undefined, [
      deal('2026-02-03T00:00:00Z', { 'contactLink:hubspot:2': true }),
      deal('2026-02-01T00:00:00Z', { 'contactLink:hubspot:1': true }),
      deal('2026-02-05T00:00:00Z', { 'contactLink:hubspot:1': false }),
      deal('2026-02-04T00:00:00Z', { 'contactLink:hubspot:3': true }),
    ]);
    expect(dealContactIds(state)).toEqual(['hubspot:2', 'hubspot:3']);
    expect(dealContactIds(state, t('2026-02-03T12:00:00Z'))).toEqual(['hubspot:1', 'hubspot:2']);
  });

  it('indexes a deal as open until it first enters a won or lost stage', () => {
    const config = exampleConfig();
    const deal = (at: string, stage: string): CanonicalEvent => ({
      entity: 'deal',
      id: 'generic:d-1',
      at: t(at),
      fields: { stage },
    });
    const open = applyEvents(undefined, [deal('2026-02-01T00:00:00Z', 'qualifiedtobuy')]);
    expect(indexTimes(open, config)).toEqual({ created: t('2026-02-01T00:00:00Z'), open: true });
    const lost = applyEvents(open, [
      deal('2026-03-01T00:00:00Z', 'closedlost'),
      deal('2026-03-04T00:00:00Z', 'closedwon'),
    ]);
    expect(indexTimes(lost, config)).toEqual({
      created: t('2026-02-01T00:00:00Z'),
      milestone: t('2026-03-01T00:00:00Z'),
    });
  });
});
