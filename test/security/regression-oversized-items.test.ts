import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENT_LIMITS } from '#shared/ingest/canonical.ts';
import { deliver, isStored, type SecurityStack, signedFor, startSecurityStack } from './support.ts';

/**
 * Found by fuzzing: DynamoDB keeps at most 400 KB per item. A signed delivery whose quarantine
 * problems echoed large values, or whose event carried a 500 KB text (its entity state then over
 * the limit), answered 500 on every retry: never kept, or kept and never projected.
 */
describe('regression: deliveries that made a DynamoDB item over 400 KB answered 500 for ever', () => {
  let stack: SecurityStack;
  beforeAll(async () => {
    stack = await startSecurityStack();
  });
  afterAll(() => stack.close());

  async function send(source: 'generic' | 'hubspot', body: string) {
    const { headers } = signedFor(stack, source, body, { baseUrl: stack.server.url });
    stack.counting.reset();
    const answer = await deliver(stack, 'direct', source, body, headers);
    expect(answer.status, answer.text).toBe(200);
    for (const kept of stack.counting.kept) expect(await isStored(stack, kept)).toBe(true);
    return JSON.parse(answer.text) as { status: string; events: number; problems: number };
  }

  it('quarantines a delivery whose problems echo 600 KB of values', async () => {
    const item = {
      subscriptionType: 'deal.propertyChange',
      portalId: 33,
      occurredAt: 1,
      objectId: 1,
      propertyName: 'amount',
    };
    const body = JSON.stringify([1, 2].map(() => ({ ...item, propertyValue: 'x'.repeat(300_000) })));
    expect(await send('hubspot', body)).toMatchObject({ status: 'quarantined', problems: 2 });
    expect(stack.counting.kept.map((kept) => kept.kind)).toEqual(['quarantine']);
  });

  it('keeps an event with a 500 KB title as a problem and projects the valid one beside it', async () => {
    const at = '2026-11-16T14:03:00Z';
    const body = JSON.stringify({
      events: [
        { type: 'contact', id: 'huge', at, title: 'a'.repeat(500_000) },
        { type: 'contact', id: 'fine', at, title: 'VP Marketing' },
      ],
    });
    expect(await send('generic', body)).toMatchObject({ status: 'accepted', events: 1, problems: 1 });
    expect(stack.counting.kept.map((kept) => kept.kind)).toEqual(['raw', 'quarantine']);
    expect(stack.counting.calls).toContain('putEntity');
  });

  it('bounds ids and lists too', async () => {
    const at = '2026-11-16T14:03:00Z';
    const body = JSON.stringify({
      events: [
        { type: 'company', id: 'c'.repeat(EVENT_LIMITS.idChars + 1), at },
        {
          type: 'company',
          id: 'co',
          at,
          tech: Array.from({ length: EVENT_LIMITS.listEntries + 1 }, (_, i) => `t${i}`),
        },
      ],
    });
    expect(await send('generic', body)).toMatchObject({ status: 'accepted', events: 0, problems: 2 });
    expect(stack.counting.calls).not.toContain('putEntity');
  });
});
