import type { ClientConfig } from '../config/schema.ts';
import { type EntityState, fieldValue } from './state.ts';

/**
 * The instants an entity is found by when a packet reads its period without a Scan
 * (see shared/store/README.md for the keys built from them).
 */
export interface IndexTimes {
  /** contacts: creation; deals: creation; companies: first seen; forms and activities: their time. */
  created: number;
  /**
   * contacts: the latest of creation, first entry into mql and first disqualification, so one
   * range query from a window's start finds every contact with any of them in the window, once;
   * deals: first entry into a won or lost stage; forms: their time when the form is one of
   * `sla.highIntentForms` (an SLA clock may start there, long before a packet's window).
   */
  milestone?: number;
  /** deals only: still open (not closed, not deleted) — they are listed for stalled-deal checks. */
  open?: boolean;
  /** forms and activities: the contact they belong to (`contact:<id>`) or the email hash (`email:<hash>`). */
  owner?: string;
}

function firstOf(state: EntityState, stages: readonly string[]): number | undefined {
  let first: number | undefined;
  for (const stage of stages) {
    const at = state.milestones[stage];
    if (at !== undefined && (first === undefined || at < first)) first = at;
  }
  return first;
}

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
      if (typeof contactId === 'string') times.owner = `contact:${contactId}`;
      else if (typeof emailHash === 'string') times.owner = `email:${emailHash}`;
      break;
    }
    case 'company':
      break;
  }
  return times;
}
