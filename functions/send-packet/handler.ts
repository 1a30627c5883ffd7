import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { SesMailer } from '#shared/adapters/ses-mailer.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { clientConfigFromEnvironment, requiredEnvironment } from '../lib/environment.ts';
import { observability } from '../lib/observability.ts';
import { createSendPacketHandler } from './app.ts';

// Built once per container. SES throttling and 5xx are retried by the client with backoff.
const tools = observability('samepage-send-packet');
const config = clientConfigFromEnvironment();
const store = new DynamoDbStore(new DynamoDBClient({}), requiredEnvironment('TABLE_NAME'));
const mailer = new SesMailer(new SESClient({ maxAttempts: 6, retryMode: 'adaptive' }));

export const handler = createSendPacketHandler({ config, store, mailer, clock: systemClock }, tools);
