import type { ClientConfig } from '../config/schema.ts';
import { CONTACT_STAGES, type ContactStage, type FieldValue } from '../model/events.ts';
import { dealContactIds, type EntityState, type FieldEntry, fieldValue } from '../projection/state.ts';

/**
 * Typed views of projected entities as they were at an instant (DESIGN.md "As of": a packet sees
 * only facts whose `at` is at or before its as-of instant, and attributes are their last-written
 * values as of then). Every metric reads entities through these views and nothing else.
 */

export const UNMAPPED = 'unmapped';
/** The source key data health shows for a contact or deal without any source. */
export const MISSING_SOURCE = '(none)';

export interface Attribution {
  channel: string;
  team: string;
  /** The raw source value, or MISSING_SOURCE. */
  source: string;
}

export interface ContactView {
  id: string;
  createdAt: number;
  companyId?: string;
  seniority?: string;
  owner?: string;
  reason?: string;
  emailHash?: string;
  attribution: Attribution;
  /** First entry into each canonical stage, at or before the as-of instant. */
  milestones: Partial<Record<ContactStage, number>>;
}

export interface StageChange {
  at: number;
  stage: string;
}

export interface DealView {
  id: string;
  createdAt: number;
  companyId?: string;
  contactIds: string[];
  amount?: number;
  currency?: string;
  owner?: string;
  reason?: string;
  stage?: string;
  /** Stage entries at or before the as-of instant, oldest first (repeats of the same stage kept). */
  stages: StageChange[];
  attribution: Attribution;
  closed?: { at: number; outcome: 'won' | 'lost'; amount?: number };
  qualified?: { at: number; amount: number };
  /** The client's currency, or the deal's when it differs (such deals are never qualified or summed). */
  inClientCurrency: boolean;
}

export interface CompanyView {
  id: string;
  firstSeenAt: number;
  industry?: string;
  employees?: number;
  region?: string;
}

export interface FormView {
  id: string;
  at: number;
  formId?: string;
  contactId?: string;
  emailHash?: string;
  source?: string;
}

export interface ActivityView {
  id: string;
  at: number;
  contactId?: string;
  kind?: string;
  owner?: string;
}

type Definitions = Pick<ClientConfig, 'channels' | 'dealStages' | 'qualification' | 'currency'>;

