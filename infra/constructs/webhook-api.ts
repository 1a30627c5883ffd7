import { CfnOutput, Validations } from 'aws-cdk-lib';
import { type CfnStage, HttpApi, HttpMethod, HttpStage } from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { SourceName } from '#shared/config/schema.ts';
import { WEB_PATH } from '#shared/packets/web-link.ts';

export interface RouteThrottle {
  /** Steady requests per second. */
  rateLimit: number;
  /** Requests API Gateway lets through at once before answering 429. */
  burstLimit: number;
}

/**
 * Each route's own throttle, sized to what its sender sends at most, so a flood on one route
 * (signatures are checked in the function, so unauthenticated callers spend a route's allowance
 * too) answers 429 on that route only. Route-level limits in an HTTP API stage:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-throttling.html
 */
export const ROUTE_THROTTLES: Record<SourceName, RouteThrottle> = {
  // HubSpot keeps at most the app's maxConcurrentRequests in flight (the settings API reference's
  // example is 10), each request an array of events: a burst of 40 takes four times that.
  // https://developers.hubspot.com/docs/api-reference/legacy/webhooks/settings/update-setting
  hubspot: { rateLimit: 20, burstLimit: 40 },
  // Workflows "issue webhook attempts at up to 20 requests per second" and retry a 429 after its
  // Retry-After: https://developers.hubspot.com/docs/methods/workflows/webhook_information
  'hubspot-workflow': { rateLimit: 20, burstLimit: 40 },
  // Up to 100 notifications per SOAP message, sent from a queue by a background process and
  // retried for 24 hours:
  // https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_notifications.htm
  salesforce: { rateLimit: 10, burstLimit: 20 },
  // One request per change, no batching (a bulk edit sends one per record), and a failed or slow
  // (10 s) delivery counts toward Pipedrive's ban of the webhook, a 429 included: the most headroom.
  // https://pipedrive.readme.io/docs/webhooks-for-apps (webhooks policy)
  pipedrive: { rateLimit: 30, burstLimit: 60 },
  // One request per form response: people filling in a form.
  typeform: { rateLimit: 5, burstLimit: 10 },
  // Automations posting samepage's event JSON, up to 100 events a request.
  generic: { rateLimit: 10, burstLimit: 20 },
};

/** For a route without its own limits: the smallest sender's. */
const DEFAULT_THROTTLE: RouteThrottle = { rateLimit: 5, burstLimit: 10 };

export interface WebhookApiProps {
  sources: readonly SourceName[];
  ingest: IFunction;
  /** `GET /packets/view`: the packets' web copies. */
  viewPacket: IFunction;
}

/** People opening a packet from a mail or a chat post: a few a minute, never a flood. */
const VIEW_THROTTLE: RouteThrottle = { rateLimit: 2, burstLimit: 10 };

/**
 * The HTTP API: `POST /webhooks/<source>` for each configured source only (anything else is
 * API Gateway's 404 before any code runs), each route throttled on its own, with access logs
 * that leave out the query string (a Salesforce path token travels there).
 */
export class WebhookApi extends Construct {
  readonly api: HttpApi;
  readonly baseUrl: string;
  /** The API's own URL: mails and chat posts link to the web copies under it. */
  readonly apiEndpoint: string;

  constructor(scope: Construct, id: string, props: WebhookApiProps) {
    super(scope, id);
    this.api = new HttpApi(this, 'Api', { createDefaultStage: false, description: 'samepage webhooks' });
    const stage = new HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: DEFAULT_THROTTLE,
    });
    const cfnStage = stage.node.defaultChild as CfnStage;
    const accessLogs = new LogGroup(this, 'AccessLogs', { retention: RetentionDays.ONE_MONTH });
    cfnStage.accessLogSettings = {
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
    // RouteSettings is plain JSON to CloudFormation: its keys are route keys, its fields PascalCase.
    const routeSettings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
    for (const source of props.sources) {
      const path = `/webhooks/${source}`;
      for (const route of this.api.addRoutes({ path, methods: [HttpMethod.POST], integration })) {
        // The stage names the route by its key, so it can only be created after the route.
        cfnStage.node.addDependency(route);
      }
      const { rateLimit, burstLimit } = ROUTE_THROTTLES[source];
      routeSettings[`POST ${path}`] = { ThrottlingRateLimit: rateLimit, ThrottlingBurstLimit: burstLimit };
    }
    const view = new HttpLambdaIntegration('ViewPacket', props.viewPacket);
    for (const route of this.api.addRoutes({
      path: WEB_PATH,
      methods: [HttpMethod.GET],
      integration: view,
    })) {
      cfnStage.node.addDependency(route);
    }
    routeSettings[`GET ${WEB_PATH}`] = {
      ThrottlingRateLimit: VIEW_THROTTLE.rateLimit,
      ThrottlingBurstLimit: VIEW_THROTTLE.burstLimit,
    };
    cfnStage.routeSettings = routeSettings;
    Validations.of(this).acknowledge({
      id: 'AwsSolutions::AwsSolutions-APIG4',
      reason:
        'POST /webhooks/<source>: webhook senders (HubSpot, Salesforce, Pipedrive, Typeform, Standard Webhooks) cannot use API Gateway authorizers; every delivery is authenticated in the ingest function before anything is stored (a signature, Basic credentials, or for Salesforce a required shared ?token= compared in constant time and then its org id), and refused with 401 otherwise. GET /packets/view: a capability link from the packet mail or chat post; the view-packet function compares its 256-bit token (a query parameter, left out of the access log) in constant time with the one kept on that packet snapshot, answers 404 when it is wrong or expired, and its role can read packet snapshots only.',
    });
    this.baseUrl = `${this.api.apiEndpoint}/webhooks/`;
    this.apiEndpoint = this.api.apiEndpoint;
    new CfnOutput(scope, 'WebhookBaseUrl', {
      value: this.baseUrl,
      description: 'POST <this><source> from each CRM',
    });
  }
}
