import type { ClientConfig } from '../config/schema.ts';
import {
  CONTACT_STAGES,
  type ContactStage,
  type FieldValue,
  FORECAST_CATEGORIES,
  type ForecastCategory,
} from '../model/events.ts';
import {
  dealContactIds,
  dealContacts,
  type EntityState,
  type FieldEntry,
  fieldValue,
} from '../projection/state.ts';
import { canonicalDealStage } from '../sources/mapping.ts';
import { fiscalYearLabel } from '../time/periods.ts';

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

/** The company facts a record carries, as the ICP reads them. */
export interface Firmographics {
  industry?: string;
  employees?: number;
  region?: string;
}

export interface ContactView {
  id: string;
  createdAt: number;
  companyId?: string;
  /** Company facts the contact carries inline (a Salesforce lead); its company's own facts win. */
  inlineCompany: Firmographics;
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

/** A deal's forecast fields as of one instant (each change of any of them is a point). */
export interface ForecastPoint {
  at: number;
  /** The client's stage name. */
  stage?: string;
  /** The amount in the client's currency at that instant, when it can be read. */
  amount?: number;
  /** The expected close, a local date "YYYY-MM-DD". */
  closeDate?: string;
  /** The deal's own probability (0–1), when its CRM sends one. */
  probability?: number;
  category?: ForecastCategory;
}

export interface DealView {
  id: string;
  createdAt: number;
  companyId?: string;
  contactIds: string[];
  /** Contact id → the first instant it was on the deal (an association, a contact role, a conversion). */
  contactSince: Map<string, number>;
  /** The amount as the CRM holds it, in `currency`. */
  amount?: number;
  currency?: string;
  /** The amount as of the as-of instant in the client's currency (converted), when it can be. */
  clientAmount?: number;
  /** How a foreign amount became the client's currency, when it did. */
  conversion?: 'plan-rate' | 'home-amount';
  pipeline?: string;
  owner?: string;
  reason?: string;
  stage?: string;
  /** Stage entries at or before the as-of instant, oldest first (repeats of the same stage kept). */
  stages: StageChange[];
  attribution: Attribution;
  /** Its forecast fields at each instant any of them changed, oldest first (at or before the as-of instant). */
  forecast: ForecastPoint[];
  /** Closed and qualified amounts are in the client's currency, converted at that instant. */
  closed?: { at: number; outcome: 'won' | 'lost'; amount?: number };
  qualified?: { at: number; amount: number };
  /**
   * True when the deal's amounts can be read in the client's currency: it is in it, or a plan rate
   * or the CRM's home amount converts it. Other deals are never qualified or summed.
   */
  inClientCurrency: boolean;
}

export interface CompanyView extends Firmographics {
  id: string;
  firstSeenAt: number;
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

/** The parts of the config that views read. */
export type ViewDefinitions = Pick<
  ClientConfig,
  | 'channels'
  | 'dealStages'
  | 'qualification'
  | 'currency'
  | 'exchangeRates'
  | 'timezone'
  | 'fiscalYearStartMonth'
  | 'regions'
  | 'sources'
>;

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
  // One object per source and channel map, shared by every record from that source: a quarterly
  // packet at a million events a year holds 120k contacts.
  let known = attributions.get(channels);
  if (!known) {
    known = new Map();
    attributions.set(channels, known);
  }
  const key = source ?? MISSING_SOURCE_KEY;
  let attribution = known.get(key);
  if (!attribution) {
    attribution = Object.freeze(attributeOnce(source, channels));
    known.set(key, attribution);
  }
  return attribution;
}

const attributions = new WeakMap<ClientConfig['channels'], Map<string, Attribution>>();
/** The cache key of "no source" (a string no source can be: sources are trimmed text). */
const MISSING_SOURCE_KEY = ' (none)';

function attributeOnce(source: string | undefined, channels: ClientConfig['channels']): Attribution {
  if (source === undefined) return { channel: UNMAPPED, team: UNMAPPED, source: MISSING_SOURCE };
  const wanted = source.toLowerCase();
  const rule = channels.find((candidate) => candidate.match.some((value) => value.toLowerCase() === wanted));
  return rule
    ? { channel: rule.channel, team: rule.team, source }
    : { channel: UNMAPPED, team: UNMAPPED, source };
}

const regionTables = new WeakMap<NonNullable<ClientConfig['regions']>, Map<string, string>>();

/** A country's region through the config's `regions` (case-insensitive), when it lists the country. */
export function regionOfCountry(
  country: string | undefined,
  regions: ClientConfig['regions'],
): string | undefined {
  if (country === undefined || regions === undefined) return undefined;
  let table = regionTables.get(regions);
  if (!table) {
    table = new Map();
    for (const [region, countries] of Object.entries(regions))
      for (const name of countries) table.set(name.trim().toLowerCase(), region);
    regionTables.set(regions, table);
  }
  return table.get(country.trim().toLowerCase());
}

/** A record's firmographics as of an instant; a region comes from the country when the record has none. */
function firmographicsOf(state: EntityState, asOf: number, regions: ClientConfig['regions']): Firmographics {
  return {
    industry: text(fieldValue(state, 'industry', asOf)),
    employees: number(fieldValue(state, 'employees', asOf)),
    region:
      text(fieldValue(state, 'region', asOf)) ??
      regionOfCountry(text(fieldValue(state, 'country', asOf)), regions),
  };
}

export function contactView(
  state: EntityState,
  asOf: number,
  definitions: Pick<ViewDefinitions, 'channels' | 'regions'>,
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
    inlineCompany: firmographicsOf(state, asOf, definitions.regions),
    seniority: text(fieldValue(state, 'seniority', asOf)),
    owner: text(fieldValue(state, 'owner', asOf)),
    reason: text(fieldValue(state, 'reason', asOf)),
    emailHash: text(fieldValue(state, 'emailHash', asOf)),
    attribution: attribute(text(fieldValue(state, 'source', asOf)), definitions.channels),
    milestones,
  };
}

