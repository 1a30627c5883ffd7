import { createHmac } from 'node:crypto';
import * as z from 'zod';

/**
 * No raw email address is ever written: adapters hash each email field with the client's key,
 * and raw bodies are redacted to `emailhash:<hash>` tokens before they are kept. Replaying a
 * redacted body gives the same hashes, because a token hashes to itself.
 */
const TOKEN_PATTERN = /^emailhash:([0-9a-f]{32})$/;
/**
 * Deliberately broad: anything shaped like an address in a raw body is redacted, i.e. what
 * `[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}` matches. That pattern run
 * as one global regular expression retries from every character of a long run without an `@`
 * (quadratic: a signed 1 MB body of letters took minutes), so the scan below starts only at each
 * `@` and takes the longest local part before it, which finds the same matches in linear time.
 */
const LOCAL_PART_CHAR = /[A-Za-z0-9._%+-]/;
const DOMAIN_AT = /[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/y;

export type EmailHasher = (email: string) => string;

/** Keyed hash of a normalised (trimmed, lower-cased) address; a redaction token maps to its hash. */
export function emailHasher(key: string): EmailHasher {
  return (email) => {
    const token = TOKEN_PATTERN.exec(email.trim());
    if (token?.[1]) return token[1];
    return createHmac('sha256', key).update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
  };
}

/** Every address in a text, left to right, as [start, end) offsets that do not overlap. */
function* emailSpans(text: string): Generator<[number, number]> {
  let searchedTo = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', Math.max(at + 1, searchedTo))) {
    let start = at;
    while (start > searchedTo && LOCAL_PART_CHAR.test(text.charAt(start - 1))) start--;
    if (start === at) continue;
    DOMAIN_AT.lastIndex = at + 1;
    if (!DOMAIN_AT.test(text)) continue;
    searchedTo = DOMAIN_AT.lastIndex;
    yield [start, searchedTo];
  }
}

/** Replaces every email address in a text by its redaction token. */
export function redactEmails(text: string, hash: EmailHasher): string {
  let redacted = '';
  let copied = 0;
  for (const [start, end] of emailSpans(text)) {
    redacted += `${text.slice(copied, start)}emailhash:${hash(text.slice(start, end))}`;
    copied = end;
  }
  return copied === 0 ? text : redacted + text.slice(copied);
}

/** True when the text still holds something shaped like an email address. */
export function containsEmail(text: string): boolean {
  return !emailSpans(text).next().done;
}

/** An email field as adapters accept it: an address, or the token a redacted (replayed) body holds. */
export const emailOrToken = z.union([
  z.email('expected an email address'),
  z.string().regex(TOKEN_PATTERN, 'expected an email address'),
]);
