import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import fc from 'fast-check';
import { createIngestHandler } from '#functions/ingest/app.ts';
import { observability } from '#functions/lib/observability.ts';
import { ensureTable, type LocalDynamo, startLocalDynamo } from '#local/dynamodb.ts';
import { startWebhookServer, type WebhookServer } from '#local/http-server.ts';
import { genericHeaders } from '#local/senders/generic.ts';
import { hubspotHeaders, hubspotWorkflowHeaders } from '#local/senders/hubspot.ts';
import { pipedriveHeaders } from '#local/senders/pipedrive.ts';
import { salesforceEndpointQuery, salesforceHeaders } from '#local/senders/salesforce.ts';
import { typeformHeaders } from '#local/senders/typeform.ts';
import { LOCAL_TABLE_NAME } from '#local/twin.ts';
import { DynamoDbStore } from '#shared/adapters/dynamodb-store.ts';
import type { ClientConfig, SourceName } from '#shared/config/schema.ts';
import { type Clock, systemClock } from '#shared/ports/clock.ts';
import type { QuarantinedDelivery, RawDelivery, Store } from '#shared/ports/store.ts';
import { partitionKey } from '#shared/store/table.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';

/** Every source samepage knows, in the order the tests walk them. */
export const SOURCES = [
  'generic',
  'hubspot',
  'hubspot-workflow',
  'salesforce',
  'pipedrive',
  'typeform',
] as const satisfies readonly SourceName[];

/** The seed every property starts from; `SAMEPAGE_FUZZ_SEED` picks another (fast-check prints the failing one). */
export const FUZZ_SEED = Number(process.env.SAMEPAGE_FUZZ_SEED ?? 20261122);

/** Runs per property: `moderate` in `npm test`, `SAMEPAGE_FUZZ_RUNS` when set (e.g. 5000). */
export function fuzzRuns(moderate: number): number {
  const wanted = Number(process.env.SAMEPAGE_FUZZ_RUNS);
  return Number.isInteger(wanted) && wanted > 0 ? wanted : moderate;
}

/** fast-check parameters: fixed seed, run count, and the seed and shrunk case in the failure message. */
export function fuzzParameters(moderate: number): fc.Parameters<unknown> {
  return { seed: FUZZ_SEED, numRuns: fuzzRuns(moderate), verbose: fc.VerbosityLevel.Verbose };
}

// --- a store that counts and remembers what the domain asked of it ---

export interface KeptDelivery {
  kind: 'raw' | 'quarantine';
  deliveryKey: string;
}

export interface CountingStore {
  store: Store;
  /** Every Store method called, in order. */
  calls: string[];
  /** Deliveries the domain asked to keep (raw or in quarantine). */
  kept: KeptDelivery[];
  reset(): void;
}

/** Wraps a Store so every call is counted and every kept delivery's key remembered. */
export function countingStore(inner: Store): CountingStore {
  const calls: string[] = [];
  const kept: KeptDelivery[] = [];
  const store = new Proxy(inner, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      const method = value as (...args: unknown[]) => unknown;
      return (...args: unknown[]) => {
        calls.push(String(property));
        if (property === 'putRawDelivery' || property === 'putQuarantine') {
          const delivery = args[0] as RawDelivery | QuarantinedDelivery;
          kept.push({
            kind: property === 'putRawDelivery' ? 'raw' : 'quarantine',
            deliveryKey: delivery.deliveryKey,
          });
        }
        return method.apply(target, args);
      };
    },
  });
  return {
    store,
    calls,
    kept,
    reset() {
      calls.length = 0;
      kept.length = 0;
    },
  };
}

// --- a stack: dynalite, the counting store, the real ingest handler, optionally over HTTP ---

export type Handler = ReturnType<typeof createIngestHandler>;

export interface SecurityStack {
  config: ClientConfig;
  /** The secret values this stack's senders sign with. */
  secretValues: Readonly<Record<string, string>>;
  dynamo: LocalDynamo;
  counting: CountingStore;
  handler: Handler;
  server: WebhookServer;
  close(): Promise<void>;
}

