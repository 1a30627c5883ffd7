import { createReadStream, readFileSync } from 'node:fs';
import { extname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SSMClient } from '@aws-sdk/client-ssm';
import cliProgress from 'cli-progress';
import { Command, InvalidArgumentError, Option } from 'commander';
import { outboxDir, writeRendered } from '#local/outbox.ts';
import { startScheduler } from '#local/scheduler.ts';
import { LOCAL_TABLE_NAME, localSendDeps, startTwin, type Twin } from '#local/twin.ts';
import {
  assertCurrentLayout,
  type LayoutMigrationReport,
  migrateTableLayout,
  OlderTableLayoutError,
} from '#shared/adapters/dynamodb-migrate.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import { SsmParameterSecrets } from '#shared/adapters/ssm-parameters.ts';
import { CSV_KINDS, type CsvKind, crmCsvRows } from '#shared/backfill/crm-csv.ts';
import { resolveClientConfig } from '#shared/config/clients.ts';
import { type ClientConfig, SOURCE_NAMES } from '#shared/config/schema.ts';
import { renderPacketEmail } from '#shared/email/render.ts';
import { type RecipientReport, RetryableSendError, sendPacket } from '#shared/email/send.ts';
import { packetSubject } from '#shared/email/subject.ts';
import { ConfigError } from '#shared/errors.ts';
import { genericLineRows, type ImportRow, type ImportSummary, importRows } from '#shared/ingest/import.ts';
import { replayDeliveries } from '#shared/ingest/ingest.ts';
import type { Packet } from '#shared/packets/packet.ts';
import { buildAndPublishPacket, buildFromStore, runScheduledBuild } from '#shared/packets/run.ts';
import { packetText } from '#shared/packets/text.ts';
import { snapshotKeyOf, WEB_PATH } from '#shared/packets/web-link.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { InProcessPublisher } from '#shared/ports/publisher.ts';
import type { Secrets } from '#shared/ports/secrets.ts';
import type { Store } from '#shared/ports/store.ts';
import { contactIdSchema, type ForgetReport, forgetContact, removedNothing } from '#shared/privacy/forget.ts';
import { minimizeKeptDeliveries } from '#shared/privacy/minimize.ts';
import { unresolvedSecrets } from '#shared/sources/secrets.ts';
import { CADENCES, type Cadence } from '#shared/time/periods.ts';
import { runDemo } from './demo.ts';
import { applyDemoSecretsIfUnset } from './demo-secrets.ts';
import { UsageError } from './usage-error.ts';

// The twin runs on the machine's Node 20; the Lambda runtime is newer. The SDK's notice about
// future Node versions says nothing about this run, so the CLI keeps the console for samepage.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function port(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535)
    throw new InvalidArgumentError('expected a port number');
  return parsed;
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0)
    throw new InvalidArgumentError('expected a positive whole number');
  return parsed;
}

function instant(value: string): number {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new InvalidArgumentError('expected an ISO-8601 date or instant');
  return parsed;
}

