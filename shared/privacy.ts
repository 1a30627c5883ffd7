import { createHmac } from 'node:crypto';
import { domainToASCII } from 'node:url';
import { XMLValidator } from 'fast-xml-parser';
import * as z from 'zod';

/**
 * No raw email address is ever written: adapters hash each email field with the client's key,
 * and raw bodies are redacted to `emailhash:<hash>` tokens before they are kept. Replaying a
 * redacted body gives the same hashes, because a token hashes to itself.
 */
const TOKEN_PATTERN = /^emailhash:([0-9a-f]{32})$/;

export type EmailHasher = (email: string) => string;

/** Keyed hash of a normalised address (see `normaliseEmail`); a redaction token maps to its hash. */
export function emailHasher(key: string): EmailHasher {
  return (email) => {
    const token = TOKEN_PATTERN.exec(email.trim());
    if (token?.[1]) return token[1];
    return createHmac('sha256', key).update(normaliseEmail(email)).digest('hex').slice(0, 32);
  };
}

const NON_ASCII = /[\u0080-\uffff]/;
/** A quoted local part whose quotes add nothing (RFC 5321 §4.1.2 makes it the same mailbox). */
const NEEDLESSLY_QUOTED = /^"([\p{L}\p{N}\p{M}._%+-]+)"$/u;

/**
 * A plain ASCII address is only trimmed and lower-cased, exactly as every hash stored so far was
 * made. Only the forms that were never hashed before get more: NFC, so a decomposed `o` + `¨` and a
 * precomposed `ö` hash the same; IDNA (`domainToASCII`), so `exämple.de` and `xn--exmple-cua.de`
 * hash the same; and needless quotes dropped.
 */
function normaliseEmail(email: string): string {
  const lowered = email.trim().toLowerCase();
  if (!lowered.startsWith('"') && !NON_ASCII.test(lowered)) return lowered;
  const at = lowered.lastIndexOf('@');
  if (at === -1) return lowered.normalize('NFC');
  const localPart = lowered.slice(0, at).normalize('NFC');
  const local = NEEDLESSLY_QUOTED.exec(localPart)?.[1] ?? localPart;
  const domain = lowered.slice(at + 1).normalize('NFC');
  // domainToASCII answers '' for what IDNA rejects; the address is still redacted, by its own text.
  const ascii = NON_ASCII.test(domain) ? domainToASCII(domain) || domain : domain;
  return `${local}@${ascii}`;
}

// ---------------------------------------------------------------------------------------------
// Decoding. Bodies carry addresses escaped for their format (JSON `\u0040`, XML `&#64;`, URL
// `%40`), so matching runs on a decoded copy that remembers, for each decoded code unit, the
// source span it came from: a match then replaces the whole encoded span in the original text,
// which keeps the document as valid as it was.
// ---------------------------------------------------------------------------------------------

const LITERAL = 0;
const JSON_ESCAPE = 1;
const CHARACTER_REFERENCE = 2;
const PERCENT = 3;
/** A named character reference we do not know: kept as its own text, never matched as `@` or `.`. */
const OPAQUE = 4;

interface Decoded {
  text: string;
  /** Per decoded code unit: where its source unit starts and ends, and how it was encoded. */
  from: Int32Array;
  to: Int32Array;
  kind: Uint8Array;
}

/**
 * Named references that can spell an address, or end one. Not HTML's full table of 2,000: an
 * unknown name inside a local part is kept opaque (see OPAQUE), so it is redacted with it, not left.
 */
