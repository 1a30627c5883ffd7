import { fileURLToPath } from 'node:url';
import { Duration, Stack } from 'aws-cdk-lib';
import type { ITableV2, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Effect, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { serviceName } from '#functions/lib/custom-metrics.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { leadingKeysOf, TABLE_INDEXES, type TableAccess } from '#shared/store/table.ts';
import { nodeOptions } from '../function-limits.ts';
import {
  BUNDLE_BANNER,
  BUNDLE_EXTERNALS,
  BUNDLE_MAIN_FIELDS,
  BUNDLE_TARGET,
  bundleAliases,
  bundleDefines,
  type FunctionName,
} from './bundle-settings.ts';
import { metricsNamespace } from './ops-alarms.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ProjectFunctionProps {
  /** The folder under functions/ whose handler.ts this function runs. */
  name: FunctionName;
  config: ClientConfig;
  timeout: Duration;
  memorySize: number;
  reservedConcurrentExecutions?: number;
  environment?: Record<string, string>;
  /**
   * For functions started asynchronously (EventBridge, Scheduler): where an event goes once the
   * function has failed it and Lambda's own 2 retries. The caller's retry policy and dead-letter
   * queue only cover failures to start the function, not errors it throws.
   */
  failureQueue?: IQueue;
}

/**
 * The one way samepage defines a Lambda function: Node 24 on arm64, bundled by the local esbuild
 * as ESM (the AWS SDK bundled, a few imports aliased: bundle-settings.ts), the client config baked into the bundle, JSON logs
 * to its own log group (one month), and a role holding only what `grant*` adds.
 */
export class ProjectFunction extends NodejsFunction {
  constructor(scope: Construct, id: string, props: ProjectFunctionProps) {
    const logGroup = new LogGroup(scope, `${id}Logs`, { retention: RetentionDays.ONE_MONTH });
    const role = new Role(scope, `${id}Role`, {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `samepage ${props.name}: its own log group and the grants of its construct`,
    });
    super(scope, id, {
      entry: `${ROOT}functions/${props.name}/handler.ts`,
      projectRoot: ROOT,
      depsLockFilePath: `${ROOT}package-lock.json`,
      handler: 'handler',
      runtime: Runtime.NODEJS_24_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      ...(props.failureQueue
        ? {
            onFailure: new SqsDestination(props.failureQueue),
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
          }
        : {}),
      role,
      logGroup,
      environment: {
        NODE_OPTIONS: nodeOptions(props.memorySize),
        POWERTOOLS_SERVICE_NAME: serviceName(props.name),
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_METRICS_NAMESPACE: metricsNamespace(props.config.client),
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: BUNDLE_TARGET,
        minify: true,
        sourceMap: true,
        mainFields: BUNDLE_MAIN_FIELDS,
        externalModules: BUNDLE_EXTERNALS,
        // CDK has no alias option; each entry becomes --alias:<import>=<path>.
        esbuildArgs: {
          '--alias': Object.entries(bundleAliases()).map(([from, to]) => `${from}=${to}`),
        },
        banner: BUNDLE_BANNER,
        define: bundleDefines(props.config),
      },
    });
    role.addToPolicy(
      new PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );
  }

  /** Grants this function its table actions, limited by key prefix where a prefix can say it. */
  grantTable(table: Table | ITableV2, access: TableAccess): void {
    this.addEnvironment('TABLE_NAME', table.tableName);
    const indexes = TABLE_INDEXES.map((index) => `${table.tableArn}/index/${index.name}`);
    const statements: Record<TableAccess, PolicyStatement[]> = {
      // Entities, raw and quarantined deliveries, the first-fact and source markers: the internet-facing
      // function can neither read nor overwrite packets, holds, mail records or the definitions log.
      ingest: [
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [table.tableArn],
          conditions: leadingKeys('ingest'),
        }),
      ],
      // Reads the period's facts through the indexes and the source markers by key; writes only
      // snapshots, the definitions log and packet holds (a hold's later checks are updates).
      'build-packet': [
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'],
          resources: [table.tableArn, ...indexes],
        }),
        new PolicyStatement({
          actions: ['dynamodb:PutItem', 'dynamodb:UpdateItem'],
          resources: [table.tableArn],
          conditions: leadingKeys('build-packet'),
        }),
      ],
      // Reads a snapshot and keeps one record per (packet, recipient); nothing else.
      'send-packet': [
        new PolicyStatement({
          actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:Query'],
          resources: [table.tableArn],
          conditions: leadingKeys('send-packet'),
        }),
      ],
      // The web copy: GetItem on a packet snapshot, nothing else (asserted in the CDK test).
      'view-packet': [
        new PolicyStatement({
          actions: ['dynamodb:GetItem'],
          resources: [table.tableArn],
          conditions: leadingKeys('view-packet'),
        }),
      ],
    };
    for (const statement of statements[access]) this.addToRolePolicy(statement);
  }

  /** Lets the function send raw mail from the client's sender identity only. */
  grantSendFrom(address: string): void {
    const { region, account, partition } = Stack.of(this);
    const domain = address.slice(address.indexOf('@') + 1);
    this.addToRolePolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['ses:SendRawEmail'],
        resources: [
          `arn:${partition}:ses:${region}:${account}:identity/${domain}`,
          `arn:${partition}:ses:${region}:${account}:identity/${address}`,
        ],
        conditions: { StringEquals: { 'ses:FromAddress': address } },
      }),
    );
  }
}

/** The IAM condition that limits a statement to the partition keys a function touches. */
function leadingKeys(access: TableAccess) {
  return { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': leadingKeysOf(access) } };
}
