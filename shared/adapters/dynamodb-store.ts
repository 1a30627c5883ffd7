import { gunzipSync, gzipSync } from 'node:zlib';
import {
  type AttributeValue,
  ConditionalCheckFailedException,
  type DynamoDBClient,
  paginateQuery as paginateItemQuery,
} from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  type BatchGetCommandOutput,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  paginateQuery,
  type QueryCommandInput,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { canonicalJson } from '../config/parse.ts';
import type { SourceName } from '../config/schema.ts';
import type { FieldProblem } from '../errors.ts';
import { type EntityType, entityKey } from '../model/events.ts';
import type {
  DefinitionsRecord,
  DeliveryKind,
  EntityRef,
  IndexTimes,
  MailKey,
  MailRecord,
  MailState,
  PacketHold,
  PacketSnapshot,
  QuarantinedDelivery,
  RawDelivery,
  SourceActivity,
  SourceDeliveryNote,
  Store,
  StoreCounters,
  StoredEntity,
  TimeIndex,
  TimeRange,
} from '../ports/store.ts';
import type { EntityState } from '../projection/state.ts';
import {
  LISTED_BY_CREATION,
  partitionKey,
  RAW_SHARDS,
  rawShardPartition,
  type TableIndexRole,
  tableIndex,
} from '../store/table.ts';

const BATCH_GET_LIMIT = 100;
/** How many month partitions one time-range read queries at once. */
const MONTHS_READ_AHEAD = 2;
/** The one item that describes the client's data as a whole. */
const CLIENT_META_KEY = { pk: partitionKey.meta(), sk: 'meta' };
/** A store instance (a Lambda container) writes a source's marker at most this often, on receipt time. */
const MARKER_INTERVAL_MS = 60_000;
/** A marker's per-day counter attribute: `accepted_2026-11-30`, `quarantined_2026-11-30`. */
const DAY_COUNTER = /^(accepted|quarantined)_(\d{4}-\d{2}-\d{2})$/;

/** What one instance has counted for a source since it last wrote the source's marker. */
interface SourceNotes {
  byDay: Record<SourceDeliveryNote['outcome'], Map<string, number>>;
  lastDeliveryAt: number;
  lastEventAt?: number;
}

function sourceMarkerKey(source: SourceName) {
  return { pk: partitionKey.source(source), sk: 'activity' };
}

