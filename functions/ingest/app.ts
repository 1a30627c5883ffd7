import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { type IngestDeps, ingestDelivery } from '#shared/ingest/ingest.ts';
import type { WebhookRequest } from '#shared/sources/types.ts';
import { httpErrors } from '../lib/http-errors.ts';
import { counterFor, type Observability, publishCounts } from '../lib/observability.ts';

const count = counterFor('ingest');

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
 * POST /webhooks/{source}: parse the API Gateway event, call the domain, answer. Every outcome is
 * logged (`delivery` with its status, `delivery refused` with the failed check and the full
 * reason the 401 leaves out, `delivery failed`); only a quarantine is also a metric, for its
 * alarm. Refusals and failures show in API Gateway's own 4xx and 5xx metrics, at no cost.
 */
export function createIngestHandler(deps: IngestDeps, { logger, metrics }: Observability) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .use(publishCounts(metrics))
    .use(httpErrors(logger))
    .handler(async (event) => {
      // The stack routes each configured source by its literal path; the twin passes {source}.
      const source = event.pathParameters?.source ?? event.rawPath.split('/').at(-1) ?? '';
      const { outcome, answer } = await ingestDelivery(deps, source, webhookRequestFrom(event, deps.clock()));
      logger.info('delivery', { source, ...outcome });
      if (outcome.status === 'quarantined') count(metrics, 'DeliveriesQuarantined');
      return answer;
    });
}
