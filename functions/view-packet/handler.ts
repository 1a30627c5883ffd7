import '../lib/zod-jitless.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { serviceName } from '../lib/custom-metrics.ts';
import { clientConfigFromEnvironment, requiredEnvironment } from '../lib/environment.ts';
import { observability } from '../lib/observability.ts';
import { createViewPacketHandler } from './app.ts';

// Built once per container: the config and the client outlive one request.
const tools = observability(serviceName('view-packet'));
const config = clientConfigFromEnvironment();
const store = new DynamoDbStore(new DynamoDBClient({}), requiredEnvironment('TABLE_NAME'));

export const handler = createViewPacketHandler({ config, store, clock: systemClock }, tools);
