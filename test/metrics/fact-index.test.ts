import { describe, expect, it } from 'vitest';
import { oncePerFactSet, recordsWithin } from '#shared/metrics/fact-index.ts';
import type { FactSet } from '#shared/metrics/facts.ts';
import type { Window } from '#shared/metrics/window.ts';
import { within } from '#shared/metrics/window.ts';
import { factsOf } from './fixture.ts';

interface Dated {
  id: string;
  at?: number;
}

/** A small deterministic generator (a linear congruential one), so a failure can be replayed. */
function numbers(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

describe('recordsWithin', () => {
  const next = numbers(7);
  // Instants on a coarse grid, so that many records share one and windows end exactly on some.
  const records = new Map<string, Dated>();
  for (let index = 0; index < 500; index++) {
    const id = `r-${Math.floor(next() * 1e6)}-${index}`;
    records.set(id, next() < 0.1 ? { id } : { id, at: Math.floor(next() * 100) * 1000 });
  }
  const windows: Window[] = [
    { start: 0, end: 100_000 },
    { start: 10_000, end: 10_000 },
    { start: 25_000, end: 26_000 },
    { start: -5_000, end: 3_000 },
    { start: 99_000, end: 250_000 },
    { start: 200_000, end: 300_000 },
  ];
  for (let index = 0; index < 40; index++) {
    const start = Math.floor(next() * 110) * 1000;
    windows.push({ start, end: start + Math.floor(next() * 30) * 1000 });
  }

  it('returns what a filter over the map returns, in the same order, for every window (end excluded)', () => {
    for (const window of windows) {
      const filtered = [...records.values()].filter((record) => within(record.at, window));
      expect(recordsWithin(records, 'at', (record) => record.at, window)).toEqual(filtered);
    }
  });

  it('keeps one sorted list per map and name: a second map is indexed on its own', () => {
    const other = new Map<string, Dated>([
      ['b', { id: 'b', at: 5 }],
      ['a', { id: 'a', at: 1 }],
    ]);
    expect(recordsWithin(other, 'at', (record) => record.at, { start: 0, end: 10 })).toEqual([
      { id: 'b', at: 5 },
      { id: 'a', at: 1 },
    ]);
    expect(recordsWithin(other, 'at', (record) => record.at, { start: 2, end: 10 })).toEqual([
      { id: 'b', at: 5 },
    ]);
  });
});

describe('oncePerFactSet', () => {
  it('works a value out once per FactSet and again for another FactSet', () => {
    const first = factsOf();
    const second = factsOf();
    let computed = 0;
    const count = (facts: FactSet) => {
      computed++;
      return facts.contacts.size;
    };
    expect(oncePerFactSet(first, 'contacts', count)).toBe(first.contacts.size);
    expect(oncePerFactSet(first, 'contacts', count)).toBe(first.contacts.size);
    expect(computed).toBe(1);
    oncePerFactSet(second, 'contacts', count);
    expect(computed).toBe(2);
  });
});
