import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import {
  AuthenticationError,
  ConfigError,
  RequestTooLargeError,
  SecretNotFoundError,
  UnknownSourceError,
  ValidationError,
} from '#shared/errors.ts';

type HttpAnswer = APIGatewayProxyStructuredResultV2 & { statusCode: number; body: string };

function answer(
  statusCode: number,
  error: string,
  reason: string,
  fields: Record<string, string> = {},
): HttpAnswer {
  return {
    statusCode,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ error, ...fields, reason }),
  };
}

/**
 * The one place where domain errors become HTTP answers. Anything unexpected is a 500, so the
 * sender retries; it is logged with its stack, and its message is not echoed to the caller.
 */
export function httpAnswerFor(error: unknown): HttpAnswer {
  // The failed check and its request-side reason only; the detail (URL checked, value expected)
  // is logged, never answered: the caller may be a prober.
  if (error instanceof AuthenticationError) {
    return answer(401, 'unauthorized', error.reason, { check: error.check });
  }
  if (error instanceof UnknownSourceError) return answer(404, 'unknown_source', error.message);
  if (error instanceof RequestTooLargeError) return answer(413, 'too_large', error.message);
  if (error instanceof ValidationError) return answer(400, 'invalid_request', error.message);
  if (error instanceof SecretNotFoundError || error instanceof ConfigError) {
    return answer(500, 'misconfigured', 'the stack is missing configuration; ops have been alerted');
  }
  return answer(500, 'internal', 'temporary failure, please retry');
}

/** Maps errors to answers and logs them: a refusal with its check and full reason, a failure with its stack. */
export function httpErrors(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2> {
  return {
    onError: async (request) => {
      const mapped = httpAnswerFor(request.error);
      if (mapped.statusCode >= 500) logger.error('delivery failed', { error: request.error as Error });
      else
        logger.warn('delivery refused', {
          statusCode: mapped.statusCode,
          ...(request.error instanceof AuthenticationError ? { check: request.error.check } : {}),
          reason: (request.error as Error).message,
        });
      request.response = mapped;
    },
  };
}