const NAMED_REFERENCES = new Map<string, string>([
  ['commat', '@'],
  ['period', '.'],
  ['lowbar', '_'],
  ['plus', '+'],
  ['percnt', '%'],
  ['quot', '"'],
  ['QUOT', '"'],
  ['amp', '&'],
  ['AMP', '&'],
  ['lt', '<'],
  ['LT', '<'],
  ['gt', '>'],
  ['GT', '>'],
  ['apos', "'"],
  ['nbsp', '\u00a0'],
  ['Tab', '\t'],
  ['NewLine', '\n'],
  ['colon', ':'],
  ['comma', ','],
  ['semi', ';'],
  ['lpar', '('],
  ['rpar', ')'],
  ['sol', '/'],
  ['ndash', '\u2013'],
  ['mdash', '\u2014'],
  ['lsquo', '\u2018'],
  ['rsquo', '\u2019'],
  ['ldquo', '\u201c'],
  ['rdquo', '\u201d'],
  ['laquo', '\u00ab'],
  ['raquo', '\u00bb'],
  ['hellip', '\u2026'],
  ['szlig', '\u00df'],
  ['yuml', '\u00ff'],
]);
// HTML 4's Latin-1 letters, U+00C0–U+00DE and their lower case 0x20 above (U+00D7 is ×, not a letter).
for (const [offset, name] of [
  'Agrave',
  'Aacute',
  'Acirc',
  'Atilde',
  'Auml',
  'Aring',
  'AElig',
  'Ccedil',
  'Egrave',
  'Eacute',
  'Ecirc',
  'Euml',
  'Igrave',
  'Iacute',
  'Icirc',
  'Iuml',
  'ETH',
  'Ntilde',
  'Ograve',
  'Oacute',
  'Ocirc',
  'Otilde',
  'Ouml',
  '',
  'Oslash',
  'Ugrave',
  'Uacute',
  'Ucirc',
  'Uuml',
  'Yacute',
  'THORN',
].entries()) {
  if (name === '') continue;
  NAMED_REFERENCES.set(name, String.fromCharCode(0xc0 + offset));
  NAMED_REFERENCES.set(name.toLowerCase(), String.fromCharCode(0xe0 + offset));
}

const JSON_SIMPLE_ESCAPES: Record<string, string> = {
  '"': '"',
  '\\': '\\',
  '/': '/',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
};

interface Unit {
  value: string;
  end: number;
  kind: number;
}

const JSON_UNICODE_ESCAPE = /\\u([0-9a-fA-F]{4})/y;
/** The `;` is optional for numeric references: HTML decodes `&#64` too. Digits are capped to stay linear. */
const NUMERIC_REFERENCE = /&#(?:[xX]([0-9a-fA-F]{1,8})|([0-9]{1,10}));?/y;
const NAMED_REFERENCE = /&([A-Za-z][A-Za-z0-9]{1,31});/y;
const PERCENT_TRIPLET = /%([0-9a-fA-F]{2})/y;

function unitAt(source: string, at: number): Unit | undefined {
  const first = source.charAt(at);
  if (first === '\\') {
    JSON_UNICODE_ESCAPE.lastIndex = at;
    const unicode = JSON_UNICODE_ESCAPE.exec(source);
    if (unicode?.[1]) {
      return { value: String.fromCharCode(Number.parseInt(unicode[1], 16)), end: at + 6, kind: JSON_ESCAPE };
    }
    const simple = JSON_SIMPLE_ESCAPES[source.charAt(at + 1)];
    return simple === undefined ? undefined : { value: simple, end: at + 2, kind: JSON_ESCAPE };
  }
  if (first === '&') {
    NUMERIC_REFERENCE.lastIndex = at;
    const numeric = NUMERIC_REFERENCE.exec(source);
    if (numeric) {
      const code = numeric[1] ? Number.parseInt(numeric[1], 16) : Number(numeric[2]);
      const valid = code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff);
      return {
        value: valid ? String.fromCodePoint(code) : '\ufffd',
        end: NUMERIC_REFERENCE.lastIndex,
        kind: CHARACTER_REFERENCE,
      };
    }
    NAMED_REFERENCE.lastIndex = at;
    const named = NAMED_REFERENCE.exec(source);
    if (!named?.[1]) return undefined;
    const value = NAMED_REFERENCES.get(named[1]);
    // U+E000 (private use) stands in for an unknown name: never `@`, `.`, a quote or a letter.
    return value === undefined
      ? { value: '\ue000', end: NAMED_REFERENCE.lastIndex, kind: OPAQUE }
      : { value, end: NAMED_REFERENCE.lastIndex, kind: CHARACTER_REFERENCE };
  }
  if (first === '%') return percentUnitAt(source, at);
  return undefined;
}

