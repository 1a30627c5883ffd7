import { createHmac } from 'node:crypto';
import { z } from 'zod';

/**
 * No raw email address is ever written: adapters hash each email field with the client's key,
 * and raw bodies are redacted to `emailhash:<hash>` tokens before they are kept. Replaying a
 * redacted body gives the same hashes, because a token hashes to itself.
 */
const TOKEN_PATTERN = /^emailhash:([0-9a-f]{32})$/;
/** Deliberately broad: anything shaped like an address in a raw body is redacted. */
const EMAIL_IN_TEXT = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g;

export type EmailHasher = (email: string) => string;

/** Keyed hash of a normalised (trimmed, lower-cased) address; a redaction token maps to its hash. */
export function emailHasher(key: string): EmailHasher {
  return (email) => {
    const token = TOKEN_PATTERN.exec(email.trim());
    if (token?.[1]) return token[1];
    return createHmac('sha256', key).update(email.trim().toLowerCase()).digest('hex').slice(0, 32);
  };
}

/** Replaces every email address in a text by its redaction token. */
export function redactEmails(text: string, hash: EmailHasher): string {
  return text.replace(EMAIL_IN_TEXT, (email) => `emailhash:${hash(email)}`);
}

/** True when the text still holds something shaped like an email address. */
export function containsEmail(text: string): boolean {
  return new RegExp(EMAIL_IN_TEXT.source).test(text);
}

/** An email field as adapters accept it: an address, or the token a redacted (replayed) body holds. */
export const emailOrToken = z.union([
  z.email('expected an email address'),
  z.string().regex(TOKEN_PATTERN, 'expected an email address'),
]);
