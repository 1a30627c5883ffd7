import { ENTITY_FIELDS, type EntityType } from '../model/events.ts';

/**
 * Which canonical entity each vendor object feeds. Kept apart from the adapters (and free of their
 * dependencies) so the config schema can check field maps against them when a config loads.
 */

/** The sObject types samepage reads (xsi:type without its prefix) → the canonical entity. */
export const SALESFORCE_OBJECTS = {
  Lead: 'contact',
  Contact: 'contact',
  Account: 'company',
  Opportunity: 'deal',
  OpportunityContactRole: 'deal',
  Task: 'activity',
  Event: 'activity',
} as const satisfies Record<string, EntityType>;
export type SalesforceObject = keyof typeof SALESFORCE_OBJECTS;

/** Pipedrive `meta.entity` → the canonical entity. Other objects (lead, note, product, …) are ignored. */
export const PIPEDRIVE_OBJECTS = {
  person: 'contact',
  organization: 'company',
  deal: 'deal',
  activity: 'activity',
} as const satisfies Record<string, EntityType>;
export type PipedriveObject = keyof typeof PIPEDRIVE_OBJECTS;

/**
 * The canonical fields a config's field map may target: every field of the entity except the
 * ones the adapters derive from the vendor's own lifecycle events (deletion, merges).
 */
export function mappableFields(entity: EntityType): readonly string[] {
  return ENTITY_FIELDS[entity].filter((field) => field !== 'deleted' && field !== 'mergedInto');
}