/** One character percent-encoded as UTF-8 (one to four `%XX`), or nothing if the bytes are not one. */
function percentUnitAt(source: string, at: number): Unit | undefined {
  PERCENT_TRIPLET.lastIndex = at;
  const lead = PERCENT_TRIPLET.exec(source);
  if (!lead?.[1]) return undefined;
  const byte = Number.parseInt(lead[1], 16);
  if (byte < 0x80) return { value: String.fromCharCode(byte), end: at + 3, kind: PERCENT };
  const length = byte < 0x80 ? 1 : byte >= 0xc2 && byte <= 0xdf ? 2 : byte >= 0xe0 && byte <= 0xef ? 3 : 4;
  if (byte >= 0x80 && byte < 0xc2) return undefined;
  if (byte > 0xf4) return undefined;
  let end = at + 3;
  for (let i = 1; i < length; i++) {
    PERCENT_TRIPLET.lastIndex = end;
    if (!PERCENT_TRIPLET.exec(source)) return undefined;
    end += 3;
  }
  try {
    return { value: decodeURIComponent(source.slice(at, end)), end, kind: PERCENT };
  } catch {
    return undefined;
  }
}

const ENCODING_START = /[\\&%]/g;

/** One pass over the text; the decoded text is never longer than the source. */
function decode(source: string): Decoded {
  const n = source.length;
  const from = new Int32Array(n);
  const to = new Int32Array(n);
  const kind = new Uint8Array(n);
  const parts: string[] = [];
  let length = 0;
  let at = 0;
  const literal = (end: number) => {
    for (let i = at; i < end; i++) {
      from[length] = i;
      to[length] = i + 1;
      kind[length] = LITERAL;
      length++;
    }
    parts.push(source.slice(at, end));
    at = end;
  };
  const encodingStart = new RegExp(ENCODING_START);
  while (at < n) {
    encodingStart.lastIndex = at;
    const next = encodingStart.exec(source)?.index ?? n;
    literal(next);
    if (at >= n) break;
    const unit = unitAt(source, at);
    if (!unit) {
      literal(at + 1);
      continue;
    }
    for (let i = 0; i < unit.value.length; i++) {
      from[length] = at;
      to[length] = unit.end;
      kind[length] = unit.kind;
      length++;
    }
    parts.push(unit.value);
    at = unit.end;
  }
  return { text: parts.join(''), from, to, kind };
}

// ---------------------------------------------------------------------------------------------
// Emails.
// ---------------------------------------------------------------------------------------------

/**
 * Deliberately broad: anything shaped like an address in a raw body is redacted, i.e. what
 * `[\p{L}\p{N}\p{M}._%+-]+@[\p{L}\p{N}\p{M}-]+(?:\.[\p{L}\p{N}\p{M}-]+)*\.[\p{L}\p{M}]{2,}` matches
 * on the decoded text (the ASCII subset of it is the pattern redaction used before; the letters
 * beyond ASCII are there so that `jöhn@` and `@exämple.de` go whole, RFC 6531/6532), plus a
 * punycode top-level label (`xn--p1ai`) and a quoted local part. That pattern run as one global
 * regular expression retries from every character of a long run without an `@` (quadratic: a
 * signed 1 MB body of letters took minutes), so the scan below starts only at each `@` and takes
 * the longest local part before it, which finds the same matches in linear time.
 */
const LOCAL_PART_CHAR = /^[\p{L}\p{N}\p{M}._%+-]$/u;
const DOMAIN_CHAR = /^[\p{L}\p{N}\p{M}-]$/u;
const TOP_LEVEL_CHAR = /^[\p{L}\p{M}]$/u;

// ASCII answers without a regular expression: most of a body is ASCII, and the scans test each character.
function isAsciiLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
}
function isAsciiAlphanumeric(code: number): boolean {
  return isAsciiLetter(code) || (code >= 0x30 && code <= 0x39);
}
/** Length in code units of the code point at `at` if it passes (ASCII by `ascii`, else `pattern`), or 0. */
function passingCodePoint(
  text: string,
  at: number,
  ascii: (code: number) => boolean,
  pattern: RegExp,
): number {
  const code = text.charCodeAt(at);
  if (code < 0x80) return ascii(code) ? 1 : 0;
  const char = codePointAt(text, at);
  return pattern.test(char) ? char.length : 0;
}
const asciiLocal = (code: number) =>
  isAsciiAlphanumeric(code) ||
  code === 0x2e ||
  code === 0x5f ||
  code === 0x25 ||
  code === 0x2b ||
  code === 0x2d;