export function companyView(
  state: EntityState,
  asOf: number,
  definitions: Pick<ViewDefinitions, 'regions'>,
): CompanyView {
  return { id: state.id, firstSeenAt: state.firstAt, ...firmographicsOf(state, asOf, definitions.regions) };
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
      !['stage', 'amount', 'homeAmount', 'currency', 'companyId', 'contactIds', 'owner', 'source'].includes(
        field,
      ) &&
      !field.startsWith('contactLink:')
    ) {
      continue;
    }
    for (const entry of history as FieldEntry[]) if (entry.at <= asOf) instants.add(entry.at);
  }
  return [...instants].sort((a, b) => a - b);
}

type Converted = { amount: number; conversion?: DealView['conversion'] };

/**
 * A deal's amount at an instant in the client's currency. `currency` is the deal's currency as of
 * the packet (a currency that arrives after the amount still applies to it); none is the client's.
 * A foreign amount converts at the config's plan rate for the fiscal year of the instant, else is
 * the CRM's home-currency amount at that instant, else cannot be read.
 */
function amountInClientCurrency(
  state: EntityState,
  at: number,
  currency: string | undefined,
  definitions: ViewDefinitions,
): Converted | undefined {
  const amount = number(fieldValue(state, 'amount', at));
  if (currency === undefined || currency === definitions.currency)
    return amount === undefined ? undefined : { amount };
  const rate = definitions.exchangeRates?.[fiscalYearLabel(at, definitions)]?.[currency];
  if (rate !== undefined) {
    return amount === undefined
      ? undefined
      : { amount: Math.round(amount * rate * 100) / 100, conversion: 'plan-rate' };
  }
  const home = number(fieldValue(state, 'homeAmount', at));
  return home === undefined ? undefined : { amount: home, conversion: 'home-amount' };
}

/** True when the deal's currency is the client's, or a plan rate or home amount can convert it. */
function convertible(
  state: EntityState,
  at: number,
  currency: string | undefined,
  definitions: ViewDefinitions,
) {
  if (currency === undefined || currency === definitions.currency) return true;
  return (
    definitions.exchangeRates?.[fiscalYearLabel(at, definitions)]?.[currency] !== undefined ||
    number(fieldValue(state, 'homeAmount', at)) !== undefined
  );
}

/**
 * The qualification bar at one instant (DESIGN.md): stage at or past `qualification.stage` in
 * `dealStages.order`, or won; amount in the client's currency ≥ minAmount; every required field
 * present (a deal without a currency is taken to be in the client's).
 */
