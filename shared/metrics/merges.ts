import type { EntityState } from '../projection/state.ts';
import { fieldValue } from '../projection/state.ts';
import { type ContactView, type Firmographics, MISSING_SOURCE } from './views.ts';

/**
 * Records that continue as another: a HubSpot merge, a converted Salesforce lead. The link is the
 * absorbed record's `mergedInto` with its own time, so a packet as of an instant before it reads
 * both records as they were then. Nothing stored is rewritten: the histories are joined here.
 */

/** The longest chain of links followed (A into B into C …); longer chains are cut there. */
const MAX_LINK_DEPTH = 16;

/**
 * For each record of one entity type, the id it continues as at `asOf` (itself when it was not
 * merged). A chain is followed to its end; a cycle, which no CRM should produce, ends at its
 * smallest id so that every order of reading gives the same answer.
 */
export function survivorsAt(states: ReadonlyMap<string, EntityState>, asOf: number): (id: string) => string {
  return survivorsOf((id) => {
    const state = states.get(id);
    if (!state || state.firstAt > asOf) return undefined;
    const target = fieldValue(state, 'mergedInto', asOf);
    return typeof target === 'string' && target !== id ? target : undefined;
  });
}

/**
 * The same, from each record's own link (`targetOf`: the record it continued as, if any). Most
 * records were never merged: they answer without a cache entry.
 */
export function survivorsOf(targetOf: (id: string) => string | undefined): (id: string) => string {
  const cache = new Map<string, string>();
  return (id: string) => {
    const known = cache.get(id);
    if (known !== undefined) return known;
    let next = targetOf(id);
    if (next === undefined) return id;
    const path = [id];
    let current = id;
    for (let depth = 0; depth < MAX_LINK_DEPTH && next !== undefined; depth++) {
      const loop = path.indexOf(next);
      if (loop !== -1) {
        current = path.slice(loop).sort()[0] as string;
        break;
      }
      path.push(next);
      current = next;
      next = targetOf(current);
    }
    cache.set(id, current);
    return current;
  };
}

function firstDefined<T>(
  views: readonly ContactView[],
  pick: (view: ContactView) => T | undefined,
): T | undefined {
  for (const view of views) {
    const value = pick(view);
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * One person from the records that are them: created when the first of them was, each milestone
 * at its first entry in any of them, and the forms and activities of all (joined by the caller).
 * Attributes are the survivor's, else the most recently created absorbed record's; the channel is
 * the first record's (where the person came from), so a merge or a conversion never moves a lead
 * out of its cohort or its channel.
 */
export function joinContacts(
  id: string,
  survivor: ContactView | undefined,
  absorbed: readonly ContactView[],
): ContactView {
  const newestFirst = [...absorbed].sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? -1 : 1));
  const views = survivor ? [survivor, ...newestFirst] : newestFirst;
  const oldestFirst = [...views].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
  const milestones: ContactView['milestones'] = {};
  for (const view of views) {
    for (const [stage, at] of Object.entries(view.milestones) as [
      keyof ContactView['milestones'],
      number,
    ][]) {
      const known = milestones[stage];
      if (known === undefined || at < known) milestones[stage] = at;
    }
  }
  const inlineCompany: Firmographics = {
    industry: firstDefined(views, (view) => view.inlineCompany.industry),
    employees: firstDefined(views, (view) => view.inlineCompany.employees),
    region: firstDefined(views, (view) => view.inlineCompany.region),
  };
  const first = oldestFirst[0] as ContactView;
  return {
    id,
    createdAt: first.createdAt,
    companyId: firstDefined(views, (view) => view.companyId),
    inlineCompany,
    seniority: firstDefined(views, (view) => view.seniority),
    owner: firstDefined(views, (view) => view.owner),
    reason: firstDefined(views, (view) => view.reason),
    emailHash: firstDefined(views, (view) => view.emailHash),
    attribution:
      oldestFirst.find((view) => view.attribution.source !== MISSING_SOURCE)?.attribution ??
      first.attribution,
    milestones,
  };
}
