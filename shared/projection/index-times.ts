import type { ClientConfig } from '../config/schema.ts';
import type { IndexTimes } from '../ports/store.ts';
import { type EntityState, fieldValue } from './state.ts';

function firstOf(state: EntityState, stages: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const stage of stages) {
    const at = state.milestones[stage];
    if (at !== undefined && (first === undefined || at < first)) first = at;
  }
  return first;
}

/** The instants (and owner) the store indexes an entity by; see `IndexTimes` in the store port. */
export function indexTimes(state: EntityState, config: Pick<ClientConfig, 'dealStages' | 'sla'>): IndexTimes {
  const times: IndexTimes = { created: state.firstAt };
  switch (state.entity) {
    case 'contact': {
      times.milestone = Math.max(
        state.firstAt,
        state.milestones.mql ?? state.firstAt,
        state.milestones.disqualified ?? state.firstAt,
      );
      break;
    }
    case 'deal': {
      const closed = firstOf(state, [...config.dealStages.won, ...config.dealStages.lost]);
      if (closed !== undefined) times.milestone = closed;
      if (closed === undefined && fieldValue(state, 'deleted') !== true) times.open = true;
      break;
    }
    case 'form':
    case 'activity': {
      const formId = fieldValue(state, 'formId');
      if (
        state.entity === 'form' &&
        typeof formId === 'string' &&
        config.sla.highIntentForms.includes(formId)
      ) {
        times.milestone = state.firstAt;
      }
      const contactId = fieldValue(state, 'contactId');
      const emailHash = fieldValue(state, 'emailHash');
      if (typeof contactId === 'string') times.owner = { contact: contactId };
      else if (typeof emailHash === 'string') times.owner = { email: emailHash };
      break;
    }
    case 'company':
      break;
  }
  return times;
}
