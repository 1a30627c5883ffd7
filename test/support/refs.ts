import { ENTITY_TYPES, type EntityType } from '#shared/model/events.ts';
import type { EntityRef } from '#shared/ports/store.ts';

/** The reference of an entity written as tests name it, `<entity>#<system>:<id>`. */
export function entityRef(key: string): EntityRef {
  const split = key.indexOf('#');
  const entity = key.slice(0, split);
  if (split < 0 || !ENTITY_TYPES.includes(entity as EntityType)) throw new Error(`not an entity key: ${key}`);
  return { entity: entity as EntityType, id: key.slice(split + 1) };
}