const asciiDomain = (code: number) => isAsciiAlphanumeric(code) || code === 0x2d;
const PUNYCODE_LABEL = /^xn--[a-z0-9-]+$/i;
/** IDNA (UTS #46) maps the ideographic and full-width full stops to `.`. */
const DOT = /^[.\u3002\uff0e\uff61]$/;
/** RFC 5321 §4.5.3.1.1: a local part is at most 64 octets, so a quote further back is not ours. */
const MAX_QUOTED_LENGTH = 64;
/**
 * A quoted local part may not start or end with these: between two JSON strings, or two XML
 * attribute values, the text always does (`","`, `":"`, `" y="`), so such quotes are never taken
 * for a local part, and the redaction never eats a delimiter of the document.
 */
const QUOTED_EDGE_FORBIDDEN = /[\s,:;[\]{}()]/;

/** [start, end) in decoded code units; `percent` says `%XX` was decoded inside it. */
interface EmailSpan {
  start: number;
  end: number;
  percent: boolean;
}

function codePointBefore(text: string, end: number, floor: number): string {
  const low = text.charCodeAt(end - 1);
  if (low >= 0xdc00 && low <= 0xdfff && end - 2 >= floor) {
    const high = text.charCodeAt(end - 2);
    if (high >= 0xd800 && high <= 0xdbff) return text.slice(end - 2, end);
  }
  return text.charAt(end - 1);
}

function codePointAt(text: string, at: number): string {
  const point = text.codePointAt(at);
  return point === undefined ? '' : String.fromCodePoint(point);
}

/**
 * Percent-encoding is decoded only where the `@` itself is `%40`: a `%` is also a valid local-part
 * character (the pattern above has always taken `a%2b@x.com` as it stands), and a URL or form
 * encoder that escapes the rest of an address escapes its `@` too. Where the `@` is literal, a
 * `%XX` is kept as its text, and, being three local-part characters, is redacted with the address.
 */
class EmailScanner {
  constructor(
    private readonly decoded: Decoded,
    private readonly percent: boolean,
  ) {}

  /** A unit that stands for its own source text: a local-part character, never a domain one. */
  private opaque(at: number): boolean {
    const kind = this.decoded.kind[at];
    return kind === OPAQUE || (kind === PERCENT && !this.percent);
  }

  localPartStart(at: number, floor: number): number {
    const text = this.decoded.text;
    if (at - 1 >= floor && text.charAt(at - 1) === '"' && !this.opaque(at - 1)) {
      return this.quotedStart(at - 1, floor);
    }
    let start = at;
    while (start > floor) {
      if (this.opaque(start - 1)) {
        start--;
        continue;
      }
      const code = text.charCodeAt(start - 1);
      if (code < 0x80) {
        if (!asciiLocal(code)) break;
        start--;
        continue;
      }
      const char = codePointBefore(text, start, floor);
      if (!LOCAL_PART_CHAR.test(char)) break;
      start -= char.length;
    }
    return start;
  }

  /** Where the quoted local part that closes at `close` opens; its quotes are encoded alike. */
  private quotedStart(close: number, floor: number): number {
    const text = this.decoded.text;
    const limit = Math.max(floor, close - 1 - MAX_QUOTED_LENGTH);
    for (let at = close - 1; at >= limit; at--) {
      const code = text.charCodeAt(at);
      if (code === 0x22) {
        if (this.decoded.kind[at] !== this.decoded.kind[close] || this.opaque(at)) return close + 1;
        const content = text.slice(at + 1, close);
        const edges = content.charAt(0) + content.charAt(content.length - 1);
        return content === '' || QUOTED_EDGE_FORBIDDEN.test(edges) ? close + 1 : at;
      }
      // Controls, `\`, `<`, `>` and `@` never sit in a quoted local part we take.
      if (code < 0x20 || code === 0x7f || code === 0x5c || code === 0x3c || code === 0x3e || code === 0x40) {
        return close + 1;
      }
    }
    return close + 1;
  }

  /** End of the longest domain after an `@` (`start` is just past it), or -1. */
  domainEnd(start: number): number {
    const text = this.decoded.text;
    let labelStart = start;
    let labels = 0;
    let end = -1;
    for (;;) {
      let at = labelStart;
      while (at < text.length && !this.opaque(at)) {
        const length = passingCodePoint(text, at, asciiDomain, DOMAIN_CHAR);
        if (length === 0) break;
        at += length;
      }
      if (at === labelStart) return end;
      if (labels > 0) end = topLevelEnd(text, labelStart, at) ?? end;
      labels++;
      if (at >= text.length || this.opaque(at) || !DOT.test(text.charAt(at))) return end;
      labelStart = at + 1;
    }
  }
}

