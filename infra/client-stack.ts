import { CfnOutput, Duration, Stack, type StackProps, Tags } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { type ClientConfig, SOURCE_NAMES } from '#shared/config/schema.ts';
import { DataTable } from './constructs/data-table.ts';
import { DeadLetterQueue } from './constructs/dead-letter-queue.ts';
import { OpsAlarms } from './constructs/ops-alarms.ts';
import { PacketDelivery } from './constructs/packet-delivery.ts';
import { PacketSchedules } from './constructs/packet-schedules.ts';
import { ProjectFunction } from './constructs/project-function.ts';
import { SourceSecrets } from './constructs/source-secrets.ts';
import { WebhookApi } from './constructs/webhook-api.ts';
import { BUILD_PACKET_TIMEOUT_SECONDS } from './function-limits.ts';

export interface ClientStackProps extends StackProps {
  config: ClientConfig;
  /**
   * Concurrent ingest invocations kept for this client, so a flood of webhooks cannot outrun
   * DynamoDB or the account; 0 leaves it unreserved (accounts with a low concurrency quota).
   */
  ingestConcurrency?: number;
}

/** The sender address inside `Name <address>`. */
function senderAddress(from: string): string {
  return /<([^>]+)>/.exec(from)?.[1] ?? from.trim();
}

/**
 * One client's stack, `Samepage-<client>`: the data (retained) and everything around it
 * (replaceable): webhook API → ingest; schedules → build-packet → bus → send-packet → SES;
 * read grants on the sources' secrets (SSM parameters ops create); dead-letter queues and alarms
 * to an ops topic.
 */
export class ClientStack extends Stack {
  readonly data: DataTable;
  readonly functions: { ingest: ProjectFunction; buildPacket: ProjectFunction; sendPacket: ProjectFunction };

  constructor(scope: Construct, id: string, props: ClientStackProps) {
    super(scope, id, props);
    const { config } = props;
    Tags.of(this).add('samepage:client', config.client);
    Tags.of(this).add('cost-allocation:client', config.client);

    this.data = new DataTable(this, 'Data');
    const table = this.data.table;
    const secrets = new SourceSecrets(this, 'Secrets', { config });

    const ingestConcurrency = props.ingestConcurrency ?? 20;
    const ingest = new ProjectFunction(this, 'Ingest', {
      name: 'ingest',
      config,
      timeout: Duration.seconds(10),
      memorySize: 512,
      reservedConcurrentExecutions: ingestConcurrency > 0 ? ingestConcurrency : undefined,
    });
    ingest.grantTable(table, 'ingest');
    secrets.grantIngest(ingest);

    const scheduleFailures = new DeadLetterQueue(this, 'ScheduleDeadLetters');
    const sendFailures = new DeadLetterQueue(this, 'SendDeadLetters');
    const buildPacket = new ProjectFunction(this, 'BuildPacket', {
      name: 'build-packet',
      config,
      timeout: Duration.seconds(BUILD_PACKET_TIMEOUT_SECONDS),
      memorySize: config.buildPacket.memoryMb,
      failureQueue: scheduleFailures.queue,
    });
    buildPacket.grantTable(table, 'build-packet');

    const sendPacket = new ProjectFunction(this, 'SendPacket', {
      name: 'send-packet',
      config,
      timeout: Duration.minutes(2),
      memorySize: 512,
      failureQueue: sendFailures.queue,
    });
    sendPacket.grantTable(table, 'send-packet');
    sendPacket.grantSendFrom(senderAddress(config.from));
    secrets.grantChat(sendPacket);
    this.functions = { ingest, buildPacket, sendPacket };

    new PacketSchedules(this, 'Schedules', { config, buildPacket, deadLetterQueue: scheduleFailures.queue });
    const delivery = new PacketDelivery(this, 'Delivery', {
      sendPacket,
      deadLetterQueue: sendFailures.queue,
    });
    delivery.bus.grantPutEventsTo(buildPacket);
    buildPacket.addEnvironment('EVENT_BUS_NAME', delivery.bus.eventBusName);

    // The web copy: a small function that reads packet snapshots only.
    const viewPacket = new ProjectFunction(this, 'ViewPacket', {
      name: 'view-packet',
      config,
      timeout: Duration.seconds(10),
      memorySize: 512,
    });
    viewPacket.grantTable(table, 'view-packet');

    const api = new WebhookApi(this, 'Webhooks', {
      sources: SOURCE_NAMES.filter((name) => config.sources[name] !== undefined),
      ingest,
      viewPacket,
    });
    sendPacket.addEnvironment('WEB_BASE_URL', api.apiEndpoint);

    new OpsAlarms(this, 'Ops', {
      client: config.client,
      api: api.api,
      deadLetterQueues: [scheduleFailures.queue, sendFailures.queue],
    });
    new CfnOutput(this, 'TableName', { value: table.tableName });
  }
}