function barHolds(
  state: EntityState,
  at: number,
  currency: string | undefined,
  definitions: ViewDefinitions,
): number | undefined {
  const { order, won } = definitions.dealStages;
  const raw = text(fieldValue(state, 'stage', at));
  if (raw === undefined) return undefined;
  const stage = canonicalDealStage(definitions, state.id, raw);
  const barIndex = order.indexOf(definitions.qualification.stage);
  // A bar naming a won stage (not in `order`) is met by won stages only.
  const pastBar = won.includes(stage) || (barIndex !== -1 && order.indexOf(stage) >= barIndex);
  if (!pastBar) return undefined;
  const amount = amountInClientCurrency(state, at, currency, definitions)?.amount;
  if (amount === undefined || amount < definitions.qualification.minAmount) return undefined;
  for (const field of definitions.qualification.requireFields) {
    const present =
      field === 'contactIds' ? dealContactIds(state, at).length > 0 : fieldValue(state, field, at) != null;
    if (!present) return undefined;
  }
  return amount;
}

const FORECAST_FIELDS = [
  'stage',
  'amount',
  'homeAmount',
  'currency',
  'closeDate',
  'probability',
  'forecastCategory',
];

/** A deal's forecast fields at each instant one of them changed, up to `asOf`. */
function forecastPoints(
  state: EntityState,
  asOf: number,
  currency: string | undefined,
  definitions: ViewDefinitions,
): ForecastPoint[] {
  const instants = new Set<number>([state.firstAt]);
  for (const field of FORECAST_FIELDS) {
    for (const entry of state.fields[field] ?? []) if (entry.at <= asOf) instants.add(entry.at);
  }
  return [...instants]
    .sort((a, b) => a - b)
    .map((at) => {
      const raw = text(fieldValue(state, 'stage', at));
      const category = text(fieldValue(state, 'forecastCategory', at));
      return {
        at,
        stage: raw === undefined ? undefined : canonicalDealStage(definitions, state.id, raw),
        amount: amountInClientCurrency(state, at, currency, definitions)?.amount,
        closeDate: text(fieldValue(state, 'closeDate', at)),
        probability: number(fieldValue(state, 'probability', at)),
        category: (FORECAST_CATEGORIES as readonly string[]).includes(category ?? '')
          ? (category as ForecastCategory)
          : undefined,
      };
    });
}

export function dealView(state: EntityState, asOf: number, definitions: ViewDefinitions): DealView {
  const stages = (state.fields.stage ?? [])
    .filter((entry) => entry.at <= asOf && typeof entry.value === 'string')
    .map((entry) => ({
      at: entry.at,
      stage: canonicalDealStage(definitions, state.id, entry.value as string),
    }));
  const currency = text(fieldValue(state, 'currency', asOf));
  let closed: DealView['closed'];
  for (const [raw, at] of Object.entries(state.milestones)) {
    if (at > asOf) continue;
    const stage = canonicalDealStage(definitions, state.id, raw);
    const outcome = definitions.dealStages.won.includes(stage)
      ? 'won'
      : definitions.dealStages.lost.includes(stage)
        ? 'lost'
        : undefined;
    if (outcome && (!closed || at < closed.at))
      closed = { at, outcome, amount: amountInClientCurrency(state, at, currency, definitions)?.amount };
  }
  let qualified: DealView['qualified'];
  for (const at of barInstants(state, asOf)) {
    // A closed deal cannot qualify after its close; entering a won stage qualifies at that moment.
    if (closed && at > closed.at) break;
    const amount = barHolds(state, at, currency, definitions);
    if (amount !== undefined) {
      qualified = { at, amount };
      break;
    }
  }
  const attribution = attribute(text(fieldValue(state, 'source', asOf)), definitions.channels);
  const contacts = dealContacts(state, asOf);
  const current = amountInClientCurrency(state, asOf, currency, definitions);
  return {
    id: state.id,
    createdAt: state.firstAt,
    companyId: text(fieldValue(state, 'companyId', asOf)),
    contactIds: contacts.map((contact) => contact.id),
    contactSince: new Map(contacts.map((contact) => [contact.id, contact.since])),
    amount: number(fieldValue(state, 'amount', asOf)),
    currency,
    clientAmount: current?.amount,
    ...(current?.conversion ? { conversion: current.conversion } : {}),
    pipeline: text(fieldValue(state, 'pipeline', asOf)),
    forecast: forecastPoints(state, asOf, currency, definitions),
    owner: text(fieldValue(state, 'owner', asOf)),
    reason: text(fieldValue(state, 'reason', asOf)),
    stage: stages.at(-1)?.stage,
    stages,
    attribution,
    closed,
    qualified,
    inClientCurrency: convertible(state, asOf, currency, definitions),
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
