import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type IngestDeps, ingestDelivery } from '#shared/ingest/ingest.ts';
import type { WebhookRequest } from '#shared/sources/types.ts';
import { httpErrors } from '../lib/http-errors.ts';
import { count, type Observability } from '../lib/observability.ts';

/** The URL the sender called, as it signed it (API Gateway always answers on https). */
function calledUrl(event: APIGatewayProxyEventV2, headers: Record<string, string>): string {
  const scheme = headers['x-forwarded-proto'] ?? 'https';
  const host = headers.host ?? event.requestContext.domainName;
  return `${scheme}://${host}${event.rawPath}${event.rawQueryString ? `?${event.rawQueryString}` : ''}`;
}

export function webhookRequestFrom(event: APIGatewayProxyEventV2, receivedAt: number): WebhookRequest {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const body = event.body ?? '';
  return {
    method: event.requestContext.http.method,
    url: calledUrl(event, headers),
    headers,
    body: event.isBase64Encoded ? Buffer.from(body, 'base64').toString('utf8') : body,
    receivedAt,
  };
}

/** POST /webhooks/{source}: parse the API Gateway event, call the domain, answer. */
export function createIngestHandler(deps: IngestDeps, { logger, metrics }: Observability) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(
      httpErrors(logger, (statusCode) =>
        count(metrics, statusCode >= 500 ? 'DeliveriesFailed' : 'DeliveriesRefused'),
      ),
    )
    .handler(async (event) => {
      // The stack routes each configured source by its literal path; the twin passes {source}.
      const source = event.pathParameters?.source ?? event.rawPath.split('/').at(-1) ?? '';
      const { outcome, answer } = await ingestDelivery(deps, source, webhookRequestFrom(event, deps.clock()));
      logger.info('delivery', { source, ...outcome });
      count(metrics, `Deliveries${outcome.status[0]?.toUpperCase()}${outcome.status.slice(1)}`);
      return answer;
    });
}
