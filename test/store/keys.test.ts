import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { entityItem } from '#shared/adapters/dynamodb-store.ts';
import type { EntityState } from '#shared/projection/state.ts';
import {
  type ItemKind,
  LEADING_KEY_PATTERNS,
  partitionKey,
  RAW_SHARDS,
  rawShardPartition,
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
  it('writes entity items with the index keys their reads need, and no others', () => {
    // Prepare: a form, an activity, a company, a contact, an open deal, a closed deal.
    const form = entityItem(state('form', 'hubspot:f-1'), { created: AT }, 3);
    const activity = entityItem(state('activity', 'generic:a-1'), { created: AT }, 1);
    const company = entityItem(state('company', 'hubspot:co-1'), { created: AT }, 1);
    const contact = entityItem(state('contact', 'hubspot:7'), { created: AT, milestone: AT + 2 }, 1);
    const open = entityItem(state('deal', 'hubspot:9'), { created: AT, open: true }, 2);
    const closed = entityItem(state('deal', 'hubspot:10'), { created: AT, milestone: AT + 1 }, 1);
    // Assess: forms, activities and companies are listed by creation (a packet reads them so);
    // contacts and deals only by milestone or as open deals; nothing is keyed by owner any more.
    const { state: _s1, indexed, ...formKeys } = form;
    expect(JSON.parse(String(indexed))).toEqual({ created: AT });
    expect(formKeys).toEqual({
      pk: 'form#hubspot:f-1',
      sk: 'state',
      version: 3,
      g1pk: 'form#created#2026-03',
      g1sk: '2026-03-14T09:30:00.000Z#hubspot:f-1',
    });
    expect(activity.g1pk).toBe('activity#created#2026-03');
    expect(company.g1pk).toBe('company#created#2026-03');
    const { state: _s2, indexed: _i2, ...contactKeys } = contact;
    expect(contactKeys).toEqual({
      pk: 'contact#hubspot:7',
      sk: 'state',
      version: 1,
      g2pk: 'contact#milestone#2026-03',
      g2sk: '2026-03-14T09:30:00.002Z#hubspot:7',
    });
    expect(open.g1pk).toBeUndefined();
    expect(open.g3pk).toBe('deal#open');
    expect(open.g3sk).toBe('2026-03-14T09:30:00.000Z#hubspot:9');
    expect(closed.g1pk).toBeUndefined();
    expect(closed.g2pk).toBe('deal#milestone#2026-03');
    expect(closed.g2sk).toBe('2026-03-14T09:30:00.001Z#hubspot:10');
    expect(closed.g3pk).toBeUndefined();
    for (const item of [form, activity, company, contact, open, closed]) {
      expect(Object.keys(item).filter((name) => name.startsWith('g4'))).toEqual([]);
    }
  });

  it('keeps the physical index names of deployed tables, whatever code calls them', () => {
    expect(TABLE_INDEXES.map((index) => index.name)).toEqual(['byCreated', 'byMilestone', 'byDisqualified']);
    expect(tableIndex('openDeals')).toMatchObject({
      name: 'byDisqualified',
      partition: 'g3pk',
      sort: 'g3sk',
    });
  });

  it('spreads raw deliveries over the 16 shards by a hash of their key, whatever the key looks like', () => {
    // Prepare: live keys (40 hex digits, as ingest and import make them) and a test's own keys.
    const keys = [
      ...Array.from({ length: 400 }, (_, n) => createHash('sha1').update(`delivery ${n}`).digest('hex')),
      ...Array.from({ length: 400 }, (_, n) => `old-${n}`),
    ];
    // Act
    const partitions = keys.map((key) => partitionKey.raw(key));
    // Assess: every partition is one of the shards listing reads, and every shard gets some.
    const shardPartitions = RAW_SHARDS.map(rawShardPartition);
    expect(RAW_SHARDS).toHaveLength(16);
    expect(partitions.every((partition) => shardPartitions.includes(partition))).toBe(true);
    expect(new Set(partitions).size).toBe(16);
    // The same key always lands in the same shard: a repeated body meets its first copy there.
    expect(partitionKey.raw('old-1')).toBe(partitionKey.raw('old-1'));
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