/** The top-level label is the letters a label starts with (at least two), or a whole punycode label. */
function topLevelEnd(text: string, start: number, end: number): number | undefined {
  if (text.slice(start, start + 4).toLowerCase() === 'xn--' && PUNYCODE_LABEL.test(text.slice(start, end))) {
    return end;
  }
  let at = start;
  let letters = 0;
  while (at < end) {
    const length = passingCodePoint(text, at, isAsciiLetter, TOP_LEVEL_CHAR);
    if (length === 0) break;
    at += length;
    letters++;
  }
  return letters >= 2 ? at : undefined;
}

/** Every address in the decoded text, left to right, not overlapping. Each scan stops at an `@`. */
function* emailSpans(decoded: Decoded): Generator<EmailSpan> {
  const text = decoded.text;
  const scanners = { literal: new EmailScanner(decoded, false), percent: new EmailScanner(decoded, true) };
  let searchedTo = 0;
  for (let at = text.indexOf('@'); at !== -1; at = text.indexOf('@', Math.max(at + 1, searchedTo))) {
    const percent = decoded.kind[at] === PERCENT;
    const scanner = percent ? scanners.percent : scanners.literal;
    const start = scanner.localPartStart(at, searchedTo);
    if (start >= at) continue;
    const end = scanner.domainEnd(at + 1);
    if (end === -1) continue;
    searchedTo = end;
    yield { start, end, percent };
  }
}

/** The address a span spells, as the hash takes it: decoded, except what stands for its own text. */
function spelledAddress(source: string, decoded: Decoded, span: EmailSpan): string {
  const parts: string[] = [];
  let at = span.start;
  while (at < span.end) {
    const from = decoded.from[at] ?? 0;
    let next = at + 1;
    while (next < span.end && decoded.from[next] === from) next++;
    const kind = decoded.kind[at];
    const ownText = kind === OPAQUE || (kind === PERCENT && !span.percent);
    parts.push(ownText ? source.slice(from, decoded.to[at]) : decoded.text.slice(at, next));
    at = next;
  }
  return parts.join('');
}

/** Cheap rejection: no `@` can be spelled without one of these. */
const MAY_HOLD_EMAIL = /[@\\&%]/;

/**
 * Replaces every email address in a text, in any of the encodings above, by its redaction token:
 * the whole encoded span goes, and the hash is of the decoded address.
 */
export function redactEmails(text: string, hash: EmailHasher): string {
  if (!MAY_HOLD_EMAIL.test(text)) return text;
  const decoded = decode(text);
  const parts: string[] = [];
  let copied = 0;
  for (const span of emailSpans(decoded)) {
    const start = decoded.from[span.start] ?? 0;
    parts.push(text.slice(copied, start), `emailhash:${hash(spelledAddress(text, decoded, span))}`);
    copied = decoded.to[span.end - 1] ?? start;
  }
  return parts.length === 0 ? text : parts.join('') + text.slice(copied);
}

/** True when the text still holds something shaped like an email address, in any encoding. */
export function containsEmail(text: string): boolean {
  return MAY_HOLD_EMAIL.test(text) && !emailSpans(decode(text)).next().done;
}

/** An email field as adapters accept it: an address, or the token a redacted (replayed) body holds. */
export const emailOrToken = z.union([
  z.email('expected an email address'),
  z.string().regex(TOKEN_PATTERN, 'expected an email address'),
]);

// ---------------------------------------------------------------------------------------------
// Phone numbers.
// ---------------------------------------------------------------------------------------------

