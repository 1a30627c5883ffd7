import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entityRef } from '../support/refs.ts';
import { deliver, isStored, type SecurityStack, signedFor, startSecurityStack } from './support.ts';

/**
 * Found by fuzzing (SAMEPAGE_FUZZ_RUNS=1000, seed 20261122, typeform, run 250): a JSON `\udfff`
 * escape puts a lone surrogate in an id. DynamoDB stores it as U+FFFD, the projection looked it
 * up with the surrogate, never found its own state, and its conditional write failed on every
 * retry: the second delivery about that record answered 500 for ever.
 */
describe('regression: an id with a lone surrogate made every later delivery about it answer 500', () => {
  let stack: SecurityStack;
  beforeAll(async () => {
    stack = await startSecurityStack();
  });
  afterAll(() => stack.close());

  async function send(body: string) {
    const { headers } = signedFor(stack, 'generic', body, { baseUrl: stack.server.url });
    stack.counting.reset();
    const answer = await deliver(stack, 'http', 'generic', body, headers);
    expect(answer.status, answer.text).toBe(200);
    for (const kept of stack.counting.kept) expect(await isStored(stack, kept)).toBe(true);
    return JSON.parse(answer.text) as { status: string; events: number };
  }

  const contact = (id: string, title: string, minute: number) =>
    JSON.stringify({ events: [{ type: 'contact', id, at: `2026-11-16T14:0${minute}:00Z`, title }] });

  it('projects a record again and again, and a repeat of the same bytes', async () => {
    expect(await send(contact('c-\udfff', 'VP', 1))).toMatchObject({ status: 'accepted', events: 1 });
    expect(await send(contact('c-\udfff', 'CMO', 2))).toMatchObject({ status: 'accepted', events: 1 });
    expect(await send(contact('c-\udfff', 'CMO', 2))).toMatchObject({ status: 'duplicate', events: 1 });
    // Another lone surrogate reads back as the same U+FFFD: the same record, not a 500.
    expect(await send(contact('c-\ud800', 'CEO', 3))).toMatchObject({ status: 'accepted', events: 1 });
    const stored = await stack.counting.store.getEntities([entityRef('contact#generic:c-\ufffd')]);
    expect(stored.get('contact#generic:c-\ufffd')?.state.fields.title?.at(-1)?.value).toBe('CEO');
  });
});
