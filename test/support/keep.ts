import { expect } from 'vitest';
import type { ParseContext, SourceAdapter } from '#shared/sources/types.ts';
import { personalValuesIn } from './personal.ts';

/**
 * Keeps a body the way ingest does and checks the promise replay depends on: the kept body parses
 * to the same events and the same problem paths as the body, and keeping it again changes nothing.
 * Returns the kept body, for the test to check what it no longer holds.
 */
export function keptAndParsedTheSame(adapter: SourceAdapter, body: string, context: ParseContext): string {
  const original = adapter.parse(body, context);
  const kept = adapter.keep(body, context);
  const again = adapter.parse(kept, context);
  expect(again.events).toEqual(original.events);
  expect(again.problems.map((problem) => problem.path)).toEqual(
    original.problems.map((problem) => problem.path),
  );
  expect(adapter.keep(kept, context)).toBe(kept);
  return kept;
}

/**
 * Asserts that none of the personal values occurs in the text as a whole value (case-insensitively,
 * not inside a longer word or number: "555" of a phone number is not the 555 in a millisecond
 * timestamp, which made this check fail at some instants), each named when found.
 */
export function expectNoneOf(text: string, personal: readonly string[]): void {
  expect(personalValuesIn(text, personal), 'personal values left in the kept body').toEqual([]);
}
