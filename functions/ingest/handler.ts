import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { SecretsManagerSecrets } from '#shared/adapters/secrets-manager.ts';
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
const secrets = new CachedSecrets(new SecretsManagerSecrets(new SecretsManagerClient({})));

export const handler = createIngestHandler({ config, store, secrets, clock: systemClock }, tools);
