import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { TABLE_INDEXES } from '#shared/store/table.ts';

/** What a DynamoDB client asked for and what DynamoDB (dynalite) said it consumed. */
export interface DynamoMeter {
  requests: Record<string, number>;
  readUnits: number;
  /** Table write units, as dynalite reports them. */
  writeUnits: number;
  /**
   * Index write units dynalite does not report, priced by AWS's rules: each index whose keys the
   * put item has costs the item's size in 1 KB units; twice for a replaced item (its old index entry
   * deleted, the new one put, when a key changed — counted as always, an upper bound).
   */
  indexWriteUnits: number;
  /** Bytes the puts left stored: item plus one copy per index (projection ALL) plus 100 B each. */
  storedBytes: number;
  /** The reads asked for, as attribute values (first pages of queries only), for bench/support/bare-read.ts. */
  reads: RecordedRead[];
  reset(): void;
}

/** One read request, kept so the same reads can be replayed bare (bench/support/bare-read.ts). */
export interface RecordedRead {
  command: 'QueryCommand' | 'BatchGetItemCommand' | 'GetItemCommand';
  input: Record<string, unknown>;
}

/** The partition key attribute of each index the table has: an item with it is in that index. */
const INDEX_KEYS = TABLE_INDEXES.map((index) => index.partition);

/** An item's size as DynamoDB counts it, close enough for pricing: names plus values. */
export function itemBytes(value: unknown): number {
  if (typeof value === 'string') return Buffer.byteLength(value, 'utf8');
  if (typeof value === 'number') return Math.ceil(String(value).length / 2) + 1;
  if (typeof value === 'boolean' || value === null || value === undefined) return 1;
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) return 3 + value.reduce((sum: number, entry) => sum + 1 + itemBytes(entry), 0);
  return (
    3 +
    Object.entries(value as Record<string, unknown>).reduce(
      (sum, [name, entry]) => sum + Buffer.byteLength(name, 'utf8') + itemBytes(entry),
      0,
    )
  );
}

interface Capacity {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

const READS = new Set(['GetItemCommand', 'BatchGetItemCommand', 'QueryCommand', 'ScanCommand']);

/**
 * Asks for ReturnConsumedCapacity on every command the client sends and adds up the answers.
 * The bench owns its client, so the meter sees only the store's requests. dynalite reports the
 * table's units only; the index writes are priced from item counts in the cost model.
 */
export function meterDynamo(client: DynamoDBClient): DynamoMeter {
  const meter: DynamoMeter = {
    requests: {},
    readUnits: 0,
    writeUnits: 0,
    indexWriteUnits: 0,
    storedBytes: 0,
    reads: [],
    reset() {
      meter.reads = [];
      meter.requests = {};
      meter.readUnits = 0;
      meter.writeUnits = 0;
      meter.indexWriteUnits = 0;
      meter.storedBytes = 0;
    },
  };
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      meter.requests[name] = (meter.requests[name] ?? 0) + 1;
      Object.assign(args.input as object, { ReturnConsumedCapacity: 'TOTAL' });
      const item =
        name === 'PutCommand' || name === 'PutItemCommand'
          ? (args.input as { Item?: Record<string, unknown> }).Item
          : undefined;
      if (item) {
        const bytes = itemBytes(item);
        const indexes = INDEX_KEYS.filter((key) => item[key] !== undefined).length;
        const replaced = typeof item.version === 'number' && item.version > 1;
        meter.indexWriteUnits += indexes * Math.ceil(bytes / 1024) * (replaced ? 2 : 1);
        if (!replaced) meter.storedBytes += bytes * (1 + indexes) + 100 * indexes;
      }
      const result = await next(args);
      const consumed = (result.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
      const units = [consumed ?? []].flat().reduce((sum, capacity) => sum + (capacity.CapacityUnits ?? 0), 0);
      if (READS.has(name)) meter.readUnits += units;
      else meter.writeUnits += units;
      return result;
    },
    { step: 'initialize', name: 'benchCapacityMeter' },
  );
  // After serialization, where a document client's input has been converted to attribute values
  // as the low-level client's is: both replay alike.
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const name = context.commandName ?? 'unknown';
      const input = args.input as Record<string, unknown>;
      if (
        (name === 'QueryCommand' && input.ExclusiveStartKey === undefined) ||
        name === 'BatchGetItemCommand' ||
        name === 'GetItemCommand'
      ) {
        const { ReturnConsumedCapacity: _metered, ...asked } = input;
        meter.reads.push({ command: name, input: structuredClone(asked) });
      }
      return next(args);
    },
    { step: 'build', name: 'benchReadRecorder' },
  );
  return meter;
}
