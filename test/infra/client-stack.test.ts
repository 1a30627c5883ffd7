import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Code, Function as LambdaFunction, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks, NIST80053R5Checks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_METRICS } from '#functions/lib/custom-metrics.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { leadingKeysOf } from '#shared/store/table.ts';
import { ClientStack } from '../../infra/client-stack.ts';
import { PacketSchedules } from '../../infra/constructs/packet-schedules.ts';
import { REPO_ROOT } from '../support/cli.ts';
import { exampleConfig } from '../support/config.ts';

const ENV = { account: '123456789012', region: 'eu-west-1' };

function clientIn(timezone: string, name: string, sources?: (keyof ClientConfig['sources'])[]): ClientConfig {
  const config = exampleConfig();
  config.client = name;
  config.timezone = timezone;
  if (sources) {
    config.sources = Object.fromEntries(sources.map((source) => [source, config.sources[source]]));
  }
  return config;
}

interface Statement {
  Action: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, string[]>>;
}

/** Every IAM statement attached to the role of one of the stack's functions. */
function statementsOf(template: Template, roleIdPrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::Policy');
  return Object.values(policies)
    .filter((policy) =>
      (policy.Properties.Roles as { Ref: string }[]).some((role) => role.Ref.startsWith(roleIdPrefix)),
    )
    .flatMap((policy) => policy.Properties.PolicyDocument.Statement as Statement[]);
}

const actionsOf = (statements: Statement[]) =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