/** As local/twin.ts wires it, except that the store passed to the handler counts its calls. */
export async function startSecurityStack(
  options: { config?: ClientConfig; secretValues?: Record<string, string>; clock?: Clock } = {},
): Promise<SecurityStack> {
  process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
  const config = options.config ?? exampleConfig();
  const secretValues = options.secretValues ?? TEST_SECRETS;
  const dynamo = await startLocalDynamo();
  await ensureTable(dynamo.client, LOCAL_TABLE_NAME);
  const counting = countingStore(new DynamoDbStore(dynamo.client, LOCAL_TABLE_NAME));
  const handler = createIngestHandler(
    {
      config,
      store: counting.store,
      secrets: testSecrets(secretValues),
      clock: options.clock ?? systemClock,
    },
    observability('samepage-ingest-security'),
  );
  const server = await startWebhookServer(handler);
  return {
    config,
    secretValues,
    dynamo,
    counting,
    handler,
    server,
    close: async () => {
      await server.close();
      await dynamo.close();
    },
  };
}

/** Whether dynalite holds the kept delivery (read back by its key, not through the counting store). */
export async function isStored(stack: SecurityStack, kept: KeptDelivery): Promise<boolean> {
  const answer = await stack.dynamo.client.send(
    new GetItemCommand({
      TableName: LOCAL_TABLE_NAME,
      Key:
        kept.kind === 'raw'
          ? { pk: { S: partitionKey.raw(kept.deliveryKey) }, sk: { S: kept.deliveryKey } }
          : { pk: { S: partitionKey.quarantine(kept.deliveryKey) }, sk: { S: kept.kind } },
      ProjectionExpression: 'pk',
    }),
  );
  return answer.Item !== undefined;
}

// --- delivering ---

/** The public host the in-process events claim (as API Gateway's domain name). */
export const DIRECT_BASE_URL = 'https://hooks.acme.example';

export type Mode = 'http' | 'direct';

export interface Answer {
  status: number;
  text: string;
}

const lambdaContext = { awsRequestId: 'security', functionName: 'ingest' } as Context;

/** The API Gateway HTTP API event (payload 2.0) for a delivery to DIRECT_BASE_URL. */
export function apiEvent(
  source: string,
  body: string,
  headers: Record<string, string>,
  query = '',
): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /webhooks/{source}',
    rawPath: `/webhooks/${source}`,
    rawQueryString: query.replace(/^\?/, ''),
    headers,
    pathParameters: { source },
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: new URL(DIRECT_BASE_URL).host,
      domainPrefix: 'hooks',
      http: {
        method: 'POST',
        path: `/webhooks/${source}`,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.9',
        userAgent: 'security-test',
      },
      requestId: 'security',
      routeKey: 'POST /webhooks/{source}',
      stage: '$default',
      time: '22/Nov/2026:10:00:00 +0000',
      timeEpoch: Date.now(),
    },
    body,
    isBase64Encoded: false,
  };
}

/** The base URL a sender calls for this mode (the HubSpot workflow signature covers it). */
export function baseUrlOf(stack: SecurityStack, mode: Mode): string {
  return mode === 'http' ? stack.server.url : DIRECT_BASE_URL;
}

/** Sends one delivery over HTTP to the webhook server, or straight into the handler. */
export async function deliver(
  stack: SecurityStack,
  mode: Mode,
  source: string,
  body: string,
  headers: Record<string, string>,
  query = '',
): Promise<Answer> {
  if (mode === 'direct') {
    const answer = await stack.handler(apiEvent(source, body, headers, query), lambdaContext);
    return { status: answer.statusCode ?? 200, text: answer.body ?? '' };
  }
  const response = await fetch(`${stack.server.url}/webhooks/${source}${query}`, {
    method: 'POST',
    body,
    headers,
  });
  return { status: response.status, text: await response.text() };
}

