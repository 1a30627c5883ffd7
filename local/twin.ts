import { createIngestHandler } from '#functions/ingest/app.ts';
import { observability } from '#functions/lib/observability.ts';
import { createViewPacketHandler } from '#functions/view-packet/app.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { FetchChatPoster } from '#shared/adapters/fetch-chat-poster.ts';
import { SesMailer } from '#shared/adapters/ses-mailer.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { SendDeps } from '#shared/email/send.ts';
import { SecretNotFoundError } from '#shared/errors.ts';
import { type Clock, systemClock } from '#shared/ports/clock.ts';
import { EnvironmentSecrets, type Secrets } from '#shared/ports/secrets.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from './dynamodb.ts';
import { type ChatCapture, startWebhookServer, type WebhookServer } from './http-server.ts';
import { OutboxMailer, writeChatCapture, writeRendered } from './outbox.ts';
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
  /** What packets posted to the twin's chat capture endpoint (`POST /chat/{slack|teams}/{name}`). */
  chatCaptures: ChatCapture[];
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
  const chatCaptures: ChatCapture[] = [];
  if (options.serve !== false) {
    // Powertools reads POWERTOOLS_LOG_LEVEL itself; locally a quiet default keeps the console readable.
    process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
    process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
    const handler = createIngestHandler(
      { config: options.config, store, secrets, clock },
      observability('samepage-ingest'),
    );
    // The chat capture endpoint: what a packet posts to Slack or Teams goes to the outbox, or is
    // kept in memory when the twin has none.
    const onChat = async (capture: ChatCapture) => {
      chatCaptures.push(capture);
      if (options.outbox !== undefined)
        await writeChatCapture(options.outbox, options.config.client, capture);
    };
    const view = createViewPacketHandler(
      { config: options.config, store, clock },
      observability('samepage-view-packet'),
    );
    server = await startWebhookServer(handler, options.port, { onChat, view });
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
    chatCaptures,
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
export function localSendDeps(twin: Twin, clock: Clock = systemClock, webBaseUrl?: string): SendDeps {
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
    ...(twin.server
      ? {
          // Links in mails and chat posts open the web copy on this twin while it runs, or on the
          // twin the caller names (the demo's links open on `samepage serve --port 3000`).
          webBaseUrl: webBaseUrl ?? twin.server.url,
          chat: { secrets: new TwinChatSecrets(twin, twin.server.url), poster: new FetchChatPoster() },
        }
      : {}),
  };
}

/**
 * The twin's secrets, where a chat webhook without a value of its own points at the twin's
 * capture endpoint: `npm run demo` needs no Slack or Teams, and a developer who sets
 * SAMEPAGE_SECRET_<NAME> to a real webhook URL posts there instead.
 */
export class TwinChatSecrets implements Secrets {
  constructor(
    private readonly twin: Pick<Twin, 'config' | 'secrets'>,
    private readonly baseUrl: string,
  ) {}

  async get(name: string): Promise<string> {
    try {
      return await this.twin.secrets.get(name);
    } catch (error) {
      if (!(error instanceof SecretNotFoundError)) throw error;
      for (const kind of ['slack', 'teams'] as const) {
        const destination = this.twin.config.chat[kind].find((candidate) => candidate.webhook === name);
        if (destination) return `${this.baseUrl}/chat/${kind}/${encodeURIComponent(destination.name)}`;
      }
      throw error;
    }
  }
}
