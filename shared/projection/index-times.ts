import type { ClientConfig } from '../config/schema.ts';
import type { IndexTimes } from '../ports/store.ts';
import { canonicalDealStage } from '../sources/mapping.ts';
import { type EntityState, fieldValue } from './state.ts';

/** The first time a deal entered any of the stages, its stage values read through its CRM's stage map. */
function firstOf(
  state: EntityState,
  stages: readonly string[],
  config: Pick<ClientConfig, 'sources'>,
): number | undefined {
  let first: number | undefined;
  for (const [raw, at] of Object.entries(state.milestones)) {
    if (!stages.includes(canonicalDealStage(config, state.id, raw))) continue;
    if (first === undefined || at < first) first = at;
  }
  return first;
}

/** The instants the store indexes an entity by; see `IndexTimes` in the store port. */
export function indexTimes(
  state: EntityState,
  config: Pick<ClientConfig, 'dealStages' | 'sla' | 'sources'>,
): IndexTimes {
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
      const closed = firstOf(state, [...config.dealStages.won, ...config.dealStages.lost], config);
      if (closed !== undefined) times.milestone = closed;
      // A deleted deal, or one merged into another, is in no packet: it leaves the open deals.
      const gone =
        fieldValue(state, 'deleted') === true || typeof fieldValue(state, 'mergedInto') === 'string';
      if (closed === undefined && !gone) times.open = true;
      break;
    }
    case 'form': {
      const formId = fieldValue(state, 'formId');
      if (typeof formId === 'string' && config.sla.highIntentForms.includes(formId)) {
        times.milestone = state.firstAt;
      }
      break;
    }
    case 'activity':
    case 'company':
      break;
  }
  return times;
}
