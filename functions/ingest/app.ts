import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { AuthenticationError } from '#shared/errors.ts';
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
    // The bytes as they arrived: a base64 body is decoded to bytes, never to a UTF-8 string here.
    body: Buffer.from(body, event.isBase64Encoded ? 'base64' : 'utf8'),
    receivedAt,
  };
}

/**
 * A refused delivery in the metrics: one count per failed check (`AuthenticationFailedSignature`,
 * `…Timestamp`, `…Credentials`), and the full reason, which the 401 answer leaves out, as
 * metadata of the same embedded-metric record (searchable in CloudWatch Logs, not a dimension).
 */
function countAuthenticationFailure(metrics: Observability['metrics'], error: AuthenticationError): void {
  count(metrics, `AuthenticationFailed${error.check[0]?.toUpperCase()}${error.check.slice(1)}`);
  metrics.addMetadata('refusedCheck', error.check);
  metrics.addMetadata('refusedReason', error.detail);
}

/** POST /webhooks/{source}: parse the API Gateway event, call the domain, answer. */
export function createIngestHandler(deps: IngestDeps, { logger, metrics }: Observability) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics))
    .use(
      httpErrors(logger, (statusCode, error) => {
        count(metrics, statusCode >= 500 ? 'DeliveriesFailed' : 'DeliveriesRefused');
        if (error instanceof AuthenticationError) countAuthenticationFailure(metrics, error);
      }),
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
