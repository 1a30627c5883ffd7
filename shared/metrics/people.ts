import type { ClientConfig, OwnerSystem, Person } from '../config/schema.ts';

/** The owner of a record: a person of the roster, or the id the CRM gave when the roster does not know it. */
export interface OwnerRef {
  /** The breakdown key's value: the person's name, `<system>:<id>` when unknown, or `unassigned`. */
  key: string;
  person?: Person;
}

export const UNASSIGNED = 'unassigned';

const rosters = new WeakMap<readonly Person[], Map<string, Person>>();

function rosterOf(people: readonly Person[]): Map<string, Person> {
  let roster = rosters.get(people);
  if (!roster) {
    roster = new Map();
    for (const person of people) {
      for (const [system, ids] of Object.entries(person.ids)) {
        for (const id of [ids ?? []].flat()) roster.set(`${system}:${id}`, person);
      }
    }
    rosters.set(people, roster);
  }
  return roster;
}

/**
 * Resolves a record's owner id through the roster. The id is read in the system the record came
 * from (`hubspot:123` → a HubSpot owner id), so one person with ids in several CRMs is one owner.
 */
export function ownerOf(
  recordId: string,
  ownerId: string | undefined,
  config: Pick<ClientConfig, 'people'>,
): OwnerRef {
  if (ownerId === undefined) return { key: UNASSIGNED };
  const system = recordId.slice(0, recordId.indexOf(':')) as OwnerSystem;
  const person = rosterOf(config.people).get(`${system}:${ownerId}`);
  return person ? { key: person.name, person } : { key: `${system}:${ownerId}` };
}