function cadence(value: string): Cadence {
  if (!(CADENCES as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected ${CADENCES.join(', ')}`);
  return value as Cadence;
}

function csvKind(value: string): CsvKind {
  if (!(CSV_KINDS as readonly string[]).includes(value))
    throw new InvalidArgumentError(`expected ${CSV_KINDS.join(', ')}`);
  return value as CsvKind;
}

function format(value: string): 'json' | 'text' {
  if (value !== 'json' && value !== 'text') throw new InvalidArgumentError('expected json or text');
  return value;
}

/** Applies a generic-events NDJSON file to the twin's store, row by row (see `samepage import`). */
interface ImportTarget {
  config: ClientConfig;
  store: Store;
  secrets: Secrets;
}

/** Rows of a backfill file: a CRM CSV export (by extension) or generic-event NDJSON. */
function rowsOf(
  file: string,
  config: ClientConfig,
  options: {
    kind?: CsvKind;
    columns?: Record<string, string>;
    onIgnoredColumns?: (columns: string[]) => void;
  } = {},
): AsyncIterable<ImportRow> {
  if (extname(file).toLowerCase() === '.csv') {
    return crmCsvRows(createReadStream(file), { config, ...options });
  }
  return genericLineRows(
    createInterface({ input: createReadStream(file), crlfDelay: Number.POSITIVE_INFINITY }),
  );
}

/**
 * Where import, forget, minimize and revoke-link write: a deployed stack's table (`--table --region`; the SDK retries
 * throttled writes with backoff, secrets come from SSM Parameter Store) or the local twin's data.
 */
async function openTarget(
  config: ClientConfig,
  options: { data?: string; table?: string; region?: string },
): Promise<{ target: ImportTarget; twin?: Twin; table: { client: DynamoDBClient; name: string } }> {
  if (options.table) {
    if (!options.region) throw new UsageError('--table needs --region');
    const client = new DynamoDBClient({ region: options.region, maxAttempts: 10 });
    return {
      target: {
        config,
        store: new DynamoDbStore(client, options.table),
        secrets: new SsmParameterSecrets(new SSMClient({ region: options.region })),
      },
      table: { client, name: options.table },
    };
  }
  const twin = await startTwin({ config, dataDir: options.data && resolve(options.data), serve: false });
  return { target: twin, twin, table: { client: twin.dynamo.client, name: LOCAL_TABLE_NAME } };
}

/** Applies a backfill file to a store (the twin's, or the client's table in AWS). */
function importFile(
  target: ImportTarget,
  file: string,
  onProgress?: (summary: ImportSummary) => void,
  options?: Parameters<typeof rowsOf>[2],
): Promise<ImportSummary> {
  return importRows({ ...target, clock: systemClock }, rowsOf(file, target.config, options), onProgress);
}

function loadClient(client: string) {
  const config = resolveClientConfig(client);
  applyDemoSecretsIfUnset(config);
  return config;
}

/** The options of the commands that work on a twin's data directory or on a deployed table. */
const dataOption = () => new Option('--data <dir>', 'the twin data directory');
const tableOption = () =>
  new Option('--table <name>', "the client's DynamoDB table in AWS (instead of the twin)");
const regionOption = () => new Option('--region <region>', 'AWS region of --table');

function requireTwinOrTable(command: string, options: { data?: string; table?: string }): void {
  if (!options.data && !options.table)
    throw new UsageError(`${command} needs --data, or --table and --region`);
}

const program = new Command()
  .name('samepage')
  .description('One set of revenue numbers: webhooks in, review packets out. Runs the local twin.')
  .showHelpAfterError();

program
  .command('serve')
  .description('start the local twin: dynalite + POST /webhooks/{source} through the real ingest handler')
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .option('--port <port>', 'port for the webhook server', port, 3000)
  .option('--data <dir>', 'keep the data on disk here (in memory without it)')
  .option('--outbox <dir>', 'where mailed packets are kept', 'outbox')
  .action(async (options: { client: string; port: number; data?: string; outbox: string }) => {
    const config = loadClient(options.client);
    const twin = await startTwin({
      config,
      dataDir: options.data && resolve(options.data),
      port: options.port,
      outbox: resolve(options.outbox),
    });
    const configured = SOURCE_NAMES.filter((name) => config.sources[name] !== undefined);
    console.log(`samepage local twin for ${config.displayName} (${config.client})`);
    console.log(`data: ${options.data ? resolve(options.data) : 'in memory'}`);
    // A source whose secret is missing answers every delivery 500: say so now, in the words its log will use.
    const missing = await unresolvedSecrets(config, twin.secrets);
    if (missing.length > 0) {
      console.log('secrets not set (a delivery that needs one answers 500 "misconfigured"):');
      for (const { use, error } of missing) console.log(`  ${use}: ${error.message}`);
    }
    for (const name of configured) console.log(`  POST ${twin.server?.url}/webhooks/${name}`);
    console.log(`SES inbox (where packets are mailed): ${twin.mail?.ses.url}`);
    console.log(
      `web copies (the links in the mails and chat posts): GET ${twin.server?.url}${WEB_PATH}?p=…&t=…`,
    );
    if (config.chat.slack.length + config.chat.teams.length > 0) {
      console.log(
        `chat capture (a webhook secret without a value posts here): POST ${twin.server?.url}/chat/…`,
      );
    }
    // The same chain as in AWS: schedule → build-packet → PacketReady → send-packet.
    const publisher = new InProcessPublisher();
    publisher.subscribe(async (event) => {
      await sendPacket(localSendDeps(twin), event);
    });
    const stopScheduler = startScheduler(config, async (input) => {
      // The sources' markers are buffered per store: a run reads what this process received.
      await twin.store.flushSourceNotes();
      const result = await runScheduledBuild(
        { config, store: twin.store, publisher, clock: systemClock },
        input,
      );
      console.log(`${new Date().toISOString()} ${input.cadence} schedule: ${result.status}`);
    });
    console.log(
      `schedules (${config.timezone}): weekly ${config.schedules.weekly.day} ${config.schedules.weekly.at}; monthly and quarterly on business day ${config.schedules.monthly.businessDay} / ${config.schedules.quarterly.businessDay} at ${config.schedules.monthly.at} / ${config.schedules.quarterly.at}`,
    );
    console.log('Ctrl-C to stop.');
    const stop = async () => {
      stopScheduler();
      await twin.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

program
  .command('import')
  .description('backfill history: generic events (NDJSON) or a HubSpot / Salesforce CSV export')
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .requiredOption('--file <path>', 'a .ndjson file of generic events, or a CRM .csv export')
  .option('--kind <kind>', `CSV export kind (${CSV_KINDS.join(', ')}); guessed from the columns`, csvKind)
  .option('--columns <json>', 'JSON file renaming columns: {"<samepage key>": "<your header>"}')
  .option('--data <dir>', 'the twin data directory to write into')
  .option('--table <name>', "the client's DynamoDB table in AWS (instead of the twin)")
  .option('--region <region>', 'AWS region of --table')
  .action(
    async (options: {
      client: string;
      file: string;
      kind?: CsvKind;
      columns?: string;
      data?: string;
      table?: string;
      region?: string;
    }) => {
      const config = loadClient(options.client);
      const columns = options.columns
        ? (JSON.parse(readFileSync(options.columns, 'utf8')) as Record<string, string>)
        : undefined;
      const { target, twin } = await openTarget(config, options);
      const bar = new cliProgress.SingleBar(
        { format: 'import {bar} {value} rows applied' },
        cliProgress.Presets.shades_classic,
      );
      bar.start(0, 0);
      try {
        let ignored: string[] = [];
        const summary = await importFile(
          target,
          options.file,
          (progress) => {
            bar.setTotal(progress.lines);
            bar.update(progress.applied);
          },
          { kind: options.kind, columns, onIgnoredColumns: (names) => (ignored = names) },
        );
        bar.stop();
        console.log(
          `rows read: ${summary.lines}, applied: ${summary.applied}, skipped: ${summary.skipped.length}`,
        );
        if (ignored.length > 0) console.log(`columns ignored: ${ignored.join(', ')}`);
        for (const problem of summary.skipped.slice(0, 50))
          console.log(`  ${problem.path}: ${problem.message}`);
        if (summary.skipped.length > 50) console.log(`  … and ${summary.skipped.length - 50} more`);
        process.exitCode = summary.skipped.length > 0 ? 1 : 0;
      } finally {
        bar.stop();
        await twin?.close();
      }
    },
  );

program
  .command('replay')
  .description('rebuild projections from the kept raw (and quarantined) deliveries')
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .option('--data <dir>', 'the twin data directory')
  .option('--from <iso>', 'first delivery time to replay', instant, Date.UTC(2000, 0, 1))
  .option('--to <iso>', 'replay deliveries before this time', instant)
  .action(async (options: { client: string; data?: string; from: number; to?: number }) => {
    const config = loadClient(options.client);
    const twin = await startTwin({ config, dataDir: options.data && resolve(options.data), serve: false });
    try {
      await assertCurrentLayout(twin.dynamo.client, LOCAL_TABLE_NAME, Date.now());
      const result = await replayDeliveries(
        { config, store: twin.store, secrets: twin.secrets },
        { from: options.from, to: options.to ?? Date.now() + 1 },
        (done) => process.stdout.write(`\rreplayed ${done} deliveries`),
      );
      console.log(
        `\nreplayed ${result.deliveries} deliveries, ${result.events} events; still quarantined: ${result.stillQuarantined}`,
      );
    } finally {
      await twin.close();
    }
  });

/** What `forget` removed, one line per kind of place samepage keeps data. */
function forgetSummary(report: ForgetReport, seconds: number): string[] {
  const took = `in ${seconds.toFixed(1)} s`;
  if (removedNothing(report)) {
    return [
      report.contactFound
        ? `nothing left to remove for ${report.contactId}: already forgotten (${report.deliveriesRead} kept deliveries read ${took})`
        : `nothing to remove: ${report.contactId} is not in the projections and no kept delivery names it (${report.deliveriesRead} read ${took})`,
    ];
  }
  return [
    `forgot ${report.contactId}${report.contactFound ? '' : ' (not in the projections)'}`,
    `  contact fields removed: ${report.contactFieldsRemoved.join(', ') || 'none'}`,
    `  forms: email hash removed from ${report.formsRedacted}`,
    `  raw deliveries: ${report.rawDeliveriesDeleted} deleted, ${report.rawDeliveriesRedacted} with its items taken out`,
    `  quarantined deliveries: ${report.quarantinedDeleted} deleted, ${report.quarantinedRedacted} with its items taken out`,
    `  (${report.deliveriesRead} kept deliveries read ${took})`,
  ];
}

program
  .command('forget')
  .description(
    "erase a contact's personal data: its email hash and title, its forms' email hashes, its items in kept deliveries",
  )
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .requiredOption('--contact <id>', 'the contact as <system>:<id>, e.g. hubspot:1246965 or generic:c-1')
  .addOption(dataOption())
  .addOption(tableOption())
  .addOption(regionOption())
  .action(
    async (options: { client: string; contact: string; data?: string; table?: string; region?: string }) => {
      const contact = contactIdSchema.safeParse(options.contact);
      if (!contact.success) throw new UsageError(`--contact: ${contact.error.issues[0]?.message}`);
      requireTwinOrTable('forget', options);
      const config = loadClient(options.client);
      const { target, twin, table } = await openTarget(config, options);
      try {
        await assertCurrentLayout(table.client, table.name, Date.now());
        const started = performance.now();
        const report = await forgetContact({ ...target, clock: systemClock }, contact.data);
        const seconds = (performance.now() - started) / 1000;
        for (const line of forgetSummary(report, seconds)) console.log(line);
      } finally {
        await twin?.close();
      }
    },
  );

program
  .command('minimize')
  .description(
    'bring the deliveries an older version kept (whole bodies) to what ingest keeps now: what each adapter reads, emails and phones redacted',
  )
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .addOption(dataOption())
  .addOption(tableOption())
  .addOption(regionOption())
  .action(async (options: { client: string; data?: string; table?: string; region?: string }) => {
    requireTwinOrTable('minimize', options);
    const config = loadClient(options.client);
    const { target, twin, table } = await openTarget(config, options);
    try {
      await assertCurrentLayout(table.client, table.name, Date.now());
      const started = performance.now();
      const report = await minimizeKeptDeliveries({ ...target, clock: systemClock });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.log(
        `minimized ${config.client}: ${report.rewritten.raw} of ${report.read.raw} raw deliveries and ${report.rewritten.quarantine} of ${report.read.quarantine} quarantined rewritten in ${seconds} s`,
      );
    } finally {
      await twin?.close();
    }
  });

/** What `migrate-table` did, in one line. */
function migrationSummary(client: string, report: LayoutMigrationReport, seconds: string): string {
  const moved = report.rawFound - report.rawAlreadyInShard;
  const quarantine =
    report.firstQuarantinedAt === undefined
      ? 'no quarantined delivery'
      : `first quarantined delivery ${new Date(report.firstQuarantinedAt).toISOString()}`;
  if (report.rawFound === 0) {
    return `nothing to migrate for ${client}: no raw delivery of the older layout (${quarantine}; ${report.monthsRead} receipt months read in ${seconds} s)`;
  }
  return `migrated ${client}: ${moved} raw deliveries moved to their shards, ${report.rawAlreadyInShard} were there already; ${report.rawFound} old items deleted (${quarantine}; ${report.monthsRead} receipt months read in ${seconds} s)`;
}

program
  .command('migrate-table')
  .description(
    'bring a table written before issue 21 to the current layout (raw deliveries into their shards); run once after deploying, before replay, forget or minimize; a second run changes nothing',
  )
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .addOption(dataOption())
  .addOption(tableOption())
  .addOption(regionOption())
  .action(async (options: { client: string; data?: string; table?: string; region?: string }) => {
    requireTwinOrTable('migrate-table', options);
    const config = loadClient(options.client);
    const { twin, table } = await openTarget(config, options);
    try {
      const started = performance.now();
      let shown = 0;
      const report = await migrateTableLayout(table.client, table.name, {
        now: Date.now(),
        onProgress: (progress) => {
          if (progress.rawFound === shown) return;
          shown = progress.rawFound;
          process.stdout.write(`\rold raw deliveries found: ${shown}`);
        },
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      if (shown > 0) process.stdout.write('\n');
      console.log(migrationSummary(config.client, report, seconds));
    } finally {
      await twin?.close();
    }
  });

program
  .command('revoke-link')
  .description(
    "make a packet's web link open nothing from now on (a forwarded mail, a link posted in the wrong channel)",
  )
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .requiredOption(
    '--packet <id>',
    'the packet as <cadence>-<period start date>, e.g. weekly-2026-11-23 (its link has p=…)',
  )
  .addOption(dataOption())
  .addOption(tableOption())
  .addOption(regionOption())
  .action(
    async (options: { client: string; packet: string; data?: string; table?: string; region?: string }) => {
      requireTwinOrTable('revoke-link', options);
      const config = loadClient(options.client);
      const key = snapshotKeyOf(options.packet, config);
      if (!key) throw new UsageError('--packet: expected <cadence>-<YYYY-MM-DD>, e.g. weekly-2026-11-23');
      const { target, twin } = await openTarget(config, options);
      try {
        const revoked = await target.store.expireWebLink(key.cadence, key.periodStart, Date.now());
        if (!revoked) throw new UsageError(`no web link is kept for ${options.packet}`);
        console.log(`revoked the web link of ${options.packet}: it now answers 404`);
      } finally {
        await twin?.close();
      }
    },
  );

interface PacketOptions {
  client: string;
  cadence: Cadence;
  asOf?: number;
  data?: string;
  events?: string;
}

/** The options `packet` and `preview` share: which client, cadence and instant, and where the facts are. */
function withPacketOptions(command: Command): Command {
  return command
    .requiredOption('--client <config>', 'client config path or name in clients/')
    .requiredOption('--cadence <cadence>', 'weekly, monthly or quarterly', cadence)
    .option('--as-of <iso>', 'the instant the packet is built at (default: now)', instant)
    .option('--data <dir>', 'the twin data directory to read')
    .option('--events <ndjson>', 'generic events to load first (into the data directory, or in memory)');
}

/** Builds a packet from the twin's data (after loading `--events`) without storing it. */
async function withBuiltPacket(
  options: PacketOptions,
  use: (packet: Packet, config: ClientConfig) => Promise<void>,
) {
  const config = loadClient(options.client);
  const twin = await startTwin({ config, dataDir: options.data && resolve(options.data), serve: false });
  try {
    if (options.events) {
      const { skipped } = await importFile(twin, options.events);
      if (skipped.length > 0) {
        const problems = skipped.map((problem) => `  ${problem.path}: ${problem.message}`).join('\n');
        throw new UsageError(`${options.events} has rows that do not validate:\n${problems}`);
      }
    }
    const asOf = options.asOf ?? Date.now();
    await use(
      await buildFromStore({ config, store: twin.store, clock: systemClock }, options.cadence, asOf, {
        record: false,
      }),
      config,
    );
  } finally {
    await twin.close();
  }
}

withPacketOptions(program.command('packet'))
  .description('build the weekly, monthly or quarterly packet as of an instant and print it')
  .option('--format <format>', 'json or text', format, 'text')
  .action((options: PacketOptions & { format: 'json' | 'text' }) =>
    withBuiltPacket(options, async (packet) => {
      process.stdout.write(
        options.format === 'json' ? `${JSON.stringify(packet, null, 2)}\n` : packetText(packet),
      );
    }),
  );

program
  .command('send')
  .description('build the packet (or find it) and mail it to every list through the local SES emulator')
  .requiredOption('--client <config>', 'client config path or name in clients/')
  .requiredOption('--cadence <cadence>', 'weekly, monthly or quarterly', cadence)
  .option('--as-of <iso>', 'the instant the packet is built at (default: now)', instant)
  .option('--force', 'rebuild the packet even if it was built before')
  .option(
    '--release-hold <name>',
    'send a packet held for a silent source now; your name is recorded in the hold and the packet',
  )
  .option(
    '--history',
    'also build and keep the packets of earlier periods since the first fact, for the trends; they are not sent',
  )
  .option('--data <dir>', 'the twin data directory to read')
  .option('--outbox <dir>', 'where rendered packets and sent messages are kept', 'outbox')
  .action(
    async (options: {
      client: string;
      cadence: Cadence;
      asOf?: number;
      force?: boolean;
      releaseHold?: string;
      history?: boolean;
      data?: string;
      outbox: string;
    }) => {
      const config = loadClient(options.client);
      // Served on a free port for its chat capture endpoint: a chat webhook without a value of its
      // own posts there (the webhooks themselves are not needed by send).
      const twin = await startTwin({
        config,
        dataDir: options.data && resolve(options.data),
        serve: config.chat.slack.length + config.chat.teams.length > 0,
        outbox: resolve(options.outbox),
      });
      try {
        const publisher = new InProcessPublisher();
        const reports: RecipientReport[][] = [];
        publisher.subscribe(async (event) => {
          reports.push(await sendPacket(localSendDeps(twin), event));
        });
        const result = await buildAndPublishPacket(
          { config, store: twin.store, publisher, clock: systemClock },
          {
            client: config.client,
            cadence: options.cadence,
            ...(options.asOf !== undefined ? { asOf: new Date(options.asOf).toISOString() } : {}),
            force: options.force === true,
            history: options.history === true,
            ...(options.releaseHold !== undefined ? { releaseHold: { by: options.releaseHold } } : {}),
          },
        );
        if (result.status === 'held') {
          console.log(
            `${result.cadence} packet of ${result.periodStart} held since ${new Date(result.hold.since).toISOString()}, not sent:`,
          );
          for (const reason of result.hold.reasons) console.log(`  ${reason}`);
          console.log('send it anyway with --release-hold <your name>');
          process.exitCode = 3;
          return;
        }
        const { status, packet, history } = result;
        if (history) {
          console.log(
            `trend history: ${history.built} earlier ${packet.cadence} packet${history.built === 1 ? '' : 's'} built, ${history.kept} kept from before (not sent)`,
          );
        }
        console.log(`${packet.cadence} packet ${packet.period.label} (${status})`);
        for (const entry of reports.flat()) {
          console.log(
            `  ${entry.outcome.padEnd(16)} ${entry.recipient} (${entry.lists.join(', ')})${entry.detail ? ` ${entry.detail}` : ''}`,
          );
        }
        console.log(`outbox: ${relative(process.cwd(), outboxDir(resolve(options.outbox), packet))}`);
      } catch (error) {
        if (error instanceof RetryableSendError) {
          for (const entry of error.report)
            console.error(`  ${entry.outcome.padEnd(16)} ${entry.recipient} ${entry.detail ?? ''}`);
          process.exitCode = 1;
          return;
        }
        throw error;
      } finally {
        await twin.close();
      }
    },
  );

withPacketOptions(program.command('preview'))
  .description('render the packet email to HTML without sending or storing anything, and print its path')
  .option('--outbox <dir>', 'where the preview is written', 'outbox')
  .action((options: PacketOptions & { outbox: string }) =>
    withBuiltPacket(options, async (packet, config) => {
      const dir = await writeRendered(
        resolve(options.outbox),
        packet,
        await renderPacketEmail(packet, config.currency),
      );
      console.log(`subject: ${packetSubject(packet, config.currency)}`);
      console.log(join(relative(process.cwd(), dir), 'packet.html'));
    }),
  );

program
  .command('demo')
  .description(
    'generate a year of a B2B client, deliver it as signed webhooks, build and mail the three packets',
  )
  .option('--client <config>', 'client config path or name in clients/', 'demo')
  .option(
    '--as-of <iso>',
    "the demo's today: the story ends here and the packets are built as of it",
    instant,
  )
  .option('--contacts <n>', 'how many contacts the story has', positiveInteger)
  .option('--data <dir>', 'where the demo keeps its data (emptied first)', '.samepage/demo')
  .option('--outbox <dir>', 'where the mailed packets are kept', 'outbox')
  .action(
    async (options: { client: string; asOf?: number; contacts?: number; data: string; outbox: string }) => {
      // The demo prints its own progress and outcome counts.
      process.env.POWERTOOLS_LOG_LEVEL ??= 'ERROR';
      const { unexpected } = await runDemo(loadClient(options.client), {
        dataDir: resolve(options.data),
        outbox: resolve(options.outbox),
        ...(options.asOf !== undefined ? { asOf: new Date(options.asOf) } : {}),
        ...(options.contacts !== undefined ? { contacts: options.contacts } : {}),
      });
      if (unexpected > 0) {
        console.error(`${unexpected} deliveries were not answered as expected`);
        process.exitCode = 1;
      }
    },
  );

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof ConfigError || error instanceof UsageError) {
    console.error(error.message);
    process.exit(2);
  }
  if (error instanceof OlderTableLayoutError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
