import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { storyDeliveries } from '#local/generator/deliveries.ts';
import { generateStory, type StoryTruth } from '#local/generator/story.ts';
import { LOCAL_TABLE_NAME, type Twin } from '#local/twin.ts';
import { entityItem } from '#shared/adapters/dynamodb-store.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type CanonicalEvent, entityKey } from '#shared/model/events.ts';
import { emailHasher } from '#shared/privacy.ts';
import { indexTimes } from '#shared/projection/index-times.ts';
import { applyEvents, type EntityState } from '#shared/projection/state.ts';
import { adapterFor } from '#shared/sources/registry.ts';
import { DEMO_SECRETS, DEMO_SENDER_SECRETS } from '../../cli/demo-secrets.ts';

/** Roughly how many canonical events the demo story makes per contact (measured: 8.4). */
export const EVENTS_PER_CONTACT = 8.4;

export interface Dataset {
  truth: StoryTruth;
  deliveries: number;
  events: number;
  states: EntityState[];
}

/**
 * A generated client at scale: the demo story's signed deliveries, parsed by the same adapters
 * the ingest handler uses and projected in memory with the same `applyEvents`. Going through
 * HTTP would measure ingest again (bench/ingest.ts does) and take hours at 1M events.
 */
/** `contacts` undefined: the demo's own size (what `npm run demo` generates). */
export function generateDataset(config: ClientConfig, contacts: number | undefined, asOf: Date): Dataset {
  // With the deals' forecast fields (close date, probability, category), as the demo sends them.
  const story = generateStory({
    seed: 42,
    asOf,
    config,
    forecast: true,
    ...(contacts === undefined ? {} : { contacts }),
  });
  const deliveries = storyDeliveries(story, {
    baseUrl: 'http://bench.invalid',
    config,
    secrets: DEMO_SENDER_SECRETS,
  });
  const hashEmail = emailHasher(DEMO_SECRETS['demo/email-hash-key'] as string);
  const byEntity = new Map<string, CanonicalEvent[]>();
  let events = 0;
  for (const delivery of deliveries) {
    if (delivery.expect !== 'accepted') continue;
    const adapter = adapterFor(delivery.source);
    if (!adapter) throw new Error(`the story used a source samepage does not know: ${delivery.source}`);
    const parsed = adapter.parse(delivery.body, { config, hashEmail, receivedAt: delivery.at });
    events += parsed.events.length;
    for (const event of parsed.events) {
      const key = entityKey(event);
      const list = byEntity.get(key);
      if (list) list.push(event);
      else byEntity.set(key, [event]);
    }
  }
  const states = [...byEntity.values()].map((list) => applyEvents(undefined, list));
  return { truth: story.truth, deliveries: deliveries.length, events, states };
}

/**
 * Bulk-loads projected states as BatchWriteItem requests of 25 items, with the same item layout
 * (`entityItem`) the store writes live. One PutItem per entity through the SDK costs more client
 * CPU than dynalite itself, and 1M events would take most of the bench's 15 minutes.
 */
export async function loadStates(
  twin: Twin,
  config: ClientConfig,
  states: readonly EntityState[],
  concurrency = 8,
): Promise<void> {
  const documents = DynamoDBDocumentClient.from(twin.dynamo.client);
  let next = 0;
  const worker = async () => {
    while (next < states.length) {
      const batch = states.slice(next, next + BATCH_WRITE_LIMIT);
      next += BATCH_WRITE_LIMIT;
      let requests = batch.map((state) => ({
        PutRequest: { Item: { ...entityItem(state, indexTimes(state, config), 1) } },
      }));
      while (requests.length > 0) {
        const answer = await documents.send(
          new BatchWriteCommand({ RequestItems: { [LOCAL_TABLE_NAME]: requests } }),
        );
        requests = (answer.UnprocessedItems?.[LOCAL_TABLE_NAME] ?? []) as typeof requests;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const first = states.reduce(
    (earliest, state) => Math.min(earliest, state.firstAt),
    Number.POSITIVE_INFINITY,
  );
  await twin.store.noteFactTime(first);
}

const BATCH_WRITE_LIMIT = 25;
