import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { containsEmail, emailHasher, redactEmails } from '#shared/privacy.ts';
import { fuzzParameters } from './support.ts';

/**
 * Found by fuzzing: redaction ran one global regular expression that retried from every character
 * of a long run without an `@`, so its time grew with the square of the run (100,000 letters: 13 s;
 * a signed 1 MB body of letters: minutes, past any Lambda timeout, so the delivery was never kept).
 */
describe('regression: redactEmails took quadratic time on long runs of letters', () => {
  const hash = emailHasher('regression-key');
  /**
   * The pattern the redaction must keep matching exactly on plain text (the old implementation's,
   * widened from ASCII to every letter, digit and mark so that `jöhn@` and `@exämple.de` go whole).
   */
  const reference = (text: string) =>
    text.replace(
      /[\p{L}\p{N}\p{M}._%+-]+@[\p{L}\p{N}\p{M}-]+(?:\.[\p{L}\p{N}\p{M}-]+)*\.[\p{L}\p{M}]{2,}/gu,
      (email) => `emailhash:${hash(email)}`,
    );

  it('redacts 1 MB of letters, and of dotted labels after an @, in well under a second each', () => {
    for (const text of [
      'a'.repeat(1024 * 1024),
      `x@${'a.'.repeat(512 * 1024)}1`,
      'a@'.repeat(512 * 1024),
      'é'.repeat(1024 * 1024),
      `x@${'é.'.repeat(512 * 1024)}1`,
    ]) {
      const started = performance.now();
      redactEmails(text, hash);
      containsEmail(text);
      expect(performance.now() - started).toBeLessThan(1500);
    }
  });

  it('redacts 1 MB of encoded @s, local parts, dots and quotes in well under a second each', () => {
    for (const text of [
      '\\u0040'.repeat(200 * 1024),
      `x\\u0040${'a\\u002e'.repeat(150 * 1024)}1`,
      'a&#64;'.repeat(200 * 1024),
      'a&commat;'.repeat(120 * 1024),
      `x&#64;${'a&period;'.repeat(120 * 1024)}1`,
      'a%40'.repeat(256 * 1024),
      `x%40${'a%2E'.repeat(256 * 1024)}1`,
      `${'a%2B'.repeat(256 * 1024)}@`,
      '"@'.repeat(512 * 1024),
      `"${'a'.repeat(1024 * 1024)}"@x.com`,
      '&quot;a&quot;@'.repeat(80 * 1024),
      '&zzz;'.repeat(200 * 1024),
    ]) {
      const started = performance.now();
      redactEmails(text, hash);
      containsEmail(text);
      expect(performance.now() - started).toBeLessThan(1500);
    }
  });

  it('finds exactly what the old pattern found', () => {
    const piece = fc.constantFrom(
      'a',
      'Z',
      '9',
      '.',
      '-',
      '_',
      '+',
      '%',
      '@',
      ' ',
      'é',
      'com',
      'pat@globex.example',
      '\n',
    );
    fc.assert(
      fc.property(fc.string({ unit: piece, maxLength: 40 }), (text) => {
        expect(redactEmails(text, hash)).toBe(reference(text));
        expect(containsEmail(text)).toBe(reference(text) !== text);
      }),
      fuzzParameters(2000),
    );
  });
});
