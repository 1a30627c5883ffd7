import { Logger } from '@aws-lambda-powertools/logger';
import { createIngestHandler } from '#functions/ingest/app.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type Clock, systemClock } from '#shared/ports/clock.ts';
import { EnvironmentSecrets, type Secrets } from '#shared/ports/secrets.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from './dynamodb.ts';
import { startWebhookServer, type WebhookServer } from './http-server.ts';

export const LOCAL_TABLE_NAME = 'samepage';

export interface TwinOptions {
  config: ClientConfig;
  /** Keep dynalite's data on disk here; in memory when absent. */
  dataDir?: string;
  port?: number;
  secrets?: Secrets;
  clock?: Clock;
  /** Start the webhook server (false: only the store, for CLI commands such as import). */
  serve?: boolean;
}

export interface Twin {
  config: ClientConfig;
  dynamo: LocalDynamo;
  store: DynamoDbStore;
  secrets: Secrets;
  server?: WebhookServer;
  close(): Promise<void>;
}

/** The local twin: dynalite and the webhook server in this process, around the real ingest handler. */
export async function startTwin(options: TwinOptions): Promise<Twin> {
  const dynamo = await startLocalDynamo({ path: options.dataDir });
  await ensureTable(dynamo.client, LOCAL_TABLE_NAME);
  const store = new DynamoDbStore(dynamo.client, LOCAL_TABLE_NAME);
  const secrets = options.secrets ?? new EnvironmentSecrets();
  const clock = options.clock ?? systemClock;
  let server: WebhookServer | undefined;
  if (options.serve !== false) {
    // Powertools reads POWERTOOLS_LOG_LEVEL itself; locally a quiet default keeps the console readable.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    const logger = new Logger({ serviceName: 'samepage-ingest' });
    const handler = createIngestHandler({ config: options.config, store, secrets, clock }, logger);
    server = await startWebhookServer(handler, options.port);
  }
  return {
    config: options.config,
    dynamo,
    store,
    secrets,
    server,
    close: async () => {
      await server?.close();
      await dynamo.close();
    },
  };
}
