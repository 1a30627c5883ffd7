import type { Twin } from '#local/twin.ts';
import type { EntityState } from '#shared/projection/state.ts';
import { entityRef } from './refs.ts';

/** A seeded shuffle (mulberry32), so a failing order can be reproduced. */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

/** The states of the given entity keys, for comparing two twins fed the same facts differently. */
export async function statesOf(
  twin: Twin,
  keys: readonly string[],
): Promise<Record<string, EntityState | undefined>> {
  const found = await twin.store.getEntities(keys.map(entityRef));
  return Object.fromEntries(keys.map((key) => [key, found.get(key)?.state]));
}
