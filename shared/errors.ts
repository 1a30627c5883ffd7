/**
 * Typed errors of the domain. Handlers map them to HTTP answers in one place
 * (functions/ingest/http-errors.ts); nothing else decides a status code.
 */

/** One invalid field: where it is and what was expected there. */
export interface FieldProblem {
  path: string;
  message: string;
}

function describe(problems: readonly FieldProblem[]): string {
  return problems.map((p) => `  - ${p.path || '(root)'}: ${p.message}`).join('\n');
}

/** A client config that does not match the contract; lists every bad field. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(
    readonly source: string,
    readonly problems: readonly FieldProblem[],
  ) {
    super(`Invalid client config ${source}:\n${describe(problems)}`);
  }
}

/** Which check refused a delivery; the only thing about the refusal a 401 answer names besides `reason`. */
export type AuthenticationCheck = 'signature' | 'timestamp' | 'credentials';

/**
 * The delivery's authentication failed: wrong or missing signature, stale timestamp, wrong
 * credentials. `reason` is said to the caller, who may be a prober: it describes the request
 * only, never the stack (no URL checked against, no expected value, nothing about what is
 * configured). `detail`, the message, is for the logs and metrics only.
 */
export class AuthenticationError extends Error {
  override readonly name = 'AuthenticationError';
  constructor(
    readonly check: AuthenticationCheck,
    readonly reason: string,
    readonly detail: string = reason,
  ) {
    super(detail);
  }
}

/** The webhook source is not configured for this client. */
export class UnknownSourceError extends Error {
  override readonly name = 'UnknownSourceError';
  constructor(readonly sourceName: string) {
    super(`Source "${sourceName}" is not configured for this client`);
  }
}

/** A verified delivery whose body does not validate; it is quarantined, not retried. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(
    message: string,
    readonly problems: readonly FieldProblem[] = [],
  ) {
    super(problems.length > 0 ? `${message}:\n${describe(problems)}` : message);
  }
}

/** The request itself is unusable before any verification (e.g. too large). */
export class RequestTooLargeError extends Error {
  override readonly name = 'RequestTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
    what = 'Body',
  ) {
    super(`${what} of ${bytes} bytes exceeds the limit of ${limit} bytes`);
  }
}

/** A named secret could not be resolved. */
export class SecretNotFoundError extends Error {
  override readonly name = 'SecretNotFoundError';
  constructor(
    readonly secretName: string,
    readonly where: string,
  ) {
    super(`Secret "${secretName}" not found (${where})`);
  }
}

/** Turns zod issues into field problems with dotted paths. */
export function problemsFromZod(
  issues: readonly {
    path: readonly PropertyKey[];
    message: string;
    code?: string;
    issues?: readonly { message: string }[];
  }[],
): FieldProblem[] {
  return issues.map((issue) => ({
    path: issue.path
      .map((part) => (typeof part === 'number' ? `[${part}]` : String(part)))
      .join('.')
      .replace(/\.\[/g, '['),
    // A record key that fails its schema is reported as "Invalid key in record"; the key schema's
    // own message (the path already names the key) says what was expected.
    message: issue.code === 'invalid_key' && issue.issues?.[0] ? issue.issues[0].message : issue.message,
  }));
}
