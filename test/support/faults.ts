import { gunzipSync } from 'node:zlib';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { SESClient } from '@aws-sdk/client-ses';
import { unmarshall } from '@aws-sdk/util-dynamodb';

/**
 * Fault injection at the AWS SDK client: a middleware placed between the SDK's deserializer and
 * the HTTP handler, below the retry middleware. An injected fault is therefore seen exactly as a
 * real one: the SDK parses the error answer into its own exception class, classifies it
 * (throttling, transient, client error) and retries it up to the client's `maxAttempts`, and the
 * injector counts every attempt. No code of samepage is replaced.
 */

/** One request as the SDK is about to put it on the wire (each SDK retry is a new attempt). */
export interface FaultCall {
  /** The low-level command, e.g. `PutItemCommand` (the document client's commands included). */
  command: string;
  /** The command input as sent (DynamoDB items in AttributeValue form). */
  input: unknown;
}

/** What the service does instead of answering normally. */
export type Fault =
  | {
      kind: 'answer';
      /** The error as the service sends it: HTTP status, headers and body. */
      status: number;
      headers: Record<string, string>;
      body: string;
      name: string;
    }
  | {
      /** The connection fails. With `afterWrite` the request reached the service first: only the answer is lost. */
      kind: 'network';
      code: 'ECONNRESET' | 'ETIMEDOUT' | 'EPIPE';
      afterWrite: boolean;
      name: string;
    };

export interface FaultRule {
  when: (call: FaultCall) => boolean;
  fault: Fault;
  /** How many matching attempts fail; every one until `heal()` when absent. */
  times?: number;
}

export interface FaultInjector {
  /** Every attempt that went through the injector, faulted or not, in order. */
  readonly calls: readonly (FaultCall & { faulted: boolean })[];
  /** How many attempts were answered with a fault. */
  readonly injected: number;
  /** Attempts of one command (counting SDK retries), optionally only the faulted ones. */
  attemptsOf(command: string, which?: 'all' | 'faulted'): number;
  /** The fault clears: later requests go through untouched (attempts are still counted). */
  heal(): void;
  /** Takes the middleware off the client. */
  remove(): void;
}

