import fc from 'fast-check';
import { pipedriveBody } from '#local/senders/pipedrive.ts';
import { salesforceOutboundMessage } from '#local/senders/salesforce.ts';
import { typeformBody } from '#local/senders/typeform.ts';
import type { ClientConfig, SourceName } from '#shared/config/schema.ts';
import { organizationOf } from './support.ts';

/**
 * Text that has broken parsers before: lone surrogates, NUL and control characters, right-to-left
 * and zero-width marks, emoji and ZWJ sequences, combining marks, a BOM, quoting and markup
 * characters, things shaped like email addresses, and plain printable text.
 */
const NASTY_UNITS = [
  '\u0000',
  '\u0001',
  '\u001f',
  '\u007f',
  '\ud800',
  '\udfff',
  '\udbff\udfff',
  '\u202e',
  '\u200f',
  '\u200b',
  '\u2028',
  '\ufeff',
  '\ufffe',
  '😀',
  '👩‍👩‍👧',
  'e\u0301',
  'ﷺ',
  'א',
  '"',
  "'",
  '\\',
  '<',
  '>',
  '&',
  '&amp;',
  '&lol;',
  ']]>',
  '%00',
  '%3A',
  '@',
  'pat@globex.example',
  'emailhash:0123456789abcdef0123456789abcdef',
  '__proto__',
  'constructor',
  '\r\n',
  ' ',
  'mql',
  'closedwon',
  '9007199254740993',
  '-1',
  '1e309',
];

export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ unit: fc.constantFrom(...NASTY_UNITS), maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 24 }),
  fc.string({ maxLength: 16 }),
);

/** A time that is sometimes valid ISO-8601 and sometimes anything. */
const isoOrHostile: fc.Arbitrary<string> = fc.oneof(
  fc
    .date({
      min: new Date('2020-01-01T00:00:00Z'),
      max: new Date('2030-01-01T00:00:00Z'),
      noInvalidDate: true,
    })
    .map((date) => date.toISOString()),
  hostileText,
);

const textOrNull = fc.option(hostileText, { nil: null });

// --- per-source bodies in the sender's own shape, with hostile text in every string field ---

const genericEvent = fc.oneof(
  fc.record(
    {
      type: fc.constant('company'),
      id: hostileText,
      at: isoOrHostile,
      name: textOrNull,
      domain: textOrNull,
      industry: textOrNull,
      employees: fc.oneof(fc.integer(), fc.double(), fc.constant(null)),
      region: textOrNull,
      country: textOrNull,
      tech: fc.array(hostileText, { maxLength: 3 }),
    },
    { requiredKeys: ['type', 'id', 'at'] },
  ),
  fc.record(
    {
      type: fc.constant('contact'),
      id: hostileText,
      at: isoOrHostile,
      companyId: textOrNull,
      title: textOrNull,
      seniority: textOrNull,
      source: textOrNull,
      owner: textOrNull,
      stage: fc.oneof(fc.constantFrom('mql', 'sql', 'marketingqualifiedlead', 'disqualified'), hostileText),
      reason: textOrNull,
      email: textOrNull,
    },
    { requiredKeys: ['type', 'id', 'at'] },
  ),
  fc.record(
    {
      type: fc.constant('deal'),
      id: hostileText,
      at: isoOrHostile,
      companyId: textOrNull,
      contactIds: fc.array(hostileText, { maxLength: 3 }),
      amount: fc.oneof(fc.double(), fc.integer(), fc.constant(null)),
      currency: fc.oneof(fc.constant('USD'), hostileText),
      stage: fc.oneof(fc.constantFrom('qualifiedtobuy', 'closedwon', 'closedlost'), hostileText),
      pipeline: textOrNull,
      source: textOrNull,
      owner: textOrNull,
      reason: textOrNull,
    },
    { requiredKeys: ['type', 'id', 'at'] },
  ),
  fc.record(
    {
      type: fc.constant('form'),
      id: hostileText,
      at: isoOrHostile,
      formId: hostileText,
      contactId: textOrNull,
      email: textOrNull,
      source: textOrNull,
    },
    { requiredKeys: ['type', 'id', 'at', 'formId'] },
  ),
  fc.record({
    type: fc.constant('activity'),
    id: hostileText,
    at: isoOrHostile,
    contactId: hostileText,
    kind: fc.oneof(fc.constantFrom('call', 'email', 'meeting', 'other'), hostileText),
    owner: textOrNull,
  }),
);