/**
 * What is phone-shaped. ITU-T E.164 §6 caps an international number at 15 digits (country code
 * included, international prefix not); ITU-T E.123 §2 writes numbers in groups separated by spaces,
 * with the national (trunk) part in parentheses and the international form led by `+`, and national
 * practice adds hyphens and dots (`555-010-9999`, `555.010.9999`). So a phone is a run of digit
 * groups joined by one space, dot or hyphen (or touching a parenthesised group) with:
 * - 7 to 15 digits (not counting a leading `00` international prefix);
 * - either a leading `+` (then one ungrouped run is enough: `+4930901820`), or a leading `00`, or a
 *   parenthesised group, or at least three groups, or two when the first starts with a trunk `0`
 *   (`030 901820`): a bare digit run, or two groups like `1000-2000`, is an id or a range, not a phone;
 * - groups after the first of at least 2 digits (except parenthesised, `+44 (0)20`), the first of at
 *   most 5, so versions and OIDs (`1.2.840.113549`) are not phones;
 * - dots only with three groups or more, so `42000.50` stays an amount;
 * - not thousands-grouped (`1 250 000`, `1.250.000`: first group of 1–3 digits, then groups of
 *   exactly 3 with one kind of separator), unless led by `+`, `00` or a parenthesis. This misses
 *   9-digit numbers written 3-3-3 without their country code (Spain's `912 345 678`);
 * - no part of a date (`2026-11-16`, `16.11.2026`), an IPv4 address, a time (`14:03`, `…:00+01:00`)
 *   or a word (`FY2026`, `v1.2.840`, `0065e000…`, UUIDs): the groups glued to letters, digits, `_`,
 *   to `-`/`.` glued to those, or to a `:` between digits, cannot be part of a phone.
 * Space-grouped numbers in free text (`scores 12 34 56 78`) do look like phones and are redacted.
 * Within one run, the longest phone from the leftmost group is taken, from and to a space boundary.
 */
interface Group {
  start: number;
  end: number;
  digits: number;
  parenthesised: boolean;
  /** The separator before it: '', ' ', '.' or '-'. */
  separator: string;
  /** Groups joined without a space form a chain; a phone starts and ends at chain boundaries. */
  chain: number;
  blocked: boolean;
}

interface Run {
  start: number;
  plus: boolean;
  groups: Group[];
}

const MAX_E164_DIGITS = 15;
const MIN_PHONE_DIGITS = 7;

function isDigit(char: string): boolean {
  return char >= '0' && char <= '9';
}

const WORD_CHAR = /^[\p{L}\p{N}_]$/u;
function isWordChar(char: string): boolean {
  return char !== '' && WORD_CHAR.test(char);
}

function readGroup(text: string, at: number, separator: string, chain: number): Group | undefined {
  const parenthesised = text.charAt(at) === '(';
  const digitsStart = parenthesised ? at + 1 : at;
  let end = digitsStart;
  while (isDigit(text.charAt(end))) end++;
  if (end === digitsStart || (parenthesised && text.charAt(end) !== ')')) return undefined;
  const digits = end - digitsStart;
  return {
    start: at,
    end: parenthesised ? end + 1 : end,
    digits,
    parenthesised,
    separator,
    chain,
    blocked: false,
  };
}

function readRun(text: string, start: number): Run | undefined {
  const plus = text.charAt(start) === '+';
  const groups: Group[] = [];
  let at = plus ? start + 1 : start;
  let separator = '';
  let chain = 0;
  for (;;) {
    const group = readGroup(text, at, separator, separator === ' ' ? chain + 1 : chain);
    if (!group) break;
    chain = group.chain;
    groups.push(group);
    let next = group.end;
    const char = text.charAt(next);
    separator = char === ' ' || char === '.' || char === '-' ? char : '';
    if (separator !== '') next++;
    const touching = group.parenthesised || text.charAt(next) === '(';
    if (separator === '' && !touching) break;
    if (!isDigit(text.charAt(next)) && text.charAt(next) !== '(') break;
    at = next;
  }
  return groups.length === 0 ? undefined : { start, plus, groups };
}

/** Marks the groups that belong to something else: a word, a time, a date, an IPv4 address. */
function blockNonPhones(text: string, run: Run): void {
  const { groups } = run;
  const last = groups[groups.length - 1];
  if (!last) return;
  const before = text.charAt(run.start - 1);
  const beforeThat = text.charAt(run.start - 2);
  const glued = (char: string, next: string) =>
    isWordChar(char) ||
    ((char === '.' || char === '-') && isWordChar(next)) ||
    (char === ':' && isDigit(next));
  const after = text.charAt(last.end);
  const afterThat = text.charAt(last.end + 1);
  for (const group of groups) {
    if (glued(before, beforeThat) && group.chain === 0) group.blocked = true;
    if (glued(after, afterThat) && group.chain === last.chain) group.blocked = true;
  }
  for (let i = 0; i < groups.length; i++) {
    const [a, b, c, d] = [groups[i], groups[i + 1], groups[i + 2], groups[i + 3]];
    if (a && b && c && !a.parenthesised && !b.parenthesised && !c.parenthesised) {
      const dateSeparators = b.separator === c.separator && (b.separator === '-' || b.separator === '.');
      const yearFirst = a.digits === 4 && b.digits <= 2 && c.digits <= 2;
      const yearLast = a.digits <= 2 && b.digits <= 2 && c.digits === 4;
      if (dateSeparators && (yearFirst || yearLast)) a.blocked = b.blocked = c.blocked = true;
    }
    if (a && b && c && d && [b, c, d].every((g) => g.separator === '.')) {
      if ([a, b, c, d].every((g) => g.digits <= 3 && !g.parenthesised)) {
        a.blocked = b.blocked = c.blocked = d.blocked = true;
      }
    }
  }
}

