import { CfnOutput, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { SourceName } from '#shared/config/schema.ts';

export interface WebhookApiProps {
  sources: readonly SourceName[];
  ingest: IFunction;
  /** Steady requests per second and burst across all routes. */
  throttle: { rateLimit: number; burstLimit: number };
}

/**
 * The HTTP API: `POST /webhooks/<source>` for each configured source only (anything else is
 * API Gateway's 404 before any code runs), throttled, with access logs that leave out the query
 * string (a Salesforce path token travels there).
 */
export class WebhookApi extends Construct {
  readonly api: HttpApi;
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { createDefaultStage: false, description: 'samepage webhooks' });
    const stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle,
    });
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    (stage.node.defaultChild as CfnStage).accessLogSettings = {
      destinationArn: accessLogs.logGroupArn,
      format: JSON.stringify({
        requestId: '$context.requestId',
        time: '$context.requestTime',
        route: '$context.routeKey',
        path: '$context.path',
        status: '$context.status',
        latencyMs: '$context.responseLatency',
        integrationError: '$context.integrationErrorMessage',
        sourceIp: '$context.identity.sourceIp',
        userAgent: '$context.identity.userAgent',
      }),
    };
    const integration = new HttpLambdaIntegration('Ingest', props.ingest);
    for (const source of props.sources) {
      this.api.addRoutes({ path: `/webhooks/${source}`, methods: [HttpMethod.POST], integration });
    }
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'Webhook senders (HubSpot, Salesforce, Pipedrive, Typeform, Standard Webhooks) cannot use API Gateway authorizers; every delivery is authenticated in the ingest function by its signature, Basic credentials or org id before anything is stored, and refused with 401 otherwise.',
    });
    this.baseUrl = `${this.api.apiEndpoint}/webhooks/`;
    new CfnOutput(scope, 'WebhookBaseUrl', {
      value: this.baseUrl,
      description: 'POST <this><source> from each CRM',
    });
  }
}
