import { createHash } from 'node:crypto';
import { ENTITY_TYPES, type EntityType } from '../model/events.ts';

/**
 * The one DynamoDB table of a client stack. Both the local twin (dynalite) and the CDK stack
 * create it from this description, so their keys cannot drift apart.
 *
 * Keys and access patterns (all reads are GetItem/BatchGetItem/Query; no Scan):
 *
 * | item              | pk                         | sk              | index keys                                                    |
 * |-------------------|----------------------------|-----------------|---------------------------------------------------------------|
 * | entity state      | `<entity>#<system>:<id>`   | `state`         | byCreated (companies, forms, activities): `<entity>#created#<yyyy-mm>` / `<iso>#<id>` |
 * |                   |                            |                 | byMilestone: contact latest of created/mql/disqualified, deal close, high-intent form: `<entity>#milestone#<yyyy-mm>` |
 * |                   |                            |                 | openDeals (physically `byDisqualified`): open deals only: `deal#open` |
 * | raw delivery      | `raw#<shard>`              | `<deliveryKey>` |                                                               |
 * | quarantined       | `quarantine#<deliveryKey>` | `quarantine`    | byCreated: `quarantine#<yyyy-mm>` / `<iso>#<deliveryKey>`     |
 * | first fact, first quarantine | `client#meta`   | `meta`          |                                                               |
 * | definitions log   | `client#definitions`       | `<version>`     |                                                               |
 * | packet snapshot   | `packet#<cadence>#<start>` | `packet`        |                                                               |
 * | mail record       | `mail#<cadence>#<start>`   | `<recipientHash>` |                                                             |
 * | source marker     | `source#<source>`          | `activity`      |                                                               |
 * | packet hold       | `hold#<cadence>#<start>`   | `hold`          |                                                               |
 *
 * - contacts with a creation, mql or disqualification time in a window: byMilestone (their latest)
 * - deals by close time: byMilestone; open deals: openDeals `deal#open`
 * - deals by qualification time: qualification depends on the definitions, so it is computed from
 *   the stage and amount histories of open deals and of deals closed since the window's start
 * - companies, forms and activities by creation: byCreated; quarantined deliveries by receipt time:
 *   byCreated (a packet counts them per window)
 * - raw deliveries: every one, by a Query of each of the 16 shards (`RAW_SHARDS`); a time range is
 *   a filter on `receivedAt`, not a key condition, so any range reads them all. Only replay, forget,
 *   minimize and the layout migration list them; ingest reads one by key (a repeated body), so the
 *   write of a delivery pays no index write
 * - a source's freshness: its marker, by key (ingest writes it at most once a minute per source
 *   and container, so it costs no write per event and one read per source)
 * Months are UTC calendar months; a range query walks the months it spans.
 *
 * What each new event costs in write units (a new contact in its own delivery): the raw delivery
 * (1), the contact (1) and its byMilestone entry (1). Contacts and deals carry no byCreated keys:
 * no read lists them by creation (a packet reads contacts by milestone, deals open or by close).
 *
 * Layout history: before issue 21, raw deliveries were kept at `raw#<deliveryKey>` / `raw` with
 * byCreated keys `raw#<yyyy-mm>`, contacts and deals had byCreated keys, and forms and activities
 * had keys in a fourth index, byOwner (`g4pk`/`g4sk`), that only `forget` read. `samepage
 * migrate-table` moves the raw deliveries (shared/adapters/dynamodb-migrate.ts).
 */
export const TABLE_KEY = { partition: 'pk', sort: 'sk' } as const;

/**
 * The global secondary indexes. `name` is the physical index name on deployed tables and stays as
 * it is: renaming a GSI makes CloudFormation delete and recreate it (a full backfill, the index
 * unreadable meanwhile) and one stack update may create or delete only one GSI. `holds` is what
 * code calls it, for what it holds: `byDisqualified` once held disqualified contacts and now holds
 * open deals.
 *
 * A fourth index, byOwner (`g4pk`/`g4sk`), is gone: deploying this version deletes that one GSI,
 * which one stack update may do, so a deployed stack upgrades in one deploy. Items written before
 * keep their `g4pk`/`g4sk` attributes as plain attributes until they are next written.
 */
export const TABLE_INDEXES = [
  { holds: 'byCreated', name: 'byCreated', partition: 'g1pk', sort: 'g1sk' },
  { holds: 'byMilestone', name: 'byMilestone', partition: 'g2pk', sort: 'g2sk' },
  { holds: 'openDeals', name: 'byDisqualified', partition: 'g3pk', sort: 'g3sk' },
] as const;

