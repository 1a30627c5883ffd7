import { describe, expect, it } from 'vitest';
import { entityItem } from '#shared/adapters/dynamodb-store.ts';
import type { EntityState } from '#shared/projection/state.ts';
import {
  type ItemKind,
  LEADING_KEY_PATTERNS,
  partitionKey,
  TABLE_INDEXES,
  tableIndex,
} from '#shared/store/table.ts';

const AT = Date.UTC(2026, 2, 14, 9, 30);

function state(entity: EntityState['entity'], id: string): EntityState {
  return { entity, id, firstAt: AT, lastAt: AT, fields: {}, milestones: {} } as unknown as EntityState;
}

/** IAM StringLike: `*` matches any run of characters, everything else itself. */
function likes(pattern: string, key: string): boolean {
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${source.join('.*')}$`).test(key);
}

describe('the table keys', () => {
  it('writes entity items exactly as before the port spoke in references (no migration needed)', () => {
    // Prepare: a form owned by a contact, one owned by an email hash, an open deal, a closed deal.
    const byContact = entityItem(
      state('form', 'hubspot:f-1'),
      { created: AT, owner: { contact: 'hubspot:7' } },
      3,
    );
    const byEmail = entityItem(state('activity', 'generic:a-1'), { created: AT, owner: { email: 'abc' } }, 1);
    const open = entityItem(state('deal', 'hubspot:9'), { created: AT, open: true }, 2);
    const closed = entityItem(state('deal', 'hubspot:10'), { created: AT, milestone: AT + 1 }, 1);
    // Assess: the same attributes and values the store wrote before, plus the index times it was
    // written with (so a replay can tell when the definitions moved them).
    const { state: _s1, indexed, ...contactOwned } = byContact;
    expect(JSON.parse(String(indexed))).toEqual({ created: AT, owner: { contact: 'hubspot:7' } });
    expect(contactOwned).toEqual({
      pk: 'form#hubspot:f-1',
      sk: 'state',
      version: 3,
      g1pk: 'form#created#2026-03',
      g1sk: '2026-03-14T09:30:00.000Z#hubspot:f-1',
      g4pk: 'contact:hubspot:7',
      g4sk: 'form#2026-03-14T09:30:00.000Z#hubspot:f-1',
    });
    expect(byEmail.g4pk).toBe('email:abc');
    expect(byEmail.g4sk).toBe('activity#2026-03-14T09:30:00.000Z#generic:a-1');
    expect(open.g3pk).toBe('deal#open');
    expect(open.g3sk).toBe('2026-03-14T09:30:00.000Z#hubspot:9');
    expect(closed.g2pk).toBe('deal#milestone#2026-03');
    expect(closed.g2sk).toBe('2026-03-14T09:30:00.001Z#hubspot:10');
    expect(closed.g3pk).toBeUndefined();
  });

  it('keeps the physical index names of deployed tables, whatever code calls them', () => {
    expect(TABLE_INDEXES.map((index) => index.name)).toEqual([
      'byCreated',
      'byMilestone',
      'byDisqualified',
      'byOwner',
    ]);
    expect(tableIndex('openDeals')).toMatchObject({
      name: 'byDisqualified',
      partition: 'g3pk',
      sort: 'g3sk',
    });
  });

  it('matches every partition key of a kind with that kind’s IAM patterns, and with no other kind’s', () => {
    const samples: Record<ItemKind, string[]> = {
      entity: (['company', 'contact', 'deal', 'form', 'activity'] as const).map((entity) =>
        partitionKey.entity(entity, 'hubspot:1'),
      ),
      raw: [partitionKey.raw('d1')],
      quarantine: [partitionKey.quarantine('d1')],
      meta: [partitionKey.meta()],
      definitions: [partitionKey.definitions()],
      packet: [partitionKey.packet('weekly', '2026-03-09')],
      mail: [partitionKey.mail('weekly', '2026-03-09')],
      source: [partitionKey.source('hubspot')],
      hold: [partitionKey.hold('weekly', '2026-03-09')],
    };
    for (const [kind, keys] of Object.entries(samples) as [ItemKind, string[]][]) {
      for (const key of keys) {
        for (const [other, patterns] of Object.entries(LEADING_KEY_PATTERNS) as [ItemKind, string[]][]) {
          expect(
            patterns.some((pattern) => likes(pattern, key)),
            `${key} against ${other}`,
          ).toBe(other === kind);
        }
      }
    }
  });
});
