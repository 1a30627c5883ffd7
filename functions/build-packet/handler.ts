import '../lib/zod-jitless.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { EventBridgePublisher } from '#shared/adapters/eventbridge-publisher.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { serviceName } from '../lib/custom-metrics.ts';
import { clientConfigFromEnvironment, requiredEnvironment } from '../lib/environment.ts';
import { observability } from '../lib/observability.ts';
import { createBuildPacketHandler } from './app.ts';

// Built once per container.
const tools = observability(serviceName('build-packet'));
const config = clientConfigFromEnvironment();
const store = new DynamoDbStore(new DynamoDBClient({}), requiredEnvironment('TABLE_NAME'));
const publisher = new EventBridgePublisher(new EventBridgeClient({}), requiredEnvironment('EVENT_BUS_NAME'));

export const handler = createBuildPacketHandler({ config, store, publisher, clock: systemClock }, tools);