/** The headers (and query) the real sender would put on this body for this stack's client. */
export function signedFor(
  stack: Pick<SecurityStack, 'config' | 'secretValues'>,
  source: SourceName,
  body: string,
  options: { baseUrl: string; now?: number },
): { headers: Record<string, string>; query: string } {
  const { config, secretValues } = stack;
  const now = options.now ?? Date.now();
  const value = (name: string | undefined): string => {
    const found = name === undefined ? undefined : secretValues[name];
    if (found === undefined) throw new Error(`no test value for secret ${name}`);
    return found;
  };
  switch (source) {
    case 'generic':
      return {
        headers: genericHeaders(body, value(config.sources.generic?.secret), { timestamp: new Date(now) }),
        query: '',
      };
    case 'hubspot': {
      const hubspot = config.sources.hubspot;
      const uri = hubspot?.canonicalUrl ?? `${options.baseUrl}/webhooks/hubspot`;
      return {
        headers: hubspotHeaders(body, value(hubspot?.clientSecret), { uri, timestamp: now }),
        query: '',
      };
    }
    case 'hubspot-workflow': {
      const workflow = config.sources['hubspot-workflow'];
      const uri = workflow?.canonicalUrl ?? `${options.baseUrl}/webhooks/hubspot-workflow`;
      return { headers: hubspotWorkflowHeaders(body, value(workflow?.secret), { uri }), query: '' };
    }
    case 'salesforce': {
      // No signature exists: the ?token= on the URL and the body's OrganizationId are the credential.
      return {
        headers: salesforceHeaders(),
        query: salesforceEndpointQuery(value(config.sources.salesforce?.pathSecret)),
      };
    }
    case 'pipedrive':
      return { headers: pipedriveHeaders(value(config.sources.pipedrive?.basicAuth)), query: '' };
    case 'typeform':
      return { headers: typeformHeaders(body, value(config.sources.typeform?.secret)), query: '' };
  }
}

/** The example client's Salesforce org, which a "signed" outbound message must name. */
export function organizationOf(config: ClientConfig): string {
  const organizationId = config.sources.salesforce?.organizationId;
  if (organizationId === undefined) throw new Error('the config has no salesforce source');
  return organizationId;
}

/**
 * Wraps any text so the Salesforce endpoint sees its one OrganizationId (with the ?token= of
 * signedFor, its whole credential): the text is then a "correctly signed" delivery, however
 * broken the rest is.
 */
export function withOrganization(config: ClientConfig, text: string): string {
  return `<OrganizationId>${organizationOf(config)}</OrganizationId>${text}`;
}

/**
 * The second client of the replay and auth tests: the example config under another client
 * name, with its own secret names and values, another HubSpot portal and another Salesforce org.
 */
export function otherClient(): { config: ClientConfig; secretValues: Record<string, string> } {
  const config = structuredClone(exampleConfig());
  config.client = 'globex';
  const sources = config.sources;
  if (sources.hubspot) {
    sources.hubspot.clientSecret = 'globex/hubspot-client-secret';
    sources.hubspot.portalId = 77;
  }
  if (sources['hubspot-workflow']) sources['hubspot-workflow'].secret = 'globex/hubspot-client-secret';
  if (sources.typeform) sources.typeform.secret = 'globex/typeform-secret';
  if (sources.pipedrive) sources.pipedrive.basicAuth = 'globex/pipedrive-basic-auth';
  if (sources.generic) sources.generic.secret = 'globex/generic-whsec';
  if (sources.salesforce) {
    sources.salesforce.organizationId = '00Dxx0000002hFSFAZ';
    sources.salesforce.pathSecret = 'globex/salesforce-token';
  }
  config.privacy.emailHashKey = 'globex/email-hash-key';
  return {
    config,
    secretValues: {
      'globex/hubspot-client-secret': 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz',
      'globex/typeform-secret': 'globex-typeform-secret',
      'globex/pipedrive-basic-auth': 'samepage:globex-pipedrive-password',
      'globex/generic-whsec': 'whsec_Z2xvYmV4LWdlbmVyaWMtd2ViaG9vay1zZWNyZXQ=',
      'globex/salesforce-token': 'globex-salesforce-token',
      'globex/email-hash-key': 'globex-email-hash-key',
    },
  };
}
