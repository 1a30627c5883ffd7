import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliver, isStored, type SecurityStack, signedFor, startSecurityStack } from './support.ts';

/**
 * Found by fuzzing: standardwebhooks' `verify` JSON-parses the body after a matching signature,
 * so a correctly signed body that is not JSON threw a SyntaxError, answered 500, and the sender
 * retried for ever without the delivery ever being kept.
 */
describe('regression: a signed generic body that is not JSON got a 500 instead of quarantine', () => {
  let stack: SecurityStack;
  beforeAll(async () => {
    stack = await startSecurityStack();
  });
  afterAll(() => stack.close());

  it.each(['\u0000', 'x', '{"events": [', '<xml/>'])('quarantines %j with a 200', async (body) => {
    const { headers } = signedFor(stack, 'generic', body, { baseUrl: stack.server.url });
    stack.counting.reset();
    const answer = await deliver(stack, 'http', 'generic', body, headers);
    expect(answer.status, answer.text).toBe(200);
    expect(JSON.parse(answer.text)).toMatchObject({
      status: 'quarantined',
      reason: expect.stringMatching(/not JSON/),
    });
    expect(stack.counting.kept.map((kept) => kept.kind)).toEqual(['quarantine']);
    for (const kept of stack.counting.kept) expect(await isStored(stack, kept)).toBe(true);
  });
});