/** Whether groups[from..to] (inclusive, `digits` in all) is a phone; `plus` if a `+` leads them. */
function isPhone(
  text: string,
  groups: Group[],
  from: number,
  to: number,
  digits: number,
  plus: boolean,
): boolean {
  const first = groups[from];
  if (!first) return false;
  const count = to - from + 1;
  const doubleZero = !first.parenthesised && text.startsWith('00', first.start);
  if (digits < MIN_PHONE_DIGITS || (doubleZero ? digits - 2 : digits) > MAX_E164_DIGITS) return false;
  if (count === 1) return plus && !first.parenthesised;
  if (first.digits > 5) return false;
  let parenthesised = first.parenthesised;
  let dotted = false;
  let thousands = first.digits <= 3 && text.charAt(first.start) !== '0';
  const separator = groups[from + 1]?.separator;
  for (let i = from + 1; i <= to; i++) {
    const group = groups[i];
    if (!group) return false;
    if (group.parenthesised ? group.digits > 5 : group.digits < 2) return false;
    parenthesised ||= group.parenthesised;
    dotted ||= group.separator === '.';
    thousands &&= group.digits === 3 && group.separator === separator;
  }
  if (dotted && count < 3) return false;
  if (plus || doubleZero || parenthesised) return true;
  if (count === 2) return text.charAt(first.start) === '0';
  return !thousands;
}

/** [start, end) of every phone-shaped string, left to right. */
function* phoneSpans(text: string): Generator<[number, number]> {
  let at = 0;
  while (at < text.length) {
    const char = text.charAt(at);
    const run = isDigit(char) || char === '+' || char === '(' ? readRun(text, at) : undefined;
    if (!run) {
      at++;
      continue;
    }
    blockNonPhones(text, run);
    const { groups } = run;
    let i = 0;
    while (i < groups.length) {
      let best = -1;
      let digits = 0;
      // A phone has at most 15 digits (+2 for `00`), so this looks at a bounded number of groups.
      for (let j = i; j < groups.length; j++) {
        const group = groups[j];
        if (!group || group.blocked) break;
        // No longer span from i can be a phone once a later group is a lone digit.
        if (j > i && !group.parenthesised && group.digits < 2) break;
        digits += group.digits;
        if (digits > MAX_E164_DIGITS + 2) break;
        const chainEnd = groups[j + 1]?.chain !== group.chain;
        if (
          chainEnd &&
          digits >= MIN_PHONE_DIGITS &&
          isPhone(text, groups, i, j, digits, run.plus && i === 0)
        ) {
          best = j;
        }
      }
      const startGroup = groups[i];
      const endGroup = groups[best];
      if (startGroup && endGroup) {
        yield [run.plus && i === 0 ? run.start : startGroup.start, endGroup.end];
        i = best + 1;
      } else {
        const chain = startGroup?.chain;
        while (i < groups.length && groups[i]?.chain === chain) i++;
      }
    }
    at = groups[groups.length - 1]?.end ?? at + 1;
  }
}

/** Replaces every phone-shaped string (see the rule above) by `phone:redacted`. */
export function redactPhones(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  for (const [start, end] of phoneSpans(text)) {
    parts.push(text.slice(copied, start), 'phone:redacted');
    copied = end;
  }
  return parts.length === 0 ? text : parts.join('') + text.slice(copied);
}

/** True when the text holds a phone-shaped string. */
export function containsPhone(text: string): boolean {
  return !phoneSpans(text).next().done;
}

/** For short reasons and messages: emails and phone-shaped strings redacted. */
export function redactText(text: string, hash: EmailHasher): string {
  // Emails first: an address like `+4930901820@example.com` must go whole, hashed.
  return redactPhones(redactEmails(text, hash));
}