export type TableIndex = (typeof TABLE_INDEXES)[number];
/** An index as code names it (for what it holds). */
export type TableIndexRole = TableIndex['holds'];

/** The index that holds `role`, with its physical name and key attributes. */
export function tableIndex(role: TableIndexRole): TableIndex {
  const index = TABLE_INDEXES.find((candidate) => candidate.holds === role);
  if (!index) throw new Error(`unknown index ${role}`);
  return index;
}

/**
 * The entities a packet lists by creation (byCreated). Contacts and deals are found by their
 * milestone, and open deals by openDeals, so their creation index would cost a write per change
 * and serve no read.
 */
export const LISTED_BY_CREATION: readonly EntityType[] = ['company', 'form', 'activity'];

/**
 * Raw deliveries are spread over this many partitions, named by one hex digit: a delivery's shard
 * is the first hex digit of the SHA-256 of its key (any key, so a test's `old-1` spreads as a
 * live HMAC key does). Listing them is one Query per shard; writing one pays no index write.
 */
export const RAW_SHARDS: readonly string[] = [...'0123456789abcdef'];

/** The shard of a raw delivery (see `RAW_SHARDS`). */
export function rawShardOf(deliveryKey: string): string {
  return createHash('sha256').update(deliveryKey).digest('hex').charAt(0);
}

/** The kinds of item the table keeps, each with its own partition keys (the table above). */
export type ItemKind =
  | 'entity'
  | 'raw'
  | 'quarantine'
  | 'meta'
  | 'definitions'
  | 'packet'
  | 'mail'
  | 'source'
  | 'hold';

/** The partition key of each kind of item: the only place (with the adapter) a key is spelled. */
export const partitionKey = {
  entity: (entity: EntityType, id: string) => `${entity}#${id}`,
  /** The shard partition a raw delivery is kept in (its sort key is the delivery key). */
  raw: (deliveryKey: string) => rawShardPartition(rawShardOf(deliveryKey)),
  quarantine: (deliveryKey: string) => `quarantine#${deliveryKey}`,
  meta: () => 'client#meta',
  definitions: () => 'client#definitions',
  packet: (cadence: string, periodStart: string) => `packet#${cadence}#${periodStart}`,
  mail: (cadence: string, periodStart: string) => `mail#${cadence}#${periodStart}`,
  source: (source: string) => `source#${source}`,
  hold: (cadence: string, periodStart: string) => `hold#${cadence}#${periodStart}`,
} as const satisfies Record<ItemKind, (...parts: never[]) => string>;

/** The partition of one raw shard (`RAW_SHARDS`). */
export function rawShardPartition(shard: string): string {
  return `raw#${shard}`;
}

/** IAM `dynamodb:LeadingKeys` patterns (StringLike) matching every partition key of each kind. */
export const LEADING_KEY_PATTERNS: Record<ItemKind, readonly string[]> = {
  entity: ENTITY_TYPES.map((entity) => `${entity}#*`),
  raw: ['raw#*'],
  quarantine: ['quarantine#*'],
  meta: ['client#meta'],
  definitions: ['client#definitions'],
  packet: ['packet#*'],
  mail: ['mail#*'],
  source: ['source#*'],
  hold: ['hold#*'],
};

/**
 * The items each Lambda function touches by key (the stack limits its role to them):
 * ingest keeps entities, deliveries, the first-fact marker and the source markers and can reach no
 * packet, mail, hold or definitions item; build-packet writes snapshots, the definitions log and
 * packet holds (it reads everything, source markers included, by key and through the indexes);
 * send-packet reads snapshots and keeps mail records; view-packet (the web copy, reached from the
 * internet) reads packet snapshots and nothing else.
 */
export const FUNCTION_ITEMS = {
  ingest: ['entity', 'raw', 'quarantine', 'meta', 'source'],
  'build-packet': ['packet', 'definitions', 'hold'],
  'send-packet': ['packet', 'mail'],
  'view-packet': ['packet'],
} as const satisfies Record<string, readonly ItemKind[]>;

export type TableAccess = keyof typeof FUNCTION_ITEMS;

/** The `dynamodb:LeadingKeys` patterns of one function's role. */
export function leadingKeysOf(access: TableAccess): string[] {
  return FUNCTION_ITEMS[access].flatMap((kind) => LEADING_KEY_PATTERNS[kind]);
}