describe('the client stack', () => {
  let berlin: ClientStack;
  let berlinTemplate: Template;
  let losAngeles: Template;

  beforeAll(() => {
    const app = new App();
    berlin = new ClientStack(app, 'Samepage-berlin', {
      config: clientIn('Europe/Berlin', 'berlin'),
      env: ENV,
    });
    berlinTemplate = Template.fromStack(berlin);
    const laConfig = clientIn('America/Los_Angeles', 'la', ['hubspot', 'generic']);
    laConfig.buildPacket = { memoryMb: 2048 };
    const other = new ClientStack(new App(), 'Samepage-la', { config: laConfig, env: ENV });
    losAngeles = Template.fromStack(other);
  }, 120_000);

  it("sizes build-packet from the client's buildPacket.memoryMb, its heap limit at 60% of it", () => {
    const buildPacketOf = (template: Template) =>
      Object.values(template.findResources('AWS::Lambda::Function'))
        .map(
          (fn) => fn.Properties as { MemorySize: number; Environment: { Variables: Record<string, string> } },
        )
        .filter((fn) => fn.Environment.Variables.POWERTOOLS_SERVICE_NAME?.includes('build-packet'));
    // Berlin keeps the default, 512 MB: 307 MB of heap (512 × 0.6 = 307.2). Los Angeles asks for
    // 2,048 MB: 1,228 MB of heap (2,048 × 0.6 = 1,228.8).
    for (const [template, memory, heap] of [
      [berlinTemplate, 512, 307],
      [losAngeles, 2048, 1228],
    ] as const) {
      const [fn, ...others] = buildPacketOf(template);
      expect(others).toEqual([]);
      expect(fn?.MemorySize).toBe(memory);
      expect(fn?.Environment.Variables.NODE_OPTIONS).toBe(
        `--enable-source-maps --max-old-space-size=${heap}`,
      );
    }
  });

  it('schedules the three packets at 08:00 in the client time zone, with retries and a dead-letter queue', () => {
    for (const [template, zone] of [
      [berlinTemplate, 'Europe/Berlin'],
      [losAngeles, 'America/Los_Angeles'],
    ] as const) {
      const schedules = Object.values(template.findResources('AWS::Scheduler::Schedule')).map(
        (s) => s.Properties,
      );
      expect(
        schedules.map((s) => [
          s.ScheduleExpression,
          s.ScheduleExpressionTimezone,
          JSON.parse(s.Target.Input).cadence,
        ]),
      ).toEqual([
        ['cron(0 8 ? * MON,TUE,WED,THU,FRI *)', zone, 'weekly'],
        ['cron(0 8 ? * MON,TUE,WED,THU,FRI *)', zone, 'monthly'],
        ['cron(0 8 ? * MON,TUE,WED,THU,FRI *)', zone, 'quarterly'],
      ]);
      for (const schedule of schedules) {
        expect(schedule.Target.RetryPolicy).toEqual({
          MaximumEventAgeInSeconds: 21600,
          MaximumRetryAttempts: 5,
        });
        expect(schedule.Target.DeadLetterConfig.Arn).toBeDefined();
      }
      // All fire every business weekday; build-packet builds on the packet's own day only, and
      // retries a held packet on the others.
      for (const [index, cadence] of ['weekly', 'monthly', 'quarterly'].entries()) {
        expect(JSON.parse(schedules[index]?.Target.Input)).toEqual({
          client: expect.any(String),
          cadence,
          asOf: '<aws.scheduler.scheduled-time>',
          onScheduledDay: true,
        });
      }
    }
  });

  it('fires the weekly schedule on its day too when that is not a business day', () => {
    const stack = new Stack(new App(), 'Schedules', { env: ENV });
    const config = clientIn('Europe/Berlin', 'sunday');
    config.schedules.weekly.day = 'sunday';
    config.businessHours.days = ['mon', 'tue', 'wed', 'thu'];
    const buildPacket = new LambdaFunction(stack, 'Build', {
      runtime: Runtime.NODEJS_LATEST,
      handler: 'index.handler',
      code: Code.fromInline('export const handler = async () => ({});'),
    });
    new PacketSchedules(stack, 'Schedules', {
      config,
      buildPacket,
      deadLetterQueue: new Queue(stack, 'Dead'),
    });
    const expressions = Object.values(
      Template.fromStack(stack).findResources('AWS::Scheduler::Schedule'),
    ).map((schedule) => [
      JSON.parse(schedule.Properties.Target.Input).cadence,
      schedule.Properties.ScheduleExpression,
    ]);
    expect(expressions).toEqual([
      ['weekly', 'cron(0 8 ? * MON,TUE,WED,THU,SUN *)'],
      ['monthly', 'cron(0 8 ? * MON,TUE,WED,THU *)'],
      ['quarterly', 'cron(0 8 ? * MON,TUE,WED,THU *)'],
    ]);
  });

  it('routes only the sources the client configured', () => {
    const routes = (template: Template) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
        .map((route) => route.Properties.RouteKey)
        .sort();
    // Every stack also serves the packets' web copies.
    expect(routes(losAngeles)).toEqual([
      'GET /packets/view',
      'POST /webhooks/generic',
      'POST /webhooks/hubspot',
    ]);
    expect(routes(berlinTemplate)).toEqual([
      'GET /packets/view',
      ...['generic', 'hubspot', 'hubspot-workflow', 'pipedrive', 'salesforce', 'typeform'].map(
        (s) => `POST /webhooks/${s}`,
      ),
    ]);
    berlinTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      AccessLogSettings: Match.objectLike({
        Format: Match.not(Match.stringLikeRegexp('querystring|requestOverride')),
      }),
    });
  });

  it('has a dead-letter queue for the schedules and for sending, each with an alarm, and alarms to the ops topic', () => {
    berlinTemplate.resourceCountIs('AWS::SQS::Queue', 2);
    const alarms = Object.values(berlinTemplate.findResources('AWS::CloudWatch::Alarm')).map(
      (alarm) => alarm.Properties,
    );
    expect(alarms.filter((alarm) => alarm.MetricName === 'ApproximateNumberOfMessagesVisible')).toHaveLength(
      2,
    );
    // Function failures are alarmed where they end up: the async ones (build, send) in the
    // dead-letter queues after Lambda's retries, the API's (ingest, view) as its 5xx. No
    // per-function Errors alarm says anything more.
    expect(alarms.filter((alarm) => alarm.MetricName === 'Errors')).toEqual([]);
    const serverErrors = alarms.filter((alarm) => alarm.MetricName === '5xx');
    expect(serverErrors).toHaveLength(1);
    expect(serverErrors[0]).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Sum',
      Period: 300,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
    });
    expect(serverErrors[0]?.Dimensions).toEqual([
      { Name: 'ApiId', Value: { Ref: expect.stringMatching(/^WebhooksApi/) } },
    ]);
    // 2 dead-letter queues, the API's 5xx, and one alarm per listed custom metric; each alarm
    // reads one metric (CloudWatch bills an alarm per metric it reads).
    expect(alarms).toHaveLength(3 + Object.keys(CUSTOM_METRICS).length);
    for (const alarm of alarms) expect(alarm.Metrics).toBeUndefined();
    // Each listed metric is read by the alarm the list names, in the client's namespace, with the
    // service dimension of the function that publishes it; no alarm reads an unlisted one.
    const ids = Object.fromEntries(
      Object.entries(berlinTemplate.findResources('AWS::CloudWatch::Alarm')).map(([id, alarm]) => [
        alarm.Properties.MetricName as string,
        id,
      ]),
    );
    const custom = alarms.filter((alarm) => alarm.Namespace === 'samepage/berlin');
    expect(custom.map((alarm) => alarm.MetricName).sort()).toEqual(Object.keys(CUSTOM_METRICS).sort());
    for (const [name, metric] of Object.entries(CUSTOM_METRICS)) {
      expect(ids[name]).toMatch(new RegExp(`^Ops${metric.alarm}[0-9A-F]{8}$`));
      expect(custom.find((alarm) => alarm.MetricName === name)?.Dimensions).toEqual([
        { Name: 'service', Value: `samepage-${metric.emittedBy}` },
      ]);
    }
    // EventBridge and Scheduler invoke asynchronously: a thrown error is retried by Lambda, then
    // goes to the same dead-letter queues, not lost.
    const queues = Object.keys(berlinTemplate.findResources('AWS::SQS::Queue'));
    const failureTargets = Object.values(berlinTemplate.findResources('AWS::Lambda::EventInvokeConfig')).map(
      (config) => config.Properties,
    );
    expect(failureTargets).toHaveLength(2);
    for (const target of failureTargets) {
      expect(target.MaximumRetryAttempts).toBe(2);
      const arn = target.DestinationConfig.OnFailure.Destination['Fn::GetAtt'];
      expect(queues).toContain(arn[0]);
    }
    // Any held packet alarms once a day at most, with the way out in its description.
    const held = alarms.find((alarm) => alarm.MetricName === 'PacketsHeld');
    expect(held).toMatchObject({
      Namespace: 'samepage/berlin',
      Dimensions: [{ Name: 'service', Value: 'samepage-build-packet' }],
      Statistic: 'Sum',
      Period: 86400,
      EvaluationPeriods: 1,
      ComparisonOperator: 'GreaterThanThreshold',
      Threshold: 0,
      TreatMissingData: 'notBreaching',
    });
    expect(held?.AlarmDescription).toMatch(
      /^packet held: source silent .*samepage send --release-hold <your name>$/,
    );
    // Seven daily datapoints without a complete weekly send (missing data counts: the count is
    // published only when sent) is a missed deadline.
    expect(alarms.find((alarm) => alarm.MetricName === 'WeeklyPacketsSent')).toMatchObject({
      Dimensions: [{ Name: 'service', Value: 'samepage-send-packet' }],
      Statistic: 'Sum',
      Period: 86400,
      EvaluationPeriods: 7,
      ComparisonOperator: 'LessThanThreshold',
      TreatMissingData: 'breaching',
      Threshold: 1,
    });
    for (const alarm of alarms) expect(alarm.AlarmActions).toHaveLength(1);
    berlinTemplate.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['samepage'], 'detail-type': ['PacketReady'] },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 43200 },
          DeadLetterConfig: Match.anyValue(),
        }),
      ],
    });
  });

  it('lets every alarm reach ops: an ops topic CloudWatch may publish to, TLS only, and nothing else may publish', () => {
    // Under the AWS-managed alias/aws/sns key CloudWatch cannot publish at all (its key policy
    // cannot name cloudwatch.amazonaws.com); the topic is unencrypted instead (see ops-alarms.ts).
    const topics = Object.entries(berlinTemplate.findResources('AWS::SNS::Topic'));
    expect(topics).toHaveLength(1);
    const [topicId, topic] = topics[0] ?? [];
    expect(topic?.Properties.KmsMasterKeyId).toBeUndefined();
    berlinTemplate.resourceCountIs('AWS::KMS::Key', 0);

    const policies = Object.values(berlinTemplate.findResources('AWS::SNS::TopicPolicy')).map(
      (policy) => policy.Properties,
    );
    expect(policies).toHaveLength(1);
    expect(policies[0]?.Topics).toEqual([{ Ref: topicId }]);
    const statements = policies[0]?.PolicyDocument.Statement as (Statement & {
      Effect: string;
      Principal: unknown;
    })[];
    // The topic policy replaces SNS's default one: CloudWatch needs its own Allow, scoped to this
    // account's alarms, and anything over plain HTTP is refused.
    expect(statements).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: 'sns:Publish',
          Resource: { Ref: topicId },
          Condition: {
            StringEquals: { 'aws:SourceAccount': ENV.account },
            ArnLike: {
              'aws:SourceArn': {
                'Fn::Join': [
                  '',
                  ['arn:', { Ref: 'AWS::Partition' }, `:cloudwatch:${ENV.region}:${ENV.account}:alarm:*`],
                ],
              },
            },
          },
        }),
        expect.objectContaining({
          Effect: 'Deny',
          Principal: '*',
          Action: 'sns:Publish',
          Condition: { Bool: { 'aws:SecureTransport': 'false' } },
        }),
      ]),
    );
    const allowed = statements.filter((statement) => statement.Effect === 'Allow');
    expect(allowed.map((statement) => statement.Principal)).toEqual([
      { Service: 'cloudwatch.amazonaws.com' },
    ]);
    // No function can publish: what reaches the topic is CloudWatch's alarm message only.
    const everything = Object.values(berlinTemplate.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    expect(actionsOf(everything).filter((action) => action.startsWith('sns:'))).toEqual([]);
    const alarms = Object.values(berlinTemplate.findResources('AWS::CloudWatch::Alarm'));
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId }]);
  });

  it('throttles each route on its own, sized to its sender, so a flood on one route leaves the others alone', () => {
    const stage = (template: Template) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Stage'))[0]?.Properties;
    const limits = (template: Template) =>
      Object.fromEntries(
        Object.entries(stage(template)?.RouteSettings ?? {}).map(([route, settings]) => [
          route,
          [
            (settings as { ThrottlingRateLimit: number }).ThrottlingRateLimit,
            (settings as { ThrottlingBurstLimit: number }).ThrottlingBurstLimit,
          ],
        ]),
      );
    expect(limits(berlinTemplate)).toEqual({
      'POST /webhooks/hubspot': [20, 40],
      'POST /webhooks/hubspot-workflow': [20, 40],
      'POST /webhooks/salesforce': [10, 20],
      'POST /webhooks/pipedrive': [30, 60],
      'POST /webhooks/typeform': [5, 10],
      'POST /webhooks/generic': [10, 20],
      'GET /packets/view': [2, 10],
    });
    expect(limits(losAngeles)).toEqual({
      'POST /webhooks/hubspot': [20, 40],
      'POST /webhooks/generic': [10, 20],
      'GET /packets/view': [2, 10],
    });
    // A route without its own entry would fall back to the smallest sender's limits.
    expect(stage(berlinTemplate)?.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: 5,
      ThrottlingBurstLimit: 10,
    });
    // The route settings name routes, so the stage is created after them.
    const routeIds = Object.keys(berlinTemplate.findResources('AWS::ApiGatewayV2::Route'));
    const stageResource = Object.values(berlinTemplate.findResources('AWS::ApiGatewayV2::Stage'))[0];
    expect(stageResource?.DependsOn).toEqual(expect.arrayContaining(routeIds));
  });

  it('runs every function on Node 24 arm64 with its own log group and the config baked into the bundle', () => {
    const functions = Object.values(berlinTemplate.findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties,
    );
    const ours = functions.filter((fn) => fn.Runtime === 'nodejs24.x');
    // ingest, build-packet, send-packet and view-packet.
    expect(ours).toHaveLength(4);
    for (const fn of ours) {
      expect(fn.Architectures).toEqual(['arm64']);
      expect(fn.LoggingConfig.LogGroup).toBeDefined();
      expect(fn.Environment.Variables.SAMEPAGE_CLIENT_CONFIG).toBeUndefined();
    }
    expect(ours.find((fn) => fn.Timeout === 10)?.ReservedConcurrentExecutions).toBe(20);
  });

  it('gives each function only what it needs: ingest cannot mail, send-packet cannot write deliveries, no * actions', () => {
    const ingest = statementsOf(berlinTemplate, 'IngestRole');
    const send = statementsOf(berlinTemplate, 'SendPacketRole');
    const build = statementsOf(berlinTemplate, 'BuildPacketRole');
    expect(ingest.length).toBeGreaterThan(0);
    expect(actionsOf(ingest).filter((action) => action.startsWith('ses:'))).toEqual([]);
    expect(actionsOf(build).filter((action) => action.startsWith('ses:'))).toEqual([]);
    expect(actionsOf(send)).not.toContain('dynamodb:PutItem');
    expect(actionsOf(send)).not.toContain('dynamodb:BatchWriteItem');
    // Its table statement is limited to snapshots and mail records by partition key.
    const table = send.find((statement) => actionsOf([statement]).includes('dynamodb:UpdateItem'));
    expect(table?.Condition).toEqual({
      'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['packet#*', 'mail#*'] },
    });
    const mail = send.find((statement) => actionsOf([statement]).includes('ses:SendRawEmail'));
    expect(mail?.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'packets@acme.example' } });
    const everything = Object.values(berlinTemplate.findResources('AWS::IAM::Policy')).flatMap(
      (policy) => policy.Properties.PolicyDocument.Statement as Statement[],
    );
    for (const action of actionsOf(everything)) expect(action).not.toMatch(/(^\*$|:\*$)/);
  });

  it('limits every table statement of each function to the partition keys shared/store/table.ts gives it', () => {
    const expected = {
      IngestRole: [
        'company#*',
        'contact#*',
        'deal#*',
        'form#*',
        'activity#*',
        'raw#*',
        'quarantine#*',
        'client#meta',
        'source#*',
      ],
      BuildPacketRole: ['packet#*', 'client#definitions', 'hold#*'],
      SendPacketRole: ['packet#*', 'mail#*'],
    };
    expect(leadingKeysOf('ingest')).toEqual(expected.IngestRole);
    expect(leadingKeysOf('build-packet')).toEqual(expected.BuildPacketRole);
    expect(leadingKeysOf('send-packet')).toEqual(expected.SendPacketRole);
    for (const [role, prefixes] of Object.entries(expected)) {
      const writes = statementsOf(berlinTemplate, role).filter((statement) =>
        actionsOf([statement]).some((action) => ['dynamodb:PutItem', 'dynamodb:UpdateItem'].includes(action)),
      );
      expect(writes.length, role).toBeGreaterThan(0);
      for (const statement of writes) {
        expect(statement.Condition, role).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes },
        });
      }
    }
    // Ingest, the internet-facing function, reaches no packet, mail or definitions item at all.
    const ingestTable = statementsOf(berlinTemplate, 'IngestRole').filter((statement) =>
      actionsOf([statement]).some((action) => action.startsWith('dynamodb:')),
    );
    expect(ingestTable.length).toBeGreaterThan(0);
    for (const statement of ingestTable) {
      const keys = statement.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] ?? [];
      expect(keys).toEqual(expected.IngestRole);
      expect(keys.filter((key) => /^(packet|mail|hold|client#definitions)/.test(key))).toEqual([]);
    }
  });

  it('creates no secret (ops create the SSM parameters), and outputs the webhook URL, table and bus', () => {
    // CloudFormation cannot create SecureString parameters, and values never pass through CDK.
    berlinTemplate.resourceCountIs('AWS::SecretsManager::Secret', 0);
    berlinTemplate.resourceCountIs('AWS::SSM::Parameter', 0);
    expect(Object.keys(berlinTemplate.findOutputs('*')).sort()).toEqual([
      'EventBusName',
      'TableName',
      'WebhookBaseUrl',
    ]);
  });

  it("lets only send-packet read the chat webhooks, and ingest only the sources' secrets and the email-hash key, by parameter", () => {
    const config = clientIn('Europe/Berlin', 'chatty', ['hubspot']);
    config.chat = {
      slack: [{ name: '#revenue-council', webhook: 'acme/slack-revenue' }],
      teams: [{ name: 'Leadership', webhook: 'acme/teams-leadership' }],
    };
    const template = Template.fromStack(new ClientStack(new App(), 'Samepage-chatty', { config, env: ENV }));
    const parametersRead = (role: string) =>
      statementsOf(template, role)
        .filter((statement) => actionsOf([statement]).some((action) => action.startsWith('ssm:')))
        .flatMap((statement) => {
          // GetParameter alone: no history (earlier values), no listing.
          expect(statement.Action).toBe('ssm:GetParameter');
          const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
          return resources.map((resource) => JSON.stringify(resource).match(/:parameter(\/[^"]+)"/)?.[1]);
        })
        .sort();
    expect(parametersRead('SendPacketRole')).toEqual([
      '/samepage/acme/slack-revenue',
      '/samepage/acme/teams-leadership',
    ]);
    expect(parametersRead('IngestRole')).toEqual([
      '/samepage/acme/email-hash-key',
      '/samepage/acme/hubspot-client-secret',
    ]);
    expect(parametersRead('BuildPacketRole')).toEqual([]);
    expect(parametersRead('ViewPacketRole')).toEqual([]);
    // Under the AWS managed key aws/ssm no KMS grant is needed, and none is given.
    for (const role of ['IngestRole', 'SendPacketRole']) {
      expect(actionsOf(statementsOf(template, role)).filter((action) => action.startsWith('kms:'))).toEqual(
        [],
      );
    }
  });

  it('stops cdk synth on a secret name Parameter Store would refuse, naming it', () => {
    const config = clientIn('Europe/Berlin', 'odd', ['hubspot']);
    config.chat = { slack: [{ name: '#revenue', webhook: 'acme/slack+revenue' }], teams: [] };
    expect(() => new ClientStack(new App(), 'Samepage-odd', { config, env: ENV })).toThrow(
      /acme\/slack\+revenue.*letters, digits and \/ _ \. - only/s,
    );
  });

  it("lets the web copy's function read packet snapshots only, by key", () => {
    const statements = statementsOf(berlinTemplate, 'ViewPacketRole');
    const table = statements.filter((statement) =>
      actionsOf([statement]).some((a) => a.startsWith('dynamodb:')),
    );
    expect(actionsOf(table)).toEqual(['dynamodb:GetItem']);
    expect(table[0]?.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys']).toEqual(['packet#*']);
    // No secret, no mail, no bus: nothing but that one read.
    expect(
      actionsOf(statements).filter(
        (action) => !action.startsWith('dynamodb:') && !action.startsWith('logs:'),
      ),
    ).toEqual([]);
  });

  it('keeps the data: the table is retained, protected and backed up', () => {
    berlinTemplate.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        DeletionProtectionEnabled: true,
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        BillingMode: 'PAY_PER_REQUEST',
      }),
    });
  });

  it('indexes the table only as reads need it: byOwner is gone, the other three keep their deployed names', () => {
    const tables = Object.values(berlinTemplate.findResources('AWS::DynamoDB::Table'));
    expect(tables).toHaveLength(1);
    const { Properties: table } = tables[0] as { Properties: Record<string, unknown> };
    const indexes = table.GlobalSecondaryIndexes as {
      IndexName: string;
      KeySchema: { AttributeName: string }[];
    }[];
    // A deployed stack had these three and byOwner: the update deletes one index, as it may.
    expect(
      indexes.map((index) => [index.IndexName, ...index.KeySchema.map((key) => key.AttributeName)]),
    ).toEqual([
      ['byCreated', 'g1pk', 'g1sk'],
      ['byMilestone', 'g2pk', 'g2sk'],
      ['byDisqualified', 'g3pk', 'g3sk'],
    ]);
    const attributes = (table.AttributeDefinitions as { AttributeName: string }[]).map(
      (attribute) => attribute.AttributeName,
    );
    expect(attributes.sort()).toEqual(['g1pk', 'g1sk', 'g2pk', 'g2sk', 'g3pk', 'g3sk', 'pk', 'sk']);
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement reasoned, and the check can fail', () => {
    // Through the CDK validation framework, as `cdk synth` runs it: synth throws on a finding
    // nobody acknowledged with a reason.
    const app = new App();
    new ClientStack(app, 'Samepage-nag', { config: clientIn('Europe/Berlin', 'nag'), env: ENV });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();

    const probeApp = new App();
    const probe = new ClientStack(probeApp, 'Samepage-probe', {
      config: clientIn('UTC', 'probe', ['generic']),
      env: ENV,
    });
    new Queue(probe, 'Unreviewed');
    Validations.of(probeApp).addPlugins(new AwsSolutionsChecks(probeApp));
    let report = '';
    try {
      probeApp.synth();
    } catch (error) {
      const path = /found in: (\S+validation-report\.json)/.exec((error as Error).message)?.[1];
      report = path ? readFileSync(path, 'utf8') : '';
    }
    expect(report).toMatch(/AwsSolutions-SQS3/);
    expect(report).toMatch(/Samepage-probe\/Unreviewed/);
  }, 120_000);

  it('acknowledges the unencrypted ops topic, with its reason, for the cdk-nag packs that check SNS encryption', () => {
    // AwsSolutions has no SNS encryption rule; NIST 800-53 R5 (like HIPAA and PCI DSS) does.
    const app = new App();
    new ClientStack(app, 'Samepage-nist', { config: clientIn('UTC', 'nist', ['generic']), env: ENV });
    Validations.of(app).addPlugins(new NIST80053R5Checks(app));
    let report: {
      pluginReports: {
        violations: { ruleName: string }[];
        suppressedViolations?: { ruleName: string; violatingConstructs: { constructPath: string }[] }[];
      }[];
    } = { pluginReports: [] };
    try {
      app.synth();
    } catch (error) {
      // The pack finds plenty else (backups, rotation, VPCs); only the topic's rule matters here.
      const path = /found in: (\S+validation-report\.json)/.exec((error as Error).message)?.[1];
      if (path) report = JSON.parse(readFileSync(path, 'utf8'));
    }
    const nist = report.pluginReports[0];
    expect(nist?.violations.map((violation) => violation.ruleName)).not.toContain(
      'NIST.800.53.R5-SNSEncryptedKMS',
    );
    const acknowledged = nist?.suppressedViolations?.find(
      (violation) => violation.ruleName === 'NIST.800.53.R5-SNSEncryptedKMS',
    );
    expect(acknowledged?.violatingConstructs.map((construct) => construct.constructPath)).toEqual([
      'Samepage-nist/Ops/Topic/Resource',
    ]);
  }, 120_000);

  it('stops cdk synth on an invalid client config, naming the field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'samepage-infra-'));
    try {
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'client: Acme Corp\ntimezone: Mars/Olympus\n');
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ client: broken }) },
        encoding: 'utf8',
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/- client: expected lowercase letters/);
      expect(result.stderr).toMatch(/- timezone: expected an IANA time zone/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stops cdk synth on a config file copied from another client with its client left in', () => {
    // clients/globex.yaml made from the example still says `client: example`: it would deploy over
    // Samepage-example and its retained table.
    const dir = mkdtempSync(join(tmpdir(), 'samepage-infra-'));
    try {
      const copied = join(dir, 'globex.yaml');
      writeFileSync(copied, readFileSync(join(REPO_ROOT, 'clients/example.yaml'), 'utf8'));
      const result = spawnSync(process.execPath, ['--import', 'tsx', 'infra/app.ts'], {
        cwd: REPO_ROOT,
        env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ client: copied }) },
        encoding: 'utf8',
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(
        /- client: is "example" but the file is globex\.yaml: .*set client: globex, or name the file example\.yaml/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