const genericBody = fc
  .array(genericEvent, { minLength: 1, maxLength: 4 })
  .map((events) => JSON.stringify({ events }));

const HUBSPOT_PROPERTIES = [
  'lifecyclestage',
  'hs_lead_status',
  'email',
  'jobtitle',
  'associatedcompanyid',
  'dealstage',
  'amount',
  'deal_currency_code',
  'numberofemployees',
  'domain',
  'name',
];

const hubspotItem = fc.record(
  {
    subscriptionType: fc.oneof(
      fc.constantFrom(
        'contact.creation',
        'contact.propertyChange',
        'contact.deletion',
        'contact.merge',
        'deal.propertyChange',
        'company.propertyChange',
        'object.propertyChange',
        'contact.associationChange',
        'object.associationChange',
        'contact.privacyDeletion',
      ),
      hostileText,
    ),
    portalId: fc.oneof(fc.constant(33), fc.integer(), hostileText),
    occurredAt: fc.oneof(fc.integer({ min: 1, max: 2_000_000_000_000 }), fc.double()),
    objectId: fc.oneof(fc.nat(), fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String), hostileText),
    objectTypeId: fc.oneof(fc.constantFrom('0-1', '0-2', '0-3'), hostileText),
    propertyName: fc.oneof(fc.constantFrom(...HUBSPOT_PROPERTIES), hostileText),
    propertyValue: hostileText,
    associationType: fc.oneof(fc.constantFrom('CONTACT_TO_COMPANY', 'DEAL_TO_CONTACT'), hostileText),
    fromObjectId: fc.nat(),
    toObjectId: fc.nat(),
    primaryObjectId: fc.nat(),
    mergedObjectIds: fc.array(fc.oneof(fc.nat(), hostileText), { maxLength: 3 }),
  },
  { requiredKeys: ['subscriptionType', 'portalId', 'occurredAt'] },
);

const hubspotBody = fc
  .array(hubspotItem, { minLength: 1, maxLength: 4 })
  .map((items) => JSON.stringify(items));

const workflowBody = fc
  .record(
    {
      objectId: fc.oneof(fc.nat(), hostileText),
      properties: fc.dictionary(
        fc.oneof(fc.constantFrom(...HUBSPOT_PROPERTIES, 'lastmodifieddate', 'createdate'), hostileText),
        fc.oneof(hostileText, fc.record({ value: hostileText }), fc.integer(), fc.constant(null)),
        { maxKeys: 6 },
      ),
    },
    { requiredKeys: [] },
  )
  .map((document) => JSON.stringify(document));

const SALESFORCE_TYPES = ['Lead', 'Contact', 'Account', 'Opportunity', 'Task', 'Event', 'Case'];
const SALESFORCE_FIELD_NAMES = [
  'Email',
  'Title',
  'LeadSource',
  'OwnerId',
  'Status',
  'AccountId',
  'Name',
  'Website',
  'NumberOfEmployees',
  'StageName',
  'Amount',
  'CreatedDate',
  'LastModifiedDate',
];

