import type { ClientConfig } from '#shared/config/schema.ts';
import { readWindow } from '#shared/packets/load.ts';
import { indexTimes } from '#shared/projection/index-times.ts';
import { dealContactIds, type EntityState, fieldValue } from '#shared/projection/state.ts';
import type { Cadence } from '#shared/time/periods.ts';

/**
 * The entities a packet needs, worked out from every state in memory (no store): those with a
 * time in the read window (created, MQL, disqualified, form or activity time), open deals and
 * deals closed since the window's start, the contacts and companies those refer to, and the
 * high-intent forms before the window of contacts already needed. The denominator of "items
 * read per item in the window".
 */
export function itemsInWindow(
  states: readonly EntityState[],
  config: ClientConfig,
  cadence: Cadence,
  asOf: number,
): number {
  const window = readWindow(config, cadence, asOf);
  const inWindow = (at: number | undefined) => at !== undefined && at >= window.from && at < window.to;
  const keyOf = (state: EntityState) => `${state.entity}#${state.id}`;
  const needed = new Set<string>();
  for (const state of states) {
    const times = indexTimes(state, config);
    const wanted =
      state.entity === 'contact'
        ? inWindow(state.firstAt) || inWindow(state.milestones.mql) || inWindow(state.milestones.disqualified)
        : state.entity === 'deal'
          ? times.open === true || (times.milestone !== undefined && times.milestone >= window.from)
          : inWindow(times.created);
    if (wanted) needed.add(keyOf(state));
  }
  const referenced = new Set<string>();
  for (const state of states) {
    if (!needed.has(keyOf(state))) continue;
    if (state.entity === 'deal') for (const id of dealContactIds(state)) referenced.add(`contact#${id}`);
    const contactId = fieldValue(state, 'contactId');
    if (state.entity === 'form' && typeof contactId === 'string') referenced.add(`contact#${contactId}`);
  }
  const known = new Set(states.map(keyOf));
  for (const key of referenced) if (known.has(key)) needed.add(key);
  const emails = new Map<string, string>();
  for (const state of states) {
    if (state.entity !== 'contact' || !needed.has(keyOf(state))) continue;
    const companyId = fieldValue(state, 'companyId');
    if (typeof companyId === 'string' && known.has(`company#${companyId}`))
      needed.add(`company#${companyId}`);
    const emailHash = fieldValue(state, 'emailHash');
    if (typeof emailHash === 'string') emails.set(emailHash, state.id);
  }
  for (const state of states) {
    const companyId = fieldValue(state, 'companyId');
    if (state.entity === 'deal' && needed.has(keyOf(state)) && typeof companyId === 'string') {
      if (known.has(`company#${companyId}`)) needed.add(`company#${companyId}`);
    }
    if (state.entity !== 'form') continue;
    const times = indexTimes(state, config);
    if (times.milestone === undefined || times.milestone >= window.from) continue;
    const contactId = fieldValue(state, 'contactId');
    const emailHash = fieldValue(state, 'emailHash');
    const owner =
      typeof contactId === 'string'
        ? contactId
        : typeof emailHash === 'string'
          ? emails.get(emailHash)
          : undefined;
    if (owner !== undefined && needed.has(`contact#${owner}`)) needed.add(keyOf(state));
  }
  return needed.size;
}
