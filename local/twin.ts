import { createIngestHandler } from '#functions/ingest/app.ts';
import { observability } from '#functions/lib/observability.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { SesMailer } from '#shared/adapters/ses-mailer.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { SendDeps } from '#shared/email/send.ts';
import { type Clock, systemClock } from '#shared/ports/clock.ts';
import { EnvironmentSecrets, type Secrets } from '#shared/ports/secrets.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from './dynamodb.ts';
import { startWebhookServer, type WebhookServer } from './http-server.ts';
import { OutboxMailer, writeRendered } from './outbox.ts';
import { type LocalSes, startLocalSes } from './ses.ts';

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
  /** Start the SES emulator and keep sent mail in this outbox folder (no mail when absent). */
  outbox?: string;
}

export interface Twin {
  config: ClientConfig;
  dynamo: LocalDynamo;
  store: DynamoDbStore;
  secrets: Secrets;
  server?: WebhookServer;
  mail?: { ses: LocalSes; mailer: OutboxMailer; outbox: string };
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
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    const handler = createIngestHandler(
      { config: options.config, store, secrets, clock },
      observability('samepage-ingest'),
    );
    server = await startWebhookServer(handler, options.port);
  }
  let mail: Twin['mail'];
  if (options.outbox !== undefined) {
    const ses = await startLocalSes();
    mail = { ses, mailer: new OutboxMailer(new SesMailer(ses.client)), outbox: options.outbox };
  }
  return {
    config: options.config,
    dynamo,
    store,
    secrets,
    server,
    mail,
    close: async () => {
      await server?.close();
      try {
        // What the markers have buffered since their last write, before the table goes away.
        await store.flushSourceNotes();
      } finally {
        await mail?.ses.close();
        await dynamo.close();
      }
    },
  };
}

/** The send step's dependencies on the twin: the emulator's SES client, with every mail kept in outbox/. */
export function localSendDeps(twin: Twin, clock: Clock = systemClock): SendDeps {
  const mail = twin.mail;
  if (!mail) throw new Error('the twin was started without mail (pass outbox)');
  return {
    config: twin.config,
    store: twin.store,
    mailer: mail.mailer,
    clock,
    onRendered: async (packet, rendered) => {
      mail.mailer.currentDir = await writeRendered(mail.outbox, packet, rendered);
    },
  };
}
