import { gunzipSync } from 'node:zlib';
import { type AttributeValue, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { LOCAL_TABLE_NAME, type Twin } from '#local/twin.ts';
import { ENTITY_TYPES, type EntityType } from '#shared/model/events.ts';
import type { QuarantinedDelivery, RawDelivery } from '#shared/ports/store.ts';
import type { EntityState } from '#shared/projection/state.ts';

const ALL_TIME = { from: Date.UTC(2020, 0, 1), to: Date.UTC(2030, 0, 1) };

export async function allRaw(twin: Twin): Promise<RawDelivery[]> {
  const found: RawDelivery[] = [];
  for await (const raw of twin.store.rawDeliveries(ALL_TIME)) found.push(raw);
  return found;
}

export async function allQuarantined(twin: Twin): Promise<QuarantinedDelivery[]> {
  const found: QuarantinedDelivery[] = [];
  for await (const item of twin.store.quarantinedDeliveries(ALL_TIME)) found.push(item);
  return found;
}

/**
 * Every item in the table as text (gzipped bodies unpacked). Tests may Scan to check what was
 * written anywhere; the product itself never scans.
 */
export async function everyStoredText(twin: Twin): Promise<string[]> {
  const texts: string[] = [];
  let start: Record<string, import('@aws-sdk/client-dynamodb').AttributeValue> | undefined;
  do {
    const page = await twin.dynamo.client.send(
      new ScanCommand({ TableName: LOCAL_TABLE_NAME, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const plain = unmarshall(item);
      if (plain.body instanceof Uint8Array) plain.body = gunzipSync(plain.body).toString('utf8');
      texts.push(JSON.stringify(plain));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return texts;
}

/** Every projected entity state, by key (a test may Scan to see everything written). */
export async function allStates(twin: Twin): Promise<Record<string, unknown>> {
  const states: Record<string, unknown> = {};
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await twin.dynamo.client.send(
      new ScanCommand({ TableName: LOCAL_TABLE_NAME, ExclusiveStartKey: start }),
    );
    for (const item of page.Items ?? []) {
      const plain = unmarshall(item);
      if (plain.sk === 'state') states[String(plain.pk)] = JSON.parse(String(plain.state));
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return states;
}

/**
 * Every projected entity, by type. A test reads them all by Scan: the product lists only what a
 * packet needs (contacts and deals are not listed by creation).
 */
export async function statesByEntity(twin: Twin): Promise<Record<EntityType, EntityState[]>> {
  const found = Object.fromEntries(ENTITY_TYPES.map((entity) => [entity, [] as EntityState[]])) as Record<
    EntityType,
    EntityState[]
  >;
  for (const state of Object.values(await allStates(twin)) as EntityState[]) found[state.entity].push(state);
  return found;
}
