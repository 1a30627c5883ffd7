import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { ClientConfig } from '#shared/config/schema.ts';
import { renderPacketWeb } from '#shared/email/render.ts';
import { findWebPacket } from '#shared/packets/web-link.ts';
import type { Clock } from '#shared/ports/clock.ts';
import type { Store } from '#shared/ports/store.ts';
import type { Observability } from '../lib/observability.ts';

export interface ViewPacketDeps {
  config: ClientConfig;
  store: Pick<Store, 'getPacketSnapshot'>;
  clock: Clock;
}

/**
 * Every answer: never cached (the link is a credential, and a shared cache would keep the page
 * after the link expired), never indexed, no referrer for the page's links, no script at all.
 */
const HEADERS = {
  'cache-control': 'no-store',
  'x-robots-tag': 'noindex, nofollow',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
};

/** One answer for every link that does not open a packet, so the answer says nothing of why. */
const NOT_FOUND: APIGatewayProxyStructuredResultV2 = {
  statusCode: 404,
  headers: { ...HEADERS, 'content-type': 'text/plain; charset=utf-8' },
  body: 'This link does not open a packet: it is mistyped, revoked or expired. Ask for the latest packet email.',
};

/** GET /packets/view?p=<cadence>-<date>&t=<token>: the packet's web copy, or 404. */
export function createViewPacketHandler(deps: ViewPacketDeps, { logger }: Pick<Observability, 'logger'>) {
  return middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
    .use(injectLambdaContext(logger))
    .handler(async (event) => {
      const query = event.queryStringParameters ?? {};
      const found = await findWebPacket(deps.store, deps.config, query, deps.clock());
      // The packet id and why it was refused, never the token.
      logger.info('web copy', {
        packet: query.p?.slice(0, 40),
        outcome: found.found ? 'shown' : found.reason,
      });
      if (!found.found) return NOT_FOUND;
      return {
        statusCode: 200,
        headers: { ...HEADERS, 'content-type': 'text/html; charset=utf-8' },
        body: await renderPacketWeb(found.packet, deps.config.currency),
      };
    });
}