// ---------------------------------------------------------------------------------------------
// Quarantine: bodies that did not parse are kept for a fixed adapter to replay.
// ---------------------------------------------------------------------------------------------

/** A field or element named like this holds a phone number, whatever its shape. */
const PHONE_NAME = /phone|mobile|fax|^tel$|telephone/i;
const REDACTED_PHONE = 'phone:redacted';

/** Index just past the JSON string that opens at `start` (the text is known to be valid JSON). */
function jsonStringEnd(text: string, start: number): number {
  let at = start + 1;
  while (at < text.length && text.charAt(at) !== '"') at += text.charAt(at) === '\\' ? 2 : 1;
  return at + 1;
}

const JSON_NUMBER = /-?[0-9][0-9.eE+-]*/y;

function skipWhitespace(text: string, at: number): number {
  let next = at;
  while (next < text.length && /\s/.test(text.charAt(next))) next++;
  return next;
}

/**
 * Replaces, in the text of a valid JSON document, every string or number under a phone-named key by
 * `"phone:redacted"`. Edits the text rather than re-serialising a parsed value, so everything else
 * (a 19-digit id a double cannot hold, `42000.50`, escapes) replays byte for byte.
 */
function redactJsonPhoneValues(text: string): string {
  const parts: string[] = [];
  let copied = 0;
  let at = 0;
  while (at < text.length) {
    if (text.charAt(at) !== '"') {
      at++;
      continue;
    }
    const end = jsonStringEnd(text, at);
    let next = skipWhitespace(text, end);
    if (text.charAt(next) !== ':') {
      at = end;
      continue;
    }
    const name: unknown = JSON.parse(text.slice(at, end));
    next = skipWhitespace(text, next + 1);
    at = next;
    if (typeof name !== 'string' || !PHONE_NAME.test(name)) continue;
    let valueEnd = -1;
    if (text.charAt(next) === '"') valueEnd = jsonStringEnd(text, next);
    else {
      JSON_NUMBER.lastIndex = next;
      if (JSON_NUMBER.test(text)) valueEnd = JSON_NUMBER.lastIndex;
    }
    if (valueEnd === -1) continue;
    parts.push(text.slice(copied, next), JSON.stringify(REDACTED_PHONE));
    copied = valueEnd;
    at = valueEnd;
  }
  return parts.length === 0 ? text : parts.join('') + text.slice(copied);
}

/** An element holding text only; `[^<]*` and `[^<>]*` stop at the next tag, so this stays linear. */
const XML_TEXT_ELEMENT = /<((?:[\w.-]+:)?([\w.-]+))(\s[^<>]*)?>([^<]*)<\/\1\s*>/g;
const XML_START_TAG = /<[\w.:-]+\s[^<>]*>/g;
const XML_ATTRIBUTE = /(\s(?:[\w.-]+:)?([\w.-]+)\s*=\s*)("[^"]*"|'[^']*')/g;

function redactXmlPhoneValues(text: string): string {
  const attributesRedacted = text.replace(XML_START_TAG, (tag) =>
    tag.replace(XML_ATTRIBUTE, (whole, head: string, name: string, value: string) =>
      PHONE_NAME.test(name) ? `${head}${value.charAt(0)}${REDACTED_PHONE}${value.charAt(0)}` : whole,
    ),
  );
  return attributesRedacted.replace(
    XML_TEXT_ELEMENT,
    (whole, qualified: string, local: string, attributes: string | undefined, content: string) =>
      PHONE_NAME.test(local) && content.trim() !== ''
        ? `<${qualified}${attributes ?? ''}>${REDACTED_PHONE}</${qualified}>`
        : whole,
  );
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function isXml(text: string): boolean {
  return text.trimStart().startsWith('<') && XMLValidator.validate(text) === true;
}

/**
 * What is kept of a body that did not parse: emails (every encoding) and phone-shaped strings
 * redacted, and, in a JSON or XML document, whatever sits under a phone-named field or element,
 * whatever its shape (`"phone": "4155550132"`). Neither redaction crosses a string or a tag (see
 * the quoted-local-part and phone-run rules), so a valid document stays valid for replay.
 */
export function redactForQuarantine(text: string, hash: EmailHasher): string {
  if (isJson(text)) return redactText(redactJsonPhoneValues(text), hash);
  if (isXml(text)) return redactText(redactXmlPhoneValues(text), hash);
  return redactText(text, hash);
}
