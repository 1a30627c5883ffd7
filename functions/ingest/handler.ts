import '../lib/zod-jitless.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { SsmParameterSecrets } from '#shared/adapters/ssm-parameters.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { CachedSecrets } from '#shared/ports/secrets.ts';
import { serviceName } from '../lib/custom-metrics.ts';
import { clientConfigFromEnvironment, requiredEnvironment } from '../lib/environment.ts';
import { observability } from '../lib/observability.ts';
import { createIngestHandler } from './app.ts';

// Built once per container: the config, the clients and the secret cache outlive one delivery.
const tools = observability(serviceName('ingest'));
const config = clientConfigFromEnvironment();
const store = new DynamoDbStore(new DynamoDBClient({}), requiredEnvironment('TABLE_NAME'));
const secrets = new CachedSecrets(new SsmParameterSecrets(new SSMClient({})));

export const handler = createIngestHandler({ config, store, secrets, clock: systemClock }, tools);
