import { DateTime } from 'luxon';

/** Date formats CRM exports use; read in the client's zone when they carry no offset. */
const FORMATS = [
  'yyyy-MM-dd HH:mm:ss',
  'yyyy-MM-dd HH:mm',
  'yyyy-MM-dd',
  'M/d/yyyy, h:mm a',
  'M/d/yyyy h:mm a',
  'M/d/yyyy HH:mm',
  'M/d/yyyy',
];

/** An export's date or time as an ISO instant, or undefined when it is blank or unreadable. */
export function exportTime(text: string | undefined, timezone: string): string | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  const iso = DateTime.fromISO(value, { zone: timezone });
  if (iso.isValid) return iso.toUTC().toISO() ?? undefined;
  for (const format of FORMATS) {
    const parsed = DateTime.fromFormat(value, format, { zone: timezone, locale: 'en-US' });
    if (parsed.isValid) return parsed.toUTC().toISO() ?? undefined;
  }
  return undefined;
}

/** `$42,000.00` → 42000; undefined when blank; NaN when it is not a number. */
export function exportNumber(text: string | undefined): number | undefined {
  const value = text?.trim();
  if (!value) return undefined;
  // Currency signs and thousands separators go; a cell without any digit is not a number.
  return /\d/.test(value) ? Number(value.replace(/[^0-9.-]/g, '')) : Number.NaN;
}

/** A label as HubSpot's internal value: `Marketing Qualified Lead` → `marketingqualifiedlead`. */
export function internalName(label: string): string {
  return label
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '');
}

/** A label as an enumeration value: `Bad Timing` → `BAD_TIMING`. */
export function enumName(label: string): string {
  return label
    .trim()
    .toUpperCase()
    .replace(/[^A-Z0-9]+/g, '_')
    .replace(/^_|_$/g, '');
}

const SUFFIX_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';

/**
 * A Salesforce id in its 18-character form. Reports export the case-sensitive 15-character id,
 * outbound messages send the 18-character one; both name the same record. The suffix encodes,
 * for each 5-character chunk, which characters are upper-case letters (bit i for character i).
 */
export function salesforceId18(id: string): string {
  if (id.length !== 15) return id;
  let suffix = '';
  for (let chunk = 0; chunk < 3; chunk++) {
    let bits = 0;
    for (let i = 0; i < 5; i++) {
      const character = id.charAt(chunk * 5 + i);
      if (character >= 'A' && character <= 'Z') bits |= 1 << i;
    }
    suffix += SUFFIX_ALPHABET.charAt(bits);
  }
  return id + suffix;
}
