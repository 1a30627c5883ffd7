import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  PutCommand,
  paginateQuery,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { partitionKey, tableIndex } from '../store/table.ts';
import { conditionHeld, DynamoDbStore, monthsOf, receiptMonthPartition } from './dynamodb-store.ts';

/**
 * Where the migration starts looking for items of the older layout: they are found by receipt
 * month, and a month with nothing in it costs one small Query, so it looks from long before any
 * client (a delivery received before its first fact, or one whose events all failed, is found too).
 */
const LEGACY_FIRST_RECEIPT = Date.UTC(2000, 0, 1);
/** Receipt months read at once. */
const MONTHS_IN_FLIGHT = 12;

/** Raw deliveries of the layout before issue 21 remain: replay, forget and minimize cannot read them. */
export class OlderTableLayoutError extends Error {
  override readonly name = 'OlderTableLayoutError';
  constructor(readonly tableName: string) {
    super(
      `${tableName} still holds raw deliveries kept before issue 21, which replay, forget and minimize cannot read yet: run samepage migrate-table first (README: "Upgrading a deployed client")`,
    );
  }
}

/**
 * Throws OlderTableLayoutError when raw deliveries of the layout before issue 21 remain. They are
 * looked for by receipt month from the client's first fact (a delivery is received after the facts
 * it carries), one small Query per month, so the check costs about a read unit per year of history.
 */
export async function assertCurrentLayout(
  client: DynamoDBClient,
  tableName: string,
  now: number,
): Promise<void> {
  const firstFactAt = await new DynamoDbStore(client, tableName).firstFactAt();
  if (firstFactAt === undefined) return;
  const documents = DynamoDBDocumentClient.from(client);
  const months = monthsOf({ from: firstFactAt, to: now + 1 });
  if ((await firstReceived(documents, tableName, 'raw', months)) !== undefined) {
    throw new OlderTableLayoutError(tableName);
  }
}

export interface LayoutMigrationReport {
  /** Raw deliveries of the older layout found (each is in its shard afterwards, the old item gone). */
  rawFound: number;
  /** Of those, already in their shard (a run stopped half-way, or the same bytes arrived again). */
  rawAlreadyInShard: number;
  /** The earliest quarantined delivery's receipt, recorded for erasure and minimising. */
  firstQuarantinedAt?: number;
  monthsRead: number;
}

/**
 * Brings a table written before issue 21 to the current layout (shared/store/table.ts), and does
 * nothing to a table already there, so it can be run again at any time:
 *
 * - raw deliveries at `raw#<deliveryKey>` / `raw`, found through their byCreated receipt-month
 *   partitions, are put in their shard (kept as they are, body included) and then deleted. When
 *   the shard already holds the key (the same bytes delivered again after the deploy), its body
 *   stays (it may have been erased from since) and only the earlier receipt time is taken: the
 *   first receipt is the one of record. A run stopped between the put and the delete finds the
 *   old item again and deletes it.
 * - the earliest quarantined receipt is recorded on the client's meta item (ingest keeps it from
 *   now on), so erasure and minimising read quarantine from there instead of from 2000.
 *
 * Entity items are left as they are. Contacts and deals written before keep their byCreated keys
 * and forms and activities their byOwner attributes until each is next written (a new version
 * carries neither): no read uses them, the byOwner index is gone with the deploy, and rewriting
 * every item now would cost a table write and an index write per entity to save a little index
 * storage.
 */
