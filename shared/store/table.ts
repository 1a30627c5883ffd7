import { ENTITY_TYPES, type EntityType } from '../model/events.ts';

/**
 * The one DynamoDB table of a client stack. Both the local twin (dynalite) and the CDK stack
 * create it from this description, so their keys cannot drift apart.
 *
 * Keys and access patterns (all reads are GetItem/BatchGetItem/Query; no Scan):
 *
 * | item              | pk                         | sk          | index keys                                                        |
 * |-------------------|----------------------------|-------------|-------------------------------------------------------------------|
 * | entity state      | `<entity>#<system>:<id>`   | `state`     | byCreated: `<entity>#created#<yyyy-mm>` / `<iso>#<id>`            |
 * |                   |                            |             | byMilestone: contact latest of created/mql/disqualified, deal close, high-intent form: `<entity>#milestone#<yyyy-mm>` |
 * |                   |                            |             | openDeals (physically `byDisqualified`): open deals only: `deal#open`  |
 * |                   |                            |             | byOwner: forms/activities: `contact:<id>` or `email:<hash>` / `<entity>#<iso>#<id>` |
 * | raw delivery      | `raw#<deliveryKey>`        | `raw`       | byCreated: `raw#<yyyy-mm>` / `<iso>#<deliveryKey>`                |
 * | quarantined       | `quarantine#<deliveryKey>` | `quarantine`| byCreated: `quarantine#<yyyy-mm>` / `<iso>#<deliveryKey>`         |
 * | first fact        | `client#meta`              | `meta`      |                                                                   |
 * | definitions log   | `client#definitions`       | `<version>` |                                                                   |
 * | packet snapshot   | `packet#<cadence>#<start>` | `packet`    |                                                                   |
 * | mail record       | `mail#<cadence>#<start>`   | `<recipientHash>` |                                                             |
 * | source marker     | `source#<source>`          | `activity`  |                                                                   |
 * | packet hold       | `hold#<cadence>#<start>`   | `hold`      |                                                                   |
 *
 * - contacts with a creation, mql or disqualification time in a window: byMilestone (their latest)
 * - deals by creation and close time: byCreated, byMilestone; open deals: openDeals `deal#open`
 * - deals by qualification time: qualification depends on the definitions, so it is computed from
 *   the stage and amount histories of open deals and of deals closed since the window's start
 * - forms and activities by contact: byOwner; raw and quarantined deliveries by time: byCreated
 * - a source's freshness: its marker, by key (ingest writes it at most once a minute per source
 *   and container, so it costs no write per event and one read per source)
 * Months are UTC calendar months; a range query walks the months it spans.
 */
export const TABLE_KEY = { partition: 'pk', sort: 'sk' } as const;

/**
 * The global secondary indexes. `name` is the physical index name on deployed tables and stays as
 * it is: renaming a GSI makes CloudFormation delete and recreate it (a full backfill, the index
 * unreadable meanwhile) and one stack update may change only one GSI. `holds` is what code calls
 * it, for what it holds: `byDisqualified` once held disqualified contacts and now holds open deals.
 */
export const TABLE_INDEXES = [
  { holds: 'byCreated', name: 'byCreated', partition: 'g1pk', sort: 'g1sk' },
  { holds: 'byMilestone', name: 'byMilestone', partition: 'g2pk', sort: 'g2sk' },
  { holds: 'openDeals', name: 'byDisqualified', partition: 'g3pk', sort: 'g3sk' },
  { holds: 'byOwner', name: 'byOwner', partition: 'g4pk', sort: 'g4sk' },
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
  raw: (deliveryKey: string) => `raw#${deliveryKey}`,
  quarantine: (deliveryKey: string) => `quarantine#${deliveryKey}`,
  meta: () => 'client#meta',
  definitions: () => 'client#definitions',
  packet: (cadence: string, periodStart: string) => `packet#${cadence}#${periodStart}`,
  mail: (cadence: string, periodStart: string) => `mail#${cadence}#${periodStart}`,
  source: (source: string) => `source#${source}`,
  hold: (cadence: string, periodStart: string) => `hold#${cadence}#${periodStart}`,
} as const satisfies Record<ItemKind, (...parts: never[]) => string>;

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