function awsJsonError(status: number, type: string, message: string): Fault {
  return {
    kind: 'answer',
    status,
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': 'fault-injected' },
    body: JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${type}`, message }),
    name: type,
  };
}

function awsQueryError(status: number, code: string, message: string): Fault {
  const type = status >= 500 ? 'Receiver' : 'Sender';
  return {
    kind: 'answer',
    status,
    headers: { 'content-type': 'text/xml', 'x-amzn-requestid': 'fault-injected' },
    body: `<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault-injected</RequestId></ErrorResponse>`,
    name: code,
  };
}

/** DynamoDB's own error answers (JSON 1.0 protocol), as its API reference documents them. */
export const DYNAMO_FAULTS = {
  throughputExceeded: awsJsonError(
    400,
    'ProvisionedThroughputExceededException',
    'The level of configured provisioned throughput for the table was exceeded.',
  ),
  throttling: awsJsonError(400, 'ThrottlingException', 'Rate of requests exceeds the allowed throughput.'),
  internal: awsJsonError(500, 'InternalServerError', 'Internal server error'),
  unavailable: awsJsonError(503, 'ServiceUnavailable', 'Service unavailable'),
} as const;

/** SES's error answers (query protocol, XML). */
export const SES_FAULTS = {
  throttling: awsQueryError(400, 'Throttling', 'Maximum sending rate exceeded.'),
  unavailable: awsQueryError(503, 'ServiceUnavailable', 'Service is unavailable.'),
  rejected: awsQueryError(400, 'MessageRejected', 'Email address is not verified.'),
} as const;

/** SES refusing an unverified identity: its message names the address (the sandbox refuses unverified recipients). */
export function sesUnverified(address: string): Fault {
  return awsQueryError(
    400,
    'MessageRejected',
    `Email address is not verified. The following identities failed the check in region US-EAST-1: ${address}`,
  );
}

/** A dropped connection; with `afterWrite` the service did the work and only its answer is lost. */
export function networkFault(
  afterWrite = false,
  code: 'ECONNRESET' | 'ETIMEDOUT' | 'EPIPE' = 'ECONNRESET',
): Fault {
  return { kind: 'network', code, afterWrite, name: code };
}

function networkError(code: string): Error {
  return Object.assign(new Error(`socket hang up (${code}, injected)`), { code });
}

/** The `pk` a DynamoDB command writes or reads (Item or Key, in AttributeValue form), if any. */
export function pkOf(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const record = input as { Item?: { pk?: { S?: string } }; Key?: { pk?: { S?: string } } };
  return record.Item?.pk?.S ?? record.Key?.pk?.S;
}

/** A predicate on the command name and, optionally, the `pk` it touches. */
export function on(command: string, pk?: (key: string) => boolean): (call: FaultCall) => boolean {
  return (call) => {
    if (call.command !== command) return false;
    if (!pk) return true;
    const key = pkOf(call.input);
    return key !== undefined && pk(key);
  };
}

let injectors = 0;

type StackOf<Client> = Client extends { middlewareStack: infer Stack } ? Stack : never;

/**
 * Adds the fault middleware to a client's stack. DynamoDB's document client shares its base
 * client's stack, so injecting on the `DynamoDBClient` covers the store's document commands.
 */
export function injectFaults(client: DynamoDBClient | SESClient, rules: readonly FaultRule[]): FaultInjector {
  const calls: (FaultCall & { faulted: boolean })[] = [];
  const used = rules.map(() => 0);
  let healed = false;
  let injected = 0;

  const pick = (call: FaultCall): Fault | undefined => {
    if (healed) return undefined;
    for (const [index, rule] of rules.entries()) {
      if (!rule.when(call)) continue;
      const count = used[index] ?? 0;
      if (rule.times !== undefined && count >= rule.times) continue;
      used[index] = count + 1;
      return rule.fault;
    }
    return undefined;
  };

  const middleware =
    <Next extends (args: { input: object; request: unknown }) => Promise<{ response: unknown }>>(
      next: Next,
      context: { commandName?: string },
    ) =>
    async (args: Parameters<Next>[0]): Promise<Awaited<ReturnType<Next>>> => {
      const call: FaultCall = { command: context.commandName ?? '(unknown)', input: args.input };
      const fault = pick(call);
      calls.push({ ...call, faulted: fault !== undefined });
      if (!fault) return (await next(args)) as Awaited<ReturnType<Next>>;
      injected++;
      if (fault.kind === 'network') {
        if (fault.afterWrite) await next(args);
        throw networkError(fault.code);
      }
      // An HTTP answer the SDK's deserializer turns into the service's exception.
      return {
        response: {
          statusCode: fault.status,
          headers: fault.headers,
          body: new TextEncoder().encode(fault.body),
        },
      } as Awaited<ReturnType<Next>>;
    };

  const name = `samepageFaultInjection${++injectors}`;
  const options = { step: 'deserialize', priority: 'low', name } as const;
  if (client instanceof DynamoDBClient) {
    (client.middlewareStack as StackOf<DynamoDBClient>).add(middleware, options);
  } else {
    (client.middlewareStack as StackOf<SESClient>).add(middleware, options);
  }

  return {
    calls,
    get injected() {
      return injected;
    },
    attemptsOf: (command, which = 'all') =>
      calls.filter((call) => call.command === command && (which === 'all' || call.faulted)).length,
    heal: () => {
      healed = true;
    },
    remove: () => {
      client.middlewareStack.remove(name);
    },
  };
}

/**
 * Every item of a table, gzipped attributes unpacked, sorted by key: what a faulted run and a
 * clean run are compared on. Tests may Scan; the product never does.
 */
export async function tableItems(
  client: DynamoDBClient,
  tableName: string,
): Promise<Record<string, unknown>[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: start }));
    for (const item of page.Items ?? []) {
      const plain = unmarshall(item);
      for (const [name, value] of Object.entries(plain)) {
        if (value instanceof Uint8Array) plain[name] = gunzipSync(value).toString('utf8');
      }
      items.push(plain);
    }
    start = page.LastEvaluatedKey;
  } while (start);
  const key = (item: Record<string, unknown>) => `${String(item.pk)}\u0000${String(item.sk)}`;
  return items.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}
