import '../lib/zod-jitless.ts';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESClient } from '@aws-sdk/client-ses';
import { SSMClient } from '@aws-sdk/client-ssm';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { FetchChatPoster } from '#shared/adapters/fetch-chat-poster.ts';
import { SesMailer } from '#shared/adapters/ses-mailer.ts';
import { SsmParameterSecrets } from '#shared/adapters/ssm-parameters.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { CachedSecrets } from '#shared/ports/secrets.ts';
import { serviceName } from '../lib/custom-metrics.ts';
import { clientConfigFromEnvironment, requiredEnvironment } from '../lib/environment.ts';
import { observability } from '../lib/observability.ts';
import { createSendPacketHandler } from './app.ts';

// Built once per container. SES throttling and 5xx are retried by the client with backoff.
const tools = observability(serviceName('send-packet'));
const config = clientConfigFromEnvironment();
const store = new DynamoDbStore(new DynamoDBClient({}), requiredEnvironment('TABLE_NAME'));
const mailer = new SesMailer(new SESClient({ maxAttempts: 6, retryMode: 'adaptive' }));

// The chat webhooks' URLs are secrets (Slack and Teams treat the URL as the credential).
const chat = {
  secrets: new CachedSecrets(new SsmParameterSecrets(new SSMClient({}))),
  poster: new FetchChatPoster(),
};

// The API's URL: mails and chat posts link to each packet's web copy under it.
const webBaseUrl = process.env.WEB_BASE_URL;

export const handler = createSendPacketHandler(
  { config, store, mailer, clock: systemClock, chat, ...(webBaseUrl ? { webBaseUrl } : {}) },
  tools,
);