function text(value: FieldValue | undefined): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function number(value: FieldValue | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** True when the entity existed and was not deleted or merged away at the instant. */
export function visibleAt(state: EntityState, asOf: number): boolean {
  return state.firstAt <= asOf && fieldValue(state, 'deleted', asOf) !== true;
}

/** Source → channel and team through the config's `channels` (case-insensitive); unmapped otherwise. */
export function attribute(source: string | undefined, channels: ClientConfig['channels']): Attribution {
  if (source === undefined) return { channel: UNMAPPED, team: UNMAPPED, source: MISSING_SOURCE };
  const wanted = source.toLowerCase();
  const rule = channels.find((candidate) => candidate.match.some((value) => value.toLowerCase() === wanted));
  return rule
    ? { channel: rule.channel, team: rule.team, source }
    : { channel: UNMAPPED, team: UNMAPPED, source };
}

export function contactView(
  state: EntityState,
  asOf: number,
  definitions: Pick<Definitions, 'channels'>,
): ContactView {
  const milestones: Partial<Record<ContactStage, number>> = {};
  for (const stage of CONTACT_STAGES) {
    const at = state.milestones[stage];
    if (at !== undefined && at <= asOf) milestones[stage] = at;
  }
  return {
    id: state.id,
    createdAt: state.firstAt,
    companyId: text(fieldValue(state, 'companyId', asOf)),
    seniority: text(fieldValue(state, 'seniority', asOf)),
    owner: text(fieldValue(state, 'owner', asOf)),
    reason: text(fieldValue(state, 'reason', asOf)),
    emailHash: text(fieldValue(state, 'emailHash', asOf)),
    attribution: attribute(text(fieldValue(state, 'source', asOf)), definitions.channels),
    milestones,
  };
}

export function companyView(state: EntityState, asOf: number): CompanyView {
  return {
    id: state.id,
    firstSeenAt: state.firstAt,
    industry: text(fieldValue(state, 'industry', asOf)),
    employees: number(fieldValue(state, 'employees', asOf)),
    region: text(fieldValue(state, 'region', asOf)),
  };
}

export function formView(state: EntityState, asOf: number): FormView {
  return {
    id: state.id,
    at: state.firstAt,
    formId: text(fieldValue(state, 'formId', asOf)),
    contactId: text(fieldValue(state, 'contactId', asOf)),
    emailHash: text(fieldValue(state, 'emailHash', asOf)),
    source: text(fieldValue(state, 'source', asOf)),
  };
}

export function activityView(state: EntityState, asOf: number): ActivityView {
  return {
    id: state.id,
    at: state.firstAt,
    contactId: text(fieldValue(state, 'contactId', asOf)),
    kind: text(fieldValue(state, 'kind', asOf)),
    owner: text(fieldValue(state, 'owner', asOf)),
  };
}

/** The instants at which any field the qualification bar reads changed, oldest first. */
function barInstants(state: EntityState, asOf: number): number[] {
  const instants = new Set<number>([state.firstAt]);
  for (const [field, history] of Object.entries(state.fields)) {
    if (
      !['stage', 'amount', 'currency', 'companyId', 'contactIds', 'owner', 'source'].includes(field) &&
      !field.startsWith('contactLink:')
    ) {
      continue;
    }
    for (const entry of history as FieldEntry[]) if (entry.at <= asOf) instants.add(entry.at);
  }
  return [...instants].sort((a, b) => a - b);
}

/**
 * The qualification bar at one instant (DESIGN.md): stage at or past `qualification.stage` in
 * `dealStages.order`, or won; amount ≥ minAmount; every required field present; and in the
 * client's currency (a deal without a currency is taken to be in the client's).
 */
function barHolds(state: EntityState, at: number, definitions: Definitions): number | undefined {
  const { order, won } = definitions.dealStages;
  const stage = text(fieldValue(state, 'stage', at));
  if (stage === undefined) return undefined;
  const barIndex = order.indexOf(definitions.qualification.stage);
  // A bar naming a won stage (not in `order`) is met by won stages only.
  const pastBar = won.includes(stage) || (barIndex !== -1 && order.indexOf(stage) >= barIndex);
  if (!pastBar) return undefined;
  const amount = number(fieldValue(state, 'amount', at));
  if (amount === undefined || amount < definitions.qualification.minAmount) return undefined;
  const currency = text(fieldValue(state, 'currency', at));
  if (currency !== undefined && currency !== definitions.currency) return undefined;
  for (const field of definitions.qualification.requireFields) {
    const present =
      field === 'contactIds' ? dealContactIds(state, at).length > 0 : fieldValue(state, field, at) != null;
    if (!present) return undefined;
  }
  return amount;
}

export function dealView(state: EntityState, asOf: number, definitions: Definitions): DealView {
  const stages = (state.fields.stage ?? [])
    .filter((entry) => entry.at <= asOf && typeof entry.value === 'string')
    .map((entry) => ({ at: entry.at, stage: entry.value as string }));
  let closed: DealView['closed'];
  for (const [stage, at] of Object.entries(state.milestones)) {
    if (at > asOf) continue;
    const outcome = definitions.dealStages.won.includes(stage)
      ? 'won'
      : definitions.dealStages.lost.includes(stage)
        ? 'lost'
        : undefined;
    if (outcome && (!closed || at < closed.at))
      closed = { at, outcome, amount: number(fieldValue(state, 'amount', at)) };
  }
  const currency = text(fieldValue(state, 'currency', asOf));
  const inClientCurrency = currency === undefined || currency === definitions.currency;
  let qualified: DealView['qualified'];
  // A deal in another currency (as of now) is never qualified, even if its currency arrived late.
  for (const at of inClientCurrency ? barInstants(state, asOf) : []) {
    // A closed deal cannot qualify after its close; entering a won stage qualifies at that moment.
    if (closed && at > closed.at) break;
    const amount = barHolds(state, at, definitions);
    if (amount !== undefined) {
      qualified = { at, amount };
      break;
    }
  }
  const attribution = attribute(text(fieldValue(state, 'source', asOf)), definitions.channels);
  return {
    id: state.id,
    createdAt: state.firstAt,
    companyId: text(fieldValue(state, 'companyId', asOf)),
    contactIds: dealContactIds(state, asOf),
    amount: number(fieldValue(state, 'amount', asOf)),
    currency,
    owner: text(fieldValue(state, 'owner', asOf)),
    reason: text(fieldValue(state, 'reason', asOf)),
    stage: stages.at(-1)?.stage,
    stages,
    attribution,
    closed,
    qualified,
    inClientCurrency,
  };
}

/** A deal's channel and team: its own source, else its first contact's (DESIGN.md edge rules). */
export function dealAttribution(deal: DealView, firstContact: ContactView | undefined): Attribution {
  if (deal.attribution.source !== MISSING_SOURCE || !firstContact) return deal.attribution;
  return firstContact.attribution;
}

/** The time of the last change of stage value at or before `until` (a repeat of the same stage is no change). */
export function lastStageChange(deal: Pick<DealView, 'stages'>, until: number): number | undefined {
  let last: StageChange | undefined;
  let changedAt: number | undefined;
  for (const entry of deal.stages) {
    if (entry.at > until) break;
    if (!last || entry.stage !== last.stage) changedAt = entry.at;
    last = entry;
  }
  return changedAt;
}