export async function migrateTableLayout(
  client: DynamoDBClient,
  tableName: string,
  options: { now: number; onProgress?: (report: LayoutMigrationReport) => void },
): Promise<LayoutMigrationReport> {
  const documents = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  const months = monthsOf({ from: LEGACY_FIRST_RECEIPT, to: options.now + 1 });
  const report: LayoutMigrationReport = { rawFound: 0, rawAlreadyInShard: 0, monthsRead: 0 };
  const created = tableIndex('byCreated');

  const moveMonth = async (month: string) => {
    for await (const page of paginateQuery(
      { client: documents },
      {
        TableName: tableName,
        IndexName: created.name,
        KeyConditionExpression: '#pk = :pk',
        ExpressionAttributeNames: { '#pk': created.partition },
        ExpressionAttributeValues: { ':pk': receiptMonthPartition('raw', month) },
      },
    )) {
      for (const item of page.Items ?? []) await moveRawItem(documents, tableName, item, report);
      options.onProgress?.(report);
    }
    report.monthsRead++;
  };
  for (let start = 0; start < months.length; start += MONTHS_IN_FLIGHT) {
    await Promise.all(months.slice(start, start + MONTHS_IN_FLIGHT).map(moveMonth));
  }

  // The receipt time of the earliest quarantined delivery: the first month with one, its first item.
  const firstQuarantinedAt = (await firstReceived(documents, tableName, 'quarantine', months))?.receivedAt as
    | number
    | undefined;
  if (firstQuarantinedAt !== undefined) {
    await new DynamoDbStore(client, tableName).noteEarliest('firstQuarantinedAt', firstQuarantinedAt);
    report.firstQuarantinedAt = firstQuarantinedAt;
  }
  return report;
}

async function moveRawItem(
  documents: DynamoDBDocumentClient,
  tableName: string,
  item: Record<string, unknown>,
  report: LayoutMigrationReport,
): Promise<void> {
  const created = tableIndex('byCreated');
  const {
    pk,
    sk,
    [created.partition]: _partition,
    [created.sort]: _sort,
    ...delivery
  } = item as Record<string, unknown> & { pk: string; sk: string };
  const deliveryKey = delivery.deliveryKey;
  const receivedAt = delivery.receivedAt;
  if (typeof deliveryKey !== 'string' || typeof receivedAt !== 'number') {
    throw new Error(`a raw delivery item without its key or receipt time: ${pk} / ${sk}`);
  }
  report.rawFound++;
  const shardKey = { pk: partitionKey.raw(deliveryKey), sk: deliveryKey };
  const moved = await conditionHeld(
    documents.send(
      new PutCommand({
        TableName: tableName,
        Item: { ...delivery, ...shardKey },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    ),
  );
  if (!moved) {
    report.rawAlreadyInShard++;
    await conditionHeld(
      documents.send(
        new UpdateCommand({
          TableName: tableName,
          Key: shardKey,
          UpdateExpression: 'SET receivedAt = :receivedAt',
          ConditionExpression: 'receivedAt > :receivedAt',
          ExpressionAttributeValues: { ':receivedAt': receivedAt },
        }),
      ),
    );
  }
  await documents.send(new DeleteCommand({ TableName: tableName, Key: { pk, sk } }));
}

/**
 * The first item of the first receipt month (of `months`, oldest first) that holds a delivery of
 * this kind in the byCreated index, or undefined: a few months at once, one item each.
 */
async function firstReceived(
  documents: DynamoDBDocumentClient,
  tableName: string,
  kind: 'raw' | 'quarantine',
  months: readonly string[],
): Promise<Record<string, unknown> | undefined> {
  const { name, partition } = tableIndex('byCreated');
  for (let start = 0; start < months.length; start += MONTHS_IN_FLIGHT) {
    const firsts = await Promise.all(
      months.slice(start, start + MONTHS_IN_FLIGHT).map(async (month) => {
        const answer = await documents.send(
          new QueryCommand({
            TableName: tableName,
            IndexName: name,
            KeyConditionExpression: '#pk = :pk',
            ExpressionAttributeNames: { '#pk': partition },
            ExpressionAttributeValues: { ':pk': receiptMonthPartition(kind, month) },
            Limit: 1,
          }),
        );
        return answer.Items?.[0];
      }),
    );
    const found = firsts.find((first) => first !== undefined);
    if (found !== undefined) return found;
  }
  return undefined;
}
