import { readFileSync } from 'node:fs';
import type { ClientConfig, SourceName } from '#shared/config/schema.ts';

/** A vendor payload fixture's text. */
export const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/vendor-payloads/${name}`, import.meta.url), 'utf8');

/**
 * A personal fixture as the client's Salesforce would send it: the upstream ones name other orgs
 * and obfuscate Lead as Lead1..3.
 */
export function personalFixture(file: string, config: ClientConfig): string {
  return fixture(file)
    .replace(/<OrganizationId>[^<]*</g, `<OrganizationId>${config.sources.salesforce?.organizationId}<`)
    .replace(/xsi:type="sf:Lead\d"/g, 'xsi:type="sf:Lead"');
}

/** Vendor payloads full of personal fields, and the source each is sent to. */
export const PERSONAL_FIXTURES: readonly { source: SourceName; file: string }[] = [
  { source: 'salesforce', file: 'salesforce-outbound-message-personal.xml' },
  { source: 'salesforce', file: 'salesforce-outbound-message-leads.xml' },
  { source: 'salesforce', file: 'salesforce-outbound-message-lead-converted.xml' },
  { source: 'salesforce', file: 'salesforce-outbound-message.xml' },
  { source: 'pipedrive', file: 'pipedrive-v2-person-personal.json' },
  { source: 'typeform', file: 'typeform-response-free-text.json' },
  { source: 'hubspot-workflow', file: 'hubspot-workflow-contact-all-properties.json' },
  { source: 'hubspot', file: 'hubspot-webhooks-personal.json' },
];

/** Keys (JSON keys, HubSpot property names, Salesforce elements) whose values are personal. */
const PERSONAL_KEY =
  /^(?:sf:)?(?:salutation|(?:first|last|middle|full)_?name|name|.*phone.*|mobile.*|fax|.*street.*|street_number|route|subpremise|locality|city|.*postal.*|zip|address|birth.*|description|notes?|assistant.*|message)$/i;
const VALUE_METADATA = /^(?:timestamp|source-type|source-id|selected|label|primary|updated-by-user-id)$/;
/** Typeform answers typed or spoken by the person. */
const FREE_ANSWER_TYPES = new Set(['text', 'long_text', 'short_text', 'phone_number']);

/** The personal values a fixture holds, found by key, so the scan needs no list written by hand. */
export function personalValues(text: string): string[] {
  const found: string[] = [];
  // The texts under a personal key, but not the metadata beside them (a version's timestamp, a phone's label).
  const collect = (value: unknown): void => {
    if (typeof value === 'string') found.push(value);
    else if (Array.isArray(value)) value.forEach(collect);
    else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) if (!VALUE_METADATA.test(key)) collect(inner);
    }
  };
  if (text.trimStart().startsWith('<') || text.startsWith('\uFEFF')) {
    for (const match of text.matchAll(/<(sf:\w+)>([^<]*)<\/\1>/g)) {
      if (PERSONAL_KEY.test(match[1] ?? '')) found.push(match[2] ?? '');
    }
  } else {
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) {
        node.forEach(walk);
        return;
      }
      if (!node || typeof node !== 'object') return;
      const record = node as Record<string, unknown>;
      // HubSpot app webhooks: one property per event.
      if (typeof record.propertyName === 'string' && PERSONAL_KEY.test(record.propertyName))
        collect(record.propertyValue);
      if (typeof record.type === 'string' && FREE_ANSWER_TYPES.has(record.type)) {
        collect(record.text);
        collect(record.phone_number);
      }
      for (const [key, value] of Object.entries(record)) {
        // A company's name is kept (it is not a person's); a person's is not.
        if (PERSONAL_KEY.test(key) && !(key === 'name' && record.domain !== undefined)) collect(value);
        else walk(value);
      }
    };
    walk(JSON.parse(text));
  }
  // Short values ("Mr.", "CA") could occur anywhere by chance; the longer ones say who it is.
  return [...new Set(found.map((value) => value.trim()).filter((value) => value.length >= 5))];
}

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * The personal values found in a text, each as a whole value (case-insensitive, not inside a
 * longer run of letters or digits): a ZIP code is not "found" inside a millisecond timestamp.
 */
export function personalValuesIn(text: string, values: Iterable<string>): string[] {
  return [...values].filter((value) =>
    new RegExp(`(?<![\\p{L}\\p{N}])${value.replace(REGEXP_SPECIAL, '\\$&')}(?![\\p{L}\\p{N}])`, 'iu').test(
      text,
    ),
  );
}