function salesforceBody(config: ClientConfig): fc.Arbitrary<string> {
  const record = fc.record({
    type: fc.constantFrom(...SALESFORCE_TYPES),
    fields: fc
      .tuple(
        fc.oneof(fc.stringMatching(/^[A-Za-z0-9]{18}$/), hostileText),
        fc.dictionary(fc.constantFrom(...SALESFORCE_FIELD_NAMES), fc.option(isoOrHostile, { nil: null }), {
          maxKeys: 5,
        }),
      )
      .map(([Id, rest]) => ({ ...rest, Id })),
  });
  return fc
    .array(record, { minLength: 1, maxLength: 3 })
    .map((records) => salesforceOutboundMessage(organizationOf(config), records));
}

const pipedriveWebhook = fc
  .record({
    action: fc.constantFrom('create', 'change', 'delete') as fc.Arbitrary<'create' | 'change' | 'delete'>,
    entity: fc.oneof(fc.constantFrom('person', 'organization', 'deal', 'activity', 'note'), hostileText),
    id: fc.nat(),
    timestamp: fc.oneof(isoOrHostile, fc.constant('2026-11-16 14:03:00')),
    data: fc.option(
      fc.dictionary(
        fc.oneof(
          fc.constantFrom('name', 'emails', 'org_id', 'owner_id', 'value', 'currency', 'stage_id', 'status'),
          hostileText,
        ),
        fc.oneof(hostileText, fc.integer(), fc.array(fc.record({ value: hostileText }), { maxLength: 2 })),
        { maxKeys: 5 },
      ),
      { nil: null },
    ),
  })
  .map((input) => pipedriveBody(input));

const validTime = fc
  .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());

/** The sender helper needs a real time; a hostile one is written over it afterwards. */
const typeformWebhook = fc
  .tuple(
    fc.record(
      {
        formId: hostileText,
        token: hostileText,
        submittedAt: validTime,
        email: hostileText,
        hidden: fc.dictionary(
          fc.oneof(fc.constantFrom('email', 'utm_source', 'contact_id'), hostileText),
          hostileText,
          { maxKeys: 3 },
        ),
      },
      { requiredKeys: ['formId', 'token', 'submittedAt'] },
    ),
    fc.option(hostileText, { nil: undefined }),
  )
  .map(([input, submittedAt]) => {
    const body = typeformBody(input);
    if (submittedAt === undefined) return body;
    const document = JSON.parse(body) as { form_response: Record<string, unknown> };
    document.form_response.submitted_at = submittedAt;
    return JSON.stringify(document);
  });

/** Bodies in each source's own wire shape, with hostile text in its string fields. */
export function shapedBody(source: SourceName, config: ClientConfig): fc.Arbitrary<string> {
  switch (source) {
    case 'generic':
      return genericBody;
    case 'hubspot':
      return hubspotBody;
    case 'hubspot-workflow':
      return workflowBody;
    case 'salesforce':
      return salesforceBody(config);
    case 'pipedrive':
      return pipedriveWebhook;
    case 'typeform':
      return typeformWebhook;
  }
}

/** One edit of a text: a character inserted, deleted or replaced, or the text cut short. */
export function mutated(body: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(body, fc.nat(), fc.constantFrom('insert', 'delete', 'replace', 'truncate' as const), hostileText)
    .map(([text, position, edit, inserted]) => {
      const at = text.length === 0 ? 0 : position % text.length;
      switch (edit) {
        case 'insert':
          return text.slice(0, at) + inserted + text.slice(at);
        case 'delete':
          return text.slice(0, at) + text.slice(at + 1);
        case 'replace':
          return text.slice(0, at) + (inserted || '?') + text.slice(at + 1);
        default:
          return text.slice(0, at);
      }
    });
}

/** Anything at all a body could be: random text, random JSON, a shaped body, or a shaped body edited. */
export function anyBody(source: SourceName, config: ClientConfig): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    shapedBody(source, config),
    mutated(shapedBody(source, config)),
  );
}

/** Content types a sender might claim, right or wrong; the ingest must not care. */
export const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/xml; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/octet-stream',
  'multipart/form-data; boundary=x',
  'image/png',
  '',
);
