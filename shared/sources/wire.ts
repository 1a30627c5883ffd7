import { createHash, timingSafeEqual } from 'node:crypto';
import type * as z from 'zod';
import { problemsFromZod, ValidationError } from '../errors.ts';

/**
 * Constant-time equality of a received credential and the expected one. Both are hashed first,
 * so neither their contents nor their lengths shape the comparison's timing.
 */
export function constantTimeEqual(received: string | Buffer, expected: string | Buffer): boolean {
  const left = createHash('sha256').update(received).digest();
  const right = createHash('sha256').update(expected).digest();
  return timingSafeEqual(left, right);
}

/** Parses a JSON body against its wire schema; anything else is a ValidationError (quarantined). */
export function parseJsonBody<Schema extends z.ZodType>(
  body: string,
  schema: Schema,
  expected: string,
): z.output<Schema> {
  let document: unknown;
  try {
    document = JSON.parse(body);
  } catch (error) {
    throw new ValidationError(`body is not JSON${syntaxErrorPosition(error)}`);
  }
  const result = schema.safeParse(document);
  if (!result.success)
    throw new ValidationError(`body is not ${expected}`, problemsFromZod(result.error.issues));
  return result.data;
}

/**
 * Where a JSON syntax error is, without its words: V8's messages quote the body (`Unexpected
 * token 'j', "john.smith"... is not valid JSON`), and a reason is stored and logged.
 */
export function syntaxErrorPosition(error: unknown): string {
  const position = /at position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
  return position === undefined ? '' : ` (syntax error at character ${position})`;
}
