/**
 * The canonical model every source adapter produces (DESIGN.md "Canonical model").
 * An event says: at `at`, these fields of this entity had these values.
 */

export const ENTITY_TYPES = ['company', 'contact', 'deal', 'form', 'activity'] as const;
export type EntityType = (typeof ENTITY_TYPES)[number];

/** Canonical contact milestones; CRM values are mapped onto them by the config's `lifecycle`. */
export const CONTACT_STAGES = [
  'lead',
  'mql',
  'sql',
  'opportunity',
  'customer',
  'disqualified',
  'recycled',
] as const;
export type ContactStage = (typeof CONTACT_STAGES)[number];

/** A field value after validation. `null` clears the field. */
export type FieldValue = string | number | boolean | readonly string[] | null;

/**
 * Canonical fields per entity. Deals also carry `contactLink:<contactKey>` booleans for CRMs that
 * report associations one at a time (an add/remove set that any order resolves the same way), and
 * contacts `mergedFrom:<contactKey>` booleans (see MERGED_FROM_PREFIX).
 */
export const ENTITY_FIELDS = {
  company: ['name', 'domain', 'industry', 'employees', 'region', 'country', 'tech', 'deleted', 'mergedInto'],
  // industry, employees, region and country on a contact are the company facts a lead carries
  // inline (a Salesforce Lead before conversion has no Account); its company's own facts win.
  contact: [
    'companyId',
    'industry',
    'employees',
    'region',
    'country',
    'title',
    'seniority',
    'source',
    'owner',
    'stage',
    'reason',
    'emailHash',
    'deleted',
    'mergedInto',
  ],
  deal: [
    'companyId',
    'contactIds',
    'amount',
    'currency',
    // The amount in the CRM's home currency (HubSpot's amount_in_home_currency), used when the
    // config has no plan rate for the deal's currency.
    'homeAmount',
    'stage',
    // The forecast (DESIGN.md contract 2): expected close as a local date "YYYY-MM-DD", probability
    // 0–1, and the forecast category.
    'closeDate',
    'probability',
    'forecastCategory',
    'pipeline',
    'source',
    'owner',
    'reason',
    'deleted',
    'mergedInto',
  ],
  form: ['formId', 'contactId', 'emailHash', 'source'],
  activity: ['contactId', 'kind', 'owner'],
} as const satisfies Record<EntityType, readonly string[]>;

export const CONTACT_LINK_PREFIX = 'contactLink:';

/** A deal's forecast category (DESIGN.md contract 2); CRMs' own names are mapped onto these. */
export const FORECAST_CATEGORIES = ['pipeline', 'best_case', 'commit', 'omitted'] as const;
export type ForecastCategory = (typeof FORECAST_CATEGORIES)[number];

/**
 * `mergedFrom:<id>` booleans on a surviving contact: the records that continue as it (a HubSpot
 * merge, a converted Salesforce lead). The absorbed record carries `mergedInto`; the survivor
 * carries this so a packet that reads the survivor finds them. Histories are joined when facts
 * are read (shared/metrics/merges.ts), never rewritten.
 */
export const MERGED_FROM_PREFIX = 'mergedFrom:';

export interface CanonicalEvent {
  entity: EntityType;
  /** `<system>:<id>`, e.g. `hubspot:1246965`. */
  id: string;
  /** When the change happened, epoch milliseconds. */
  at: number;
  fields: Record<string, FieldValue>;
}

/**
 * An entity's identity in memory (map keys, equality): its type and its `<system>:<id>`. Not a
 * store key: the store takes `{ entity, id }` and spells its own keys (shared/store/table.ts).
 */
export function entityKey(event: Pick<CanonicalEvent, 'entity' | 'id'>): string {
  return `${event.entity}#${event.id}`;
}

/**
 * Prefixes a sending system's id: `c-1` from the generic API becomes `generic:c-1`; an id that
 * already names its system (`hubspot:123`) is kept, so generic events can update CRM records.
 */
export function qualifyId(system: string, id: string | number): string {
  const text = String(id);
  return /^[a-z][a-z0-9-]*:/.test(text) ? text : `${system}:${text}`;
}
