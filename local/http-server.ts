import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';

type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;

const ROUTE = /^\/webhooks\/([^/?]+)$/;
const CHAT_ROUTE = /^\/chat\/(slack|teams)\/([^/?]+)$/;

/** What the twin's chat capture endpoint was sent: a Slack or Teams payload, for one named destination. */
export interface ChatCapture {
  kind: 'slack' | 'teams';
  name: string;
  /** The `x-samepage-packet` header: `<cadence>-<period start date>`, the packet's outbox folder. */
  packet: string;
  payload: unknown;
}
/** Bodies API Gateway passes as text; anything else arrives base64-encoded, as in AWS. */
const TEXT_TYPES = /^(text\/|application\/(json|xml|soap\+xml|x-www-form-urlencoded))/i;
/** A little over API Gateway's 10 MB so the handler, not the twin, decides what is too large. */
const MAX_READ_BYTES = 11 * 1024 * 1024;

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_READ_BYTES) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

let requestCounter = 0;

/** The API Gateway HTTP API (payload 2.0) event AWS would build for this request. */
export function apiGatewayEvent(
  request: IncomingMessage,
  body: Buffer,
  source: string,
): APIGatewayProxyEventV2 {
  const url = new URL(request.url ?? '/', 'http://local');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  headers['x-forwarded-proto'] ??= 'http';
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = new Date();
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{source}',
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: url.search ? Object.fromEntries(url.searchParams) : undefined,
    pathParameters: { source },
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method: request.method ?? 'GET',
        path: url.pathname,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: `local-${++requestCounter}`,
      routeKey: 'POST /webhooks/{source}',
      stage: '$default',
      time: now.toISOString(),
      timeEpoch: now.getTime(),
    },
    body: body.length === 0 ? undefined : isText ? body.toString('utf8') : body.toString('base64'),
    isBase64Encoded: body.length > 0 && !isText,
  };
}

function lambdaContext(requestId: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'samepage-ingest-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:samepage-ingest-local',
    memoryLimitInMB: '256',
    awsRequestId: requestId,
    logGroupName: 'local',
    logStreamName: 'local',
    getRemainingTimeInMillis: () => 30_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

export interface WebhookServer {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/**
 * Serves `POST /webhooks/{source}` by calling the ingest handler with the event AWS would build,
 * with `onChat`, `POST /chat/{slack|teams}/{name}`: a capture of what a packet posts to chat, and
 * with `view`, `GET /packets/view`: the packets' web copies, as the stack serves them.
 */
export async function startWebhookServer(
  handler: ApiHandler,
  port = 0,
  routes: { onChat?: (capture: ChatCapture) => Promise<void>; view?: ApiHandler } = {},
): Promise<WebhookServer> {
  const { onChat, view } = routes;
  const server = createServer(async (request, response) => {
    const path = new URL(request.url ?? '/', 'http://local').pathname;
    if (request.method === 'GET' && path === '/packets/view' && view) {
      const event = apiGatewayEvent(request, Buffer.alloc(0), '');
      const result = await view(event, lambdaContext(event.requestContext.requestId));
      const headers = Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      response.writeHead(result.statusCode ?? 200, headers).end(result.body ?? '');
      return;
    }
    const chat = CHAT_ROUTE.exec(path);
    if (request.method === 'POST' && chat?.[1] && chat[2] && onChat) {
      // Answers as the real webhooks do: Slack "200 ok", a Teams workflow "202 Accepted".
      const kind = chat[1] as ChatCapture['kind'];
      try {
        const payload: unknown = JSON.parse((await readBody(request)).toString('utf8'));
        const packet = String(request.headers['x-samepage-packet'] ?? 'unknown-packet');
        await onChat({ kind, name: decodeURIComponent(chat[2]), packet, payload });
        if (kind === 'slack') response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        else response.writeHead(202).end();
      } catch {
        response.writeHead(400, { 'content-type': 'text/plain' }).end('invalid_payload');
      }
      return;
    }
    const match = ROUTE.exec(path);
    if (request.method !== 'POST' || !match?.[1]) {
      response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    try {
      const event = apiGatewayEvent(request, await readBody(request), decodeURIComponent(match[1]));
      const result = await handler(event, lambdaContext(event.requestContext.requestId));
      const headers = Object.fromEntries(
        Object.entries(result.headers ?? {}).map(([k, v]) => [k, String(v)]),
      );
      response.writeHead(result.statusCode ?? 200, headers).end(result.body ?? '');
    } catch (error) {
      response
        .writeHead(500, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: String(error) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: actual } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${actual}`,
    server,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
