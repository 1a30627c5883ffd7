import { canonicalJson } from '../config/parse.ts';
import type { ClientConfig } from '../config/schema.ts';
import { type CanonicalEvent, entityKey } from '../model/events.ts';
import type { Store } from '../ports/store.ts';
import { indexTimes } from './index-times.ts';
import { applyEvents, sameState } from './state.ts';

/** How often a write that lost a race is re-read and merged again before giving up. */
const MAX_CONFLICT_RETRIES = 8;

export class ConcurrentUpdateError extends Error {
  override readonly name = 'ConcurrentUpdateError';
  constructor(readonly key: string) {
    super(`Gave up writing ${key} after ${MAX_CONFLICT_RETRIES} concurrent updates`);
  }
}

export interface ProjectionResult {
  entities: number;
  /** Entities whose state changed (each cost one write). */
  changed: number;
}

/**
 * Projects canonical events into entity state: one read and at most one conditional write per
 * entity, whatever the number of its events. Unchanged states are not written, so a repeated
 * delivery costs reads only; with `reindex` (replay) an unchanged state is written when the
 * current definitions give it other index keys than it was written with.
 */
export async function projectEvents(
  store: Store,
  config: Pick<ClientConfig, 'dealStages' | 'sla' | 'sources'>,
  events: readonly CanonicalEvent[],
  options: { reindex?: boolean } = {},
): Promise<ProjectionResult> {
  const byEntity = new Map<string, CanonicalEvent[]>();
  for (const event of events) {
    const key = entityKey(event);
    const list = byEntity.get(key);
    if (list) list.push(event);
    else byEntity.set(key, [event]);
  }
  if (events.length > 0) await store.noteFactTime(Math.min(...events.map((event) => event.at)));
  let pending = [...byEntity.keys()];
  let changed = 0;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > MAX_CONFLICT_RETRIES) throw new ConcurrentUpdateError(pending[0] as string);
    // An entity's first event names it (its type and id) for the read.
    const current = await store.getEntities(pending.flatMap((key) => byEntity.get(key)?.slice(0, 1) ?? []));
    const conflicts: string[] = [];
    await Promise.all(
      pending.map(async (key) => {
        const stored = current.get(key);
        const next = applyEvents(stored?.state, byEntity.get(key) ?? []);
        const times = indexTimes(next, config);
        // A replay also rewrites an unchanged state whose index keys the current definitions move.
        const reindexed = options.reindex === true && canonicalJson(stored?.indexed) !== canonicalJson(times);
        if (sameState(stored?.state, next) && !reindexed) return;
        if (await store.putEntity(next, times, stored?.version ?? null)) changed++;
        else conflicts.push(key);
      }),
    );
    pending = conflicts;
    if (pending.length > 0)
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 20 * (attempt + 1)));
  }
  return { entities: byEntity.size, changed };
}