function holdKey(cadence: string, periodStart: string) {
  return { pk: partitionKey.hold(cadence, periodStart), sk: 'hold' };
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

function month(ms: number): string {
  return iso(ms).slice(0, 7);
}

/** The UTC months `[from, to)` touches, in order. */
export function monthsOf(range: TimeRange): string[] {
  if (range.to <= range.from) return [];
  const months: string[] = [];
  const cursor = new Date(
    Date.UTC(new Date(range.from).getUTCFullYear(), new Date(range.from).getUTCMonth(), 1),
  );
  while (cursor.getTime() < range.to) {
    months.push(month(cursor.getTime()));
    cursor.setUTCMonth(cursor.getUTCMonth() + 1);
  }
  return months;
}

/** A query on an index by its key alone (every value a string): what `byTime` and `states` take. */
interface KeyedQuery {
  IndexName: string;
  KeyConditionExpression: string;
  ExpressionAttributeNames: Record<string, string>;
  ExpressionAttributeValues: Record<string, string>;
}

const INDEX_OF_TIME: Record<TimeIndex, TableIndexRole> = {
  created: 'byCreated',
  milestone: 'byMilestone',
};

/**
 * The byCreated partition of deliveries received in one month (`yyyy-mm`): quarantined ones, and
 * raw ones of the layout before issue 21 (shared/adapters/dynamodb-migrate.ts moves them).
 */
export function receiptMonthPartition(kind: DeliveryKind, receiptMonth: string): string {
  return `${kind}#${receiptMonth}`;
}

/** Where a kept delivery is: raw ones by shard and key, quarantined ones by key. */
function deliveryItemKey(kind: DeliveryKind, deliveryKey: string): { pk: string; sk: string } {
  return kind === 'raw'
    ? { pk: partitionKey.raw(deliveryKey), sk: deliveryKey }
    : { pk: partitionKey.quarantine(deliveryKey), sk: kind };
}

/** The earliest instants the client's meta item records (each written only when earlier). */
export type MetaInstant = 'firstFactAt' | 'firstQuarantinedAt';

/** An entity's item with its index keys: one layout for live writes and bulk loads. */
export function entityItem(state: EntityState, times: IndexTimes, version: number): EntityItem {
  const item: EntityItem = {
    pk: partitionKey.entity(state.entity, state.id),
    sk: 'state',
    version,
    state: JSON.stringify(state),
    indexed: canonicalJson(times),
  };
  if (LISTED_BY_CREATION.includes(state.entity)) {
    const { partition, sort } = tableIndex('byCreated');
    item[partition] = `${state.entity}#created#${month(times.created)}`;
    item[sort] = `${iso(times.created)}#${state.id}`;
  }
  if (times.milestone !== undefined) {
    const { partition, sort } = tableIndex('byMilestone');
    item[partition] = `${state.entity}#milestone#${month(times.milestone)}`;
    item[sort] = `${iso(times.milestone)}#${state.id}`;
  }
  if (times.open) {
    const { partition, sort } = tableIndex('openDeals');
    item[partition] = `${state.entity}#open`;
    item[sort] = `${iso(times.created)}#${state.id}`;
  }
  return item;
}

export interface EntityItem {
  pk: string;
  sk: 'state';
  version: number;
  state: string;
  [indexKey: string]: string | number;
}

/** False when a conditional write's condition did not hold (someone wrote first); other errors are thrown. */
export async function conditionHeld(write: Promise<unknown>): Promise<boolean> {
  try {
    await write;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Stores samepage's items in one DynamoDB table (see shared/store/table.ts for the keys). */
export class DynamoDbStore implements Store {
  readonly counters: StoreCounters = { itemsRead: 0, writes: 0 };
  private readonly documents: DynamoDBDocumentClient;

  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {
    this.documents = DynamoDBDocumentClient.from(client, {
      marshallOptions: { removeUndefinedValues: true },
    });
    // samepage logs through Powertools and gives the SDK no logger, yet the SDK's logger
    // middleware still builds a redacted copy of every response for its no-op logger: a quarter
    // of the client-side time of a packet's reads (bench/RESULTS.md, "Packets").
    client.middlewareStack.remove('loggerMiddleware');
  }

  /** A conditional PutItem; false when the condition did not hold (someone wrote first). */
  private async putWhen(item: Record<string, unknown>, expectedVersion: number | null): Promise<boolean> {
    this.counters.writes++;
    return conditionHeld(
      this.documents.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: expectedVersion === null ? 'attribute_not_exists(pk)' : 'version = :expected',
          ExpressionAttributeValues: expectedVersion === null ? undefined : { ':expected': expectedVersion },
        }),
      ),
    );
  }

  /**
   * Keeps a delivery once per key (gzipped body). A raw delivery has no index key (listing reads
   * its shards); a quarantined one is indexed by receipt month, as a packet counts them per window.
   */
  private async putDelivery(
    kind: DeliveryKind,
    delivery: RawDelivery | QuarantinedDelivery,
  ): Promise<'new' | 'duplicate'> {
    const { body, ...rest } = delivery;
    const item: Record<string, unknown> = {
      ...deliveryItemKey(kind, delivery.deliveryKey),
      ...rest,
      body: gzipSync(body),
    };
    if (kind === 'quarantine') {
      const created = tableIndex('byCreated');
      item[created.partition] = receiptMonthPartition(kind, month(delivery.receivedAt));
      item[created.sort] = `${iso(delivery.receivedAt)}#${delivery.deliveryKey}`;
    }
    const written = await this.putWhen(item, null);
    return written ? 'new' : 'duplicate';
  }

  putRawDelivery(delivery: RawDelivery): Promise<'new' | 'duplicate'> {
    return this.putDelivery('raw', delivery);
  }

  async putQuarantine(delivery: QuarantinedDelivery): Promise<'new' | 'duplicate'> {
    const written = await this.putDelivery('quarantine', delivery);
    // Noted after the put, whatever its outcome: a retry of a delivery that failed in between
    // notes it then. Quarantine is rare, and only an earlier receipt than the known one writes.
    await this.noteEarliest('firstQuarantinedAt', delivery.receivedAt);
    return written;
  }

  async replaceDeliveryBody(
    kind: DeliveryKind,
    deliveryKey: string,
    body: string,
    notes?: { error?: string; problems: FieldProblem[] },
  ): Promise<void> {
    this.counters.writes++;
    const sets = ['body = :body'];
    const values: Record<string, unknown> = { ':body': gzipSync(body) };
    if (notes) {
      sets.push('problems = :problems');
      values[':problems'] = notes.problems;
      if (notes.error !== undefined) {
        sets.push('#error = :error');
        values[':error'] = notes.error;
      }
    }
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: deliveryItemKey(kind, deliveryKey),
        UpdateExpression: `SET ${sets.join(', ')}`,
        // Never creates a bodiless item when the delivery was deleted meanwhile.
        ConditionExpression: 'attribute_exists(pk)',
        ...(notes?.error !== undefined ? { ExpressionAttributeNames: { '#error': 'error' } } : {}),
        ExpressionAttributeValues: values,
      }),
    );
  }

  async deleteDelivery(kind: DeliveryKind, deliveryKey: string): Promise<void> {
    this.counters.writes++;
    await this.documents.send(
      new DeleteCommand({ TableName: this.tableName, Key: deliveryItemKey(kind, deliveryKey) }),
    );
  }

  async rawDeliveryReceivedAt(deliveryKey: string): Promise<number | undefined> {
    const answer = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: deliveryItemKey('raw', deliveryKey),
        ProjectionExpression: 'receivedAt',
      }),
    );
    if (answer.Item) this.counters.itemsRead++;
    return answer.Item?.receivedAt as number | undefined;
  }

  async getEntities(refs: readonly EntityRef[]): Promise<Map<string, StoredEntity>> {
    const found = new Map<string, StoredEntity>();
    const keys = new Set(refs.map((ref) => partitionKey.entity(ref.entity, ref.id)));
    for await (const item of this.batchGet([...keys].map((pk) => ({ pk, sk: 'state' })))) {
      const entity = item as EntityItem;
      const state = JSON.parse(entity.state) as EntityState;
      const indexed =
        typeof entity.indexed === 'string' ? (JSON.parse(entity.indexed) as IndexTimes) : undefined;
      found.set(entityKey(state), { state, version: entity.version, ...(indexed ? { indexed } : {}) });
    }
    return found;
  }

  /** BatchGetItem over any number of keys, retrying unprocessed keys with backoff. */
  private async *batchGet(keys: readonly Record<string, unknown>[]): AsyncIterable<Record<string, unknown>> {
    for (let start = 0; start < keys.length; start += BATCH_GET_LIMIT) {
      let pending: Record<string, unknown>[] | undefined = keys.slice(start, start + BATCH_GET_LIMIT);
      for (let attempt = 0; pending && pending.length > 0; attempt++) {
        if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt));
        const answer: BatchGetCommandOutput = await this.documents.send(
          new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: pending } } }),
        );
        for (const item of answer.Responses?.[this.tableName] ?? []) {
          this.counters.itemsRead++;
          yield item;
        }
        pending = answer.UnprocessedKeys?.[this.tableName]?.Keys;
      }
    }
  }

  async putEntity(state: EntityState, times: IndexTimes, expectedVersion: number | null): Promise<boolean> {
    return this.putWhen(entityItem(state, times, (expectedVersion ?? 0) + 1), expectedVersion);
  }

  private async *query(input: Omit<QueryCommandInput, 'TableName'>): AsyncIterable<Record<string, unknown>> {
    for await (const page of paginateQuery(
      { client: this.documents },
      { TableName: this.tableName, ...input },
    )) {
      for (const item of page.Items ?? []) {
        this.counters.itemsRead++;
        yield item;
      }
    }
  }

  /**
   * What the month partitions a range spans hold, month by month in order, each month read by
   * `read` (its key condition given). Up to MONTHS_READ_AHEAD months are read at once, so the
   * caller works on one month while the next are on their way; the order is the same as reading
   * them one after the other.
   */
  private async *byTime<T>(
    role: TableIndexRole,
    prefix: string,
    range: TimeRange,
    read: (query: KeyedQuery) => AsyncIterable<T>,
  ): AsyncIterable<T> {
    const { name, partition, sort } = tableIndex(role);
    const month = async (bucket: string) => {
      const items: T[] = [];
      for await (const item of read({
        IndexName: name,
        KeyConditionExpression: '#pk = :pk AND #sk BETWEEN :from AND :to',
        ExpressionAttributeNames: { '#pk': partition, '#sk': sort },
        ExpressionAttributeValues: {
          ':pk': `${prefix}#${bucket}`,
          ':from': iso(range.from),
          ':to': `${iso(range.to - 1)}#\uffff`,
        },
      })) {
        items.push(item);
      }
      return items;
    };
    const months = monthsOf(range);
    const reads: Promise<T[]>[] = [];
    for (let index = 0; index < months.length; index++) {
      while (reads.length < Math.min(months.length, index + MONTHS_READ_AHEAD)) {
        const monthRead = month(months[reads.length] as string);
        // Awaited in turn below; a failure is thrown there, not reported as unhandled meanwhile.
        monthRead.catch(() => {});
        reads.push(monthRead);
      }
      yield* await (reads[index] as Promise<T[]>);
    }
  }

  /**
   * The entity states a query finds, as their JSON text, read with the low-level client and only
   * their `state` attribute: a packet reads hundreds of thousands, and the document client's
   * conversion of every item would be work on top of the JSON the state already is. Months read
   * ahead are held as this text, not as parsed states, which take several times the memory.
   */
  private async *stateTexts(query: KeyedQuery): AsyncIterable<string> {
    const values: Record<string, AttributeValue> = {};
    for (const [name, value] of Object.entries(query.ExpressionAttributeValues)) values[name] = { S: value };
    for await (const page of paginateItemQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        ...query,
        ProjectionExpression: '#state',
        ExpressionAttributeNames: { ...query.ExpressionAttributeNames, '#state': 'state' },
        ExpressionAttributeValues: values,
      },
    )) {
      for (const item of page.Items ?? []) {
        this.counters.itemsRead++;
        const text = item.state?.S;
        if (text === undefined) throw new Error(`an entity item without its state in ${query.IndexName}`);
        yield text;
      }
    }
  }

  /**
   * Every raw delivery received in `range`, in no particular order: each shard is queried (at
   * most one page request per shard in flight) and the range filters what they hold, so the
   * read costs every kept raw delivery whatever the range.
   */
  async *rawDeliveries(range: TimeRange): AsyncIterable<RawDelivery> {
    const shards = RAW_SHARDS.map((shard) => this.rawShard(shard, range));
    for await (const item of mergeAsync(shards)) yield deliveryFrom(item) as RawDelivery;
  }

  private async *rawShard(shard: string, range: TimeRange): AsyncIterable<Record<string, unknown>> {
    for await (const page of paginateQuery(
      { client: this.documents },
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: 'receivedAt >= :from AND receivedAt < :to',
        ExpressionAttributeValues: { ':pk': rawShardPartition(shard), ':from': range.from, ':to': range.to },
      },
    )) {
      // A filter does not lower the read: every item the key condition matched is paid for.
      this.counters.itemsRead += page.ScannedCount ?? page.Items?.length ?? 0;
      yield* page.Items ?? [];
    }
  }

  async *quarantinedDeliveries(range: TimeRange): AsyncIterable<QuarantinedDelivery> {
    for await (const item of this.byTime('byCreated', 'quarantine', range, (query) => this.query(query))) {
      yield deliveryFrom(item) as QuarantinedDelivery;
    }
  }

  async *entitiesByTime(entity: EntityType, index: TimeIndex, range: TimeRange): AsyncIterable<EntityState> {
    const texts = this.byTime(INDEX_OF_TIME[index], `${entity}#${index}`, range, (query) =>
      this.stateTexts(query),
    );
    for await (const text of texts) yield JSON.parse(text) as EntityState;
  }

  async *openDeals(): AsyncIterable<EntityState> {
    const { name, partition } = tableIndex('openDeals');
    const texts = this.stateTexts({
      IndexName: name,
      KeyConditionExpression: '#pk = :pk',
      ExpressionAttributeNames: { '#pk': partition },
      ExpressionAttributeValues: { ':pk': 'deal#open' },
    });
    for await (const text of texts) yield JSON.parse(text) as EntityState;
  }

  /** Per meta instant, what this store (a Lambda container) read or wrote last. */
  private readonly knownEarliest = new Map<MetaInstant, Promise<number | undefined>>();

  private async readMeta(instant: MetaInstant): Promise<number | undefined> {
    const answer = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: CLIENT_META_KEY, ProjectionExpression: instant }),
    );
    if (answer.Item) this.counters.itemsRead++;
    return answer.Item?.[instant] as number | undefined;
  }

  firstFactAt(): Promise<number | undefined> {
    return this.readMeta('firstFactAt');
  }

  firstQuarantinedAt(): Promise<number | undefined> {
    return this.readMeta('firstQuarantinedAt');
  }

  noteFactTime(at: number): Promise<void> {
    return this.noteEarliest('firstFactAt', at);
  }

  /**
   * Records `at` as the meta instant when it is earlier than the one recorded (or none is). Public
   * for the layout migration (shared/adapters/dynamodb-migrate.ts), which records the first
   * quarantined receipt of a table from before ingest kept it.
   */
  async noteEarliest(instant: MetaInstant, at: number): Promise<void> {
    // Read once per store (per Lambda container); afterwards only an earlier instant costs a write.
    // A failed read is forgotten, or every later delivery of the container would fail with it.
    let known = this.knownEarliest.get(instant);
    if (!known) {
      known = this.readMeta(instant).catch((error: unknown) => {
        this.knownEarliest.delete(instant);
        throw error;
      });
      this.knownEarliest.set(instant, known);
    }
    const recorded = await known;
    if (recorded !== undefined && recorded <= at) return;
    this.counters.writes++;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: CLIENT_META_KEY,
          UpdateExpression: 'SET #instant = :at',
          ConditionExpression: 'attribute_not_exists(#instant) OR #instant > :at',
          ExpressionAttributeNames: { '#instant': instant },
          ExpressionAttributeValues: { ':at': at },
        }),
      );
      this.knownEarliest.set(instant, Promise.resolve(at));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      // Another writer recorded an earlier instant: learn it on the next call.
      this.knownEarliest.delete(instant);
    }
  }

  async putPacketSnapshot(snapshot: PacketSnapshot, replace: boolean): Promise<'new' | 'exists'> {
    const item = {
      pk: partitionKey.packet(snapshot.cadence, snapshot.periodStart),
      sk: 'packet',
      cadence: snapshot.cadence,
      periodStart: snapshot.periodStart,
      builtAt: snapshot.builtAt,
      packet: gzipSync(snapshot.packet),
      ...(snapshot.web ? { webToken: snapshot.web.token, webExpiresAt: snapshot.web.expiresAt } : {}),
    };
    if (replace) {
      this.counters.writes++;
      await this.documents.send(new PutCommand({ TableName: this.tableName, Item: item }));
      return 'new';
    }
    return (await this.putWhen(item, null)) ? 'new' : 'exists';
  }

  async getPacketSnapshot(cadence: string, periodStart: string): Promise<PacketSnapshot | undefined> {
    const answer = await this.documents.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: partitionKey.packet(cadence, periodStart), sk: 'packet' },
      }),
    );
    if (!answer.Item) return undefined;
    this.counters.itemsRead++;
    return snapshotOf(answer.Item);
  }

  async expireWebLink(cadence: string, periodStart: string, at: number): Promise<boolean> {
    this.counters.writes++;
    return conditionHeld(
      this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: partitionKey.packet(cadence, periodStart), sk: 'packet' },
          UpdateExpression: 'SET webExpiresAt = :at',
          // Only a snapshot that has a link; never creates an item.
          ConditionExpression: 'attribute_exists(webToken)',
          ExpressionAttributeValues: { ':at': at },
        }),
      ),
    );
  }

  async getPacketSnapshots(cadence: string, periodStarts: readonly string[]): Promise<PacketSnapshot[]> {
    const found: PacketSnapshot[] = [];
    const keys = [...new Set(periodStarts)].map((start) => ({
      pk: partitionKey.packet(cadence, start),
      sk: 'packet',
    }));
    for await (const item of this.batchGet(keys)) found.push(snapshotOf(item));
    return found.sort((a, b) => (a.periodStart < b.periodStart ? -1 : 1));
  }

  async recordDefinitions(version: string, at: number): Promise<DefinitionsRecord[]> {
    const known: DefinitionsRecord[] = [];
    for await (const item of this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partitionKey.definitions() },
    })) {
      known.push({ version: item.sk as string, since: item.since as number });
    }
    if (!known.some((record) => record.version === version)) {
      await this.putWhen({ pk: partitionKey.definitions(), sk: version, since: at }, null);
      known.push({ version, since: at });
    }
    return known.sort((a, b) => a.since - b.since || (a.version < b.version ? -1 : 1));
  }

  async claimMail(mail: MailKey, at: number): Promise<'claimed' | MailState> {
    this.counters.writes++;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: mailKey(mail),
          UpdateExpression:
            'SET #state = :sending, attempts = if_not_exists(attempts, :zero) + :one, updatedAt = :at',
          ConditionExpression: 'attribute_not_exists(pk) OR #state = :failed',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':sending': 'sending',
            ':failed': 'failed',
            ':zero': 0,
            ':one': 1,
            ':at': at,
          },
        }),
      );
      return 'claimed';
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const answer = await this.documents.send(
        new GetCommand({ TableName: this.tableName, Key: mailKey(mail) }),
      );
      this.counters.itemsRead++;
      return (answer.Item?.state as MailState | undefined) ?? 'sending';
    }
  }

  async finishMail(
    mail: MailKey,
    outcome: { state: 'sent' | 'failed' | 'failed-permanent'; detail: string; at: number },
  ): Promise<void> {
    this.counters.writes++;
    await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: mailKey(mail),
        UpdateExpression: 'SET #state = :state, detail = :detail, updatedAt = :at',
        ExpressionAttributeNames: { '#state': 'state' },
        ExpressionAttributeValues: { ':state': outcome.state, ':detail': outcome.detail, ':at': outcome.at },
      }),
    );
  }

  async mailsOf(packet: Omit<MailKey, 'recipientHash'>): Promise<MailRecord[]> {
    const records: MailRecord[] = [];
    for await (const item of this.query({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': partitionKey.mail(packet.cadence, packet.periodStart) },
    })) {
      records.push({
        cadence: packet.cadence,
        periodStart: packet.periodStart,
        recipientHash: item.sk as string,
        state: item.state as MailState,
        attempts: item.attempts as number,
        detail: item.detail as string | undefined,
        updatedAt: item.updatedAt as number,
      });
    }
    return records;
  }

  /** Buffered source notes (per source) and the receipt time of each source's last marker write. */
  private readonly sourceNotes = new Map<SourceName, SourceNotes>();
  private readonly markerWrittenAt = new Map<SourceName, number>();

  async noteSourceDelivery(note: SourceDeliveryNote): Promise<void> {
    const notes = this.sourceNotes.get(note.source) ?? {
      byDay: { accepted: new Map<string, number>(), quarantined: new Map<string, number>() },
      lastDeliveryAt: note.receivedAt,
    };
    const byDay = notes.byDay[note.outcome];
    byDay.set(note.day, (byDay.get(note.day) ?? 0) + 1);
    notes.lastDeliveryAt = Math.max(notes.lastDeliveryAt, note.receivedAt);
    if (note.newestEventAt !== undefined) {
      notes.lastEventAt = Math.max(notes.lastEventAt ?? note.newestEventAt, note.newestEventAt);
    }
    this.sourceNotes.set(note.source, notes);
    // Measured on receipt times, not the wall clock, so simulated deliveries (tests, the demo)
    // are paced as live ones would be.
    const writtenAt = this.markerWrittenAt.get(note.source);
    if (writtenAt !== undefined && note.receivedAt - writtenAt < MARKER_INTERVAL_MS) return;
    await this.writeSourceMarker(note.source);
  }

  async flushSourceNotes(): Promise<void> {
    await Promise.all([...this.sourceNotes.keys()].map((source) => this.writeSourceMarker(source)));
  }

  /**
   * Writes what is buffered for a source onto its marker: the counters are added, the times set
   * only when they are not older than the stored ones (another container may have written a later
   * delivery first); when they are, the counters alone are added, so no count is lost.
   */
  private async writeSourceMarker(source: SourceName): Promise<void> {
    const notes = this.sourceNotes.get(source);
    if (!notes) return;
    // Taken out before the first await: a concurrent note starts a new buffer and does not write
    // the same counts twice.
    this.sourceNotes.delete(source);
    const previousWrite = this.markerWrittenAt.get(source);
    this.markerWrittenAt.set(source, Math.max(previousWrite ?? notes.lastDeliveryAt, notes.lastDeliveryAt));
    const names: Record<string, string> = {};
    const counts: Record<string, number> = {};
    const adds: string[] = [];
    for (const outcome of ['accepted', 'quarantined'] as const) {
      for (const [day, count] of notes.byDay[outcome]) {
        const at = adds.length;
        names[`#n${at}`] = `${outcome}_${day}`;
        counts[`:n${at}`] = count;
        adds.push(`#n${at} :n${at}`);
      }
    }
    const sets = ['lastDeliveryAt = :d'];
    const times: Record<string, number> = { ':d': notes.lastDeliveryAt };
    if (notes.lastEventAt !== undefined) {
      sets.push('lastEventAt = :e');
      times[':e'] = notes.lastEventAt;
    }
    const update = (withTimes: boolean) => {
      this.counters.writes++;
      return this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: sourceMarkerKey(source),
          UpdateExpression: `${withTimes ? `SET ${sets.join(', ')} ` : ''}ADD ${adds.join(', ')}`,
          ConditionExpression: withTimes
            ? 'attribute_not_exists(lastDeliveryAt) OR lastDeliveryAt <= :d'
            : undefined,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: withTimes ? { ...counts, ...times } : counts,
        }),
      );
    };
    try {
      try {
        await update(true);
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
        await update(false);
      }
    } catch (error) {
      // Counted again on the next write: a failed write loses no delivery.
      this.restoreSourceNotes(source, notes);
      if (previousWrite === undefined) this.markerWrittenAt.delete(source);
      else this.markerWrittenAt.set(source, previousWrite);
      throw error;
    }
  }

  private restoreSourceNotes(source: SourceName, failed: SourceNotes): void {
    const current = this.sourceNotes.get(source);
    if (!current) {
      this.sourceNotes.set(source, failed);
      return;
    }
    for (const outcome of ['accepted', 'quarantined'] as const) {
      for (const [day, count] of failed.byDay[outcome]) {
        current.byDay[outcome].set(day, (current.byDay[outcome].get(day) ?? 0) + count);
      }
    }
    current.lastDeliveryAt = Math.max(current.lastDeliveryAt, failed.lastDeliveryAt);
    if (failed.lastEventAt !== undefined) {
      current.lastEventAt = Math.max(current.lastEventAt ?? failed.lastEventAt, failed.lastEventAt);
    }
  }

  async sourceActivity(sources: readonly SourceName[]): Promise<SourceActivity[]> {
    const found = new Map<string, Record<string, unknown>>();
    const unique = [...new Set(sources)];
    for await (const item of this.batchGet(unique.map(sourceMarkerKey))) found.set(item.pk as string, item);
    return sources.map((source) => {
      const item = found.get(partitionKey.source(source)) ?? {};
      const activity: SourceActivity = { source, acceptedByDay: {}, quarantinedByDay: {} };
      if (typeof item.lastDeliveryAt === 'number') activity.lastDeliveryAt = item.lastDeliveryAt;
      if (typeof item.lastEventAt === 'number') activity.lastEventAt = item.lastEventAt;
      for (const [name, value] of Object.entries(item)) {
        const counter = DAY_COUNTER.exec(name);
        if (!counter || typeof value !== 'number') continue;
        const [, outcome, day] = counter as unknown as [string, 'accepted' | 'quarantined', string];
        activity[outcome === 'accepted' ? 'acceptedByDay' : 'quarantinedByDay'][day] = value;
      }
      return activity;
    });
  }

  async recordHold(hold: Omit<PacketHold, 'released'>): Promise<PacketHold> {
    const key = holdKey(hold.cadence, hold.periodStart);
    const item = {
      ...key,
      cadence: hold.cadence,
      periodStart: hold.periodStart,
      since: hold.since,
      checkedAt: hold.checkedAt,
      reasons: hold.reasons,
    };
    if (await this.putWhen(item, null)) return { ...hold, reasons: [...hold.reasons] };
    // Held before: only this check is recorded; `since` and a release stay as they are.
    this.counters.writes++;
    const answer = await this.documents.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: key,
        UpdateExpression: 'SET checkedAt = :checked, reasons = :reasons',
        ExpressionAttributeValues: { ':checked': hold.checkedAt, ':reasons': hold.reasons },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return holdOf(answer.Attributes ?? item);
  }

  async getHold(cadence: string, periodStart: string): Promise<PacketHold | undefined> {
    const answer = await this.documents.send(
      new GetCommand({ TableName: this.tableName, Key: holdKey(cadence, periodStart) }),
    );
    if (!answer.Item) return undefined;
    this.counters.itemsRead++;
    return holdOf(answer.Item);
  }

  async releaseHold(
    cadence: string,
    periodStart: string,
    released: NonNullable<PacketHold['released']>,
  ): Promise<void> {
    this.counters.writes++;
    try {
      await this.documents.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: holdKey(cadence, periodStart),
          UpdateExpression: 'SET released = :released',
          // Never creates a hold that was not recorded, and keeps the first release.
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(released)',
          ExpressionAttributeValues: { ':released': released },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

function holdOf(item: Record<string, unknown>): PacketHold {
  const hold: PacketHold = {
    cadence: item.cadence as string,
    periodStart: item.periodStart as string,
    since: item.since as number,
    checkedAt: item.checkedAt as number,
    reasons: [...((item.reasons as string[] | undefined) ?? [])],
  };
  if (item.released !== undefined) hold.released = item.released as NonNullable<PacketHold['released']>;
  return hold;
}

function mailKey(mail: MailKey) {
  return { pk: partitionKey.mail(mail.cadence, mail.periodStart), sk: mail.recipientHash };
}

function deliveryFrom(item: Record<string, unknown>): RawDelivery | QuarantinedDelivery {
  const { pk: _pk, sk: _sk, g1pk: _g1pk, g1sk: _g1sk, body, ...rest } = item;
  return { ...(rest as Omit<RawDelivery, 'body'>), body: gunzipSync(body as Uint8Array).toString('utf8') };
}

/**
 * Yields the items of several async iterables as each produces them, asking each for its next
 * item only once the previous one was taken (so a slow consumer holds at most one page per source).
 */
async function* mergeAsync<T>(sources: readonly AsyncIterable<T>[]): AsyncIterable<T> {
  const iterators = sources.map((source) => source[Symbol.asyncIterator]());
  const pending = new Map<number, Promise<{ index: number; result: IteratorResult<T> }>>();
  const pull = (index: number) => {
    const iterator = iterators[index] as AsyncIterator<T>;
    pending.set(
      index,
      iterator.next().then((result) => ({ index, result })),
    );
  };
  for (const index of iterators.keys()) pull(index);
  try {
    while (pending.size > 0) {
      const { index, result } = await Promise.race(pending.values());
      if (result.done) {
        pending.delete(index);
        continue;
      }
      pull(index);
      yield result.value;
    }
  } finally {
    // Stopped early (a consumer's break or an error): the requests in flight are let finish (a
    // failure among them is not left unhandled) and the other sources are closed.
    const open = [...pending.keys()];
    await Promise.allSettled(pending.values());
    await Promise.allSettled(open.map((index) => iterators[index]?.return?.()));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function snapshotOf(item: Record<string, unknown>): PacketSnapshot {
  const { cadence, periodStart, builtAt, packet, webToken, webExpiresAt } = item;
  return {
    cadence: cadence as string,
    periodStart: periodStart as string,
    builtAt: builtAt as number,
    packet: gunzipSync(packet as Uint8Array).toString('utf8'),
    ...(typeof webToken === 'string' && typeof webExpiresAt === 'number'
      ? { web: { token: webToken, expiresAt: webExpiresAt } }
      : {}),
  };
}
