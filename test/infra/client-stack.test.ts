import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { ClientStack } from '../../infra/client-stack.ts';
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
    const other = new ClientStack(new App(), 'Samepage-la', {
      config: clientIn('America/Los_Angeles', 'la', ['hubspot', 'generic']),
      env: ENV,
    });
    losAngeles = Template.fromStack(other);
  }, 120_000);

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
        ['cron(0 8 ? * MON *)', zone, 'weekly'],
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
      // Monthly and quarterly fire every business weekday; build-packet builds on the configured day only.
      expect(JSON.parse(schedules[1]?.Target.Input)).toEqual({
        client: expect.any(String),
        cadence: 'monthly',
        asOf: '<aws.scheduler.scheduled-time>',
        onScheduledDay: true,
      });
    }
  });

  it('routes only the sources the client configured', () => {
    const routes = (template: Template) =>
      Object.values(template.findResources('AWS::ApiGatewayV2::Route'))
        .map((route) => route.Properties.RouteKey)
        .sort();
    expect(routes(losAngeles)).toEqual(['POST /webhooks/generic', 'POST /webhooks/hubspot']);
    expect(routes(berlinTemplate)).toEqual(
      ['generic', 'hubspot', 'hubspot-workflow', 'pipedrive', 'salesforce', 'typeform'].map(
        (s) => `POST /webhooks/${s}`,
      ),
    );
    berlinTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
      StageName: '$default',
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
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
    expect(alarms.filter((alarm) => alarm.MetricName === 'Errors')).toHaveLength(3);
    expect(alarms.map((alarm) => alarm.MetricName)).toEqual(
      expect.arrayContaining([
        'DeliveriesQuarantined',
        'MailsFailedPermanent',
        'MailsUnconfirmed',
        'WeeklyPacketsSent',
      ]),
    );
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
    const weekly = alarms.find((alarm) => alarm.MetricName === 'WeeklyPacketsSent');
    // Seven daily datapoints without a weekly send (missing data counts) is a missed deadline.
    expect(weekly).toMatchObject({
      Period: 86400,
      EvaluationPeriods: 7,
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

  it('runs every function on Node 24 arm64 with its own log group and the config baked into the bundle', () => {
    const functions = Object.values(berlinTemplate.findResources('AWS::Lambda::Function')).map(
      (fn) => fn.Properties,
    );
    const ours = functions.filter((fn) => fn.Runtime === 'nodejs24.x');
    expect(ours).toHaveLength(3);
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

  it('creates one secret per name in the config and outputs the webhook URL, table and bus', () => {
    const names = Object.values(berlinTemplate.findResources('AWS::SecretsManager::Secret'))
      .map((secret) => secret.Properties.Name)
      .sort();
    expect(names).toEqual([
      'acme/email-hash-key',
      'acme/generic-whsec',
      'acme/hubspot-client-secret',
      'acme/pipedrive-basic-auth',
      'acme/typeform-secret',
    ]);
    expect(Object.keys(berlinTemplate.findOutputs('*')).sort()).toEqual([
      'EventBusName',
      'TableName',
      'WebhookBaseUrl',
    ]);
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
});
