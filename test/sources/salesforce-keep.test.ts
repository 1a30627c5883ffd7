import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type OutboundRecord, salesforceOutboundMessage } from '#local/senders/salesforce.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { ValidationError } from '#shared/errors.ts';
import { containsEmail, emailHasher } from '#shared/privacy.ts';
import { organizationIdOf, salesforceAdapter, salesforceFieldsRead } from '#shared/sources/salesforce.ts';
import type { ParseContext } from '#shared/sources/types.ts';
import { exampleConfig, TEST_SECRETS } from '../support/config.ts';
import { expectNoneOf, keptAndParsedTheSame } from '../support/keep.ts';

/*
 * What an outbound message keeps for replay: the OrganizationId and, per notification, the
 * sObject's type with the fields parse reads for it. Every other field, the SessionId (a live API
 * session) and the callback URLs are gone, and the kept body parses to the same events.
 */

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/vendor-payloads/${name}`, import.meta.url), 'utf8');
/** A Lead and a Contact full of personal fields, for the example client's org. */
const PERSONAL_FIXTURE = fixture('salesforce-outbound-message-personal.xml');

const ORG = '00Dxx0000001gEREAY'; // clients/example.yaml
const RECEIVED = Date.parse('2026-11-16T14:05:00Z');
const hashEmail = emailHasher(TEST_SECRETS['acme/email-hash-key']);

function configFor(organizationId: string, change: (config: ClientConfig) => void = () => {}): ClientConfig {
  const config = exampleConfig();
  config.sources.salesforce = { pathSecret: 'acme/salesforce-token', organizationId };
  change(config);
  return config;
}

const contextFor = (config: ClientConfig = exampleConfig()): ParseContext => ({
  config,
  hashEmail,
  receivedAt: RECEIVED,
});

/** keptAndParsedTheSame, and the same ignored counts too. */
function keep(body: string, context: ParseContext = contextFor()): string {
  const kept = keptAndParsedTheSame(salesforceAdapter, body, context);
  expect(salesforceAdapter.parse(kept, context).ignored).toEqual(
    salesforceAdapter.parse(body, context).ignored,
  );
  return kept;
}

/** Every personal value of the personal fixture: names, phones, addresses, free text, emails. */
const PERSONAL_VALUES = [
  // the Lead
  'Marieke',
  'Van Houten',
  'Ms.',
  '+31 6 4821 7735',
  '+31 10 555 0142',
  '+31 10 555 0199',
  'marieke.vanhouten@vanhouten.example',
  'Wijnhaven 107',
  'Unit 4B',
  'Rotterdam',
  '3011 AD',
  'Zuid-Holland',
  'Van Houten Logistiek',
  'Joost',
  'de Graaf',
  'joost.degraaf@vanhouten.example',
  'prefers Dutch',
  'vanhouten.example',
  // the Contact
  'Jelle',
  'Okonkwo-Smit',
  'Mr.',
  '+31 20 555 0163',
  '+31 20 555 0150',
  '+31 6 1937 2254',
  '+31 20 555 0177',
  'Femke Bakker',
  'j.okonkwo-smit@amstelfin.example',
  'amstelfin',
  'Keizersgracht 452',
  'Amsterdam',
  '1017 XN',
  'Noord-Holland',
  '1984-03-17',
  'knee surgery',
  'Lotte',
  'TU Delft',
  // the envelope: a live API session and the instance's callback URLs
  'AQ4AQLw8xJ0Ub7Qe1p3yFz',
  'SessionId',
  'EnterpriseUrl',
  'PartnerUrl',
  'acme.my.salesforce.com',
];

describe('salesforce keep: personal data', () => {
  it('keeps none of the names, phones, addresses, free text, emails or the SessionId, and parses the same', () => {
    const kept = keep(PERSONAL_FIXTURE);
    expectNoneOf(kept, PERSONAL_VALUES);
    expect(containsEmail(kept)).toBe(false);
    expect(kept).not.toContain('@');
    expect(kept).toContain(
      `<sf:Email>emailhash:${hashEmail('marieke.vanhouten@vanhouten.example')}</sf:Email>`,
    );
    expect(kept).toContain(`<sf:Email>emailhash:${hashEmail('j.okonkwo-smit@amstelfin.example')}</sf:Email>`);
    // What the metrics segment by stays.
    const parsed = salesforceAdapter.parse(kept, contextFor());
    expect(parsed.problems).toEqual([]);
    expect(parsed.events.map((event) => [event.id, event.fields])).toEqual([
      [
        'salesforce:00Q5e00000PPPPPPP1',
        {
          emailHash: hashEmail('marieke.vanhouten@vanhouten.example'),
          title: 'Head of Procurement',
          source: 'Trade Show',
          owner: '0055e000001RRRRRR7',
          stage: 'mql',
          industry: 'Transportation',
          employees: 340,
          country: 'Netherlands',
        },
      ],
      ['salesforce:00Q5e00000PPPPPPP1', {}],
      [
        'salesforce:0035e00000PPPPPPP2',
        {
          emailHash: hashEmail('j.okonkwo-smit@amstelfin.example'),
          title: 'Finance Director',
          source: 'Partner Referral',
          owner: '0055e000001RRRRRR7',
          companyId: 'salesforce:0015e00000PPPPPPP3',
          stage: 'sql',
          seniority: 'director',
        },
      ],
      ['salesforce:0035e00000PPPPPPP2', {}],
    ]);
  });

  it('keeps exactly the fields parse reads for each type, in the documented envelope', () => {
    const kept = keep(PERSONAL_FIXTURE);
    const names = (type: string) => {
      const block = kept.split('<Notification>').find((part) => part.includes(`xsi:type="sf:${type}"`));
      return [...(block ?? '').matchAll(/<sf:(\w+)[\s>/]/g)].map((match) => match[1]);
    };
    expect(names('Lead')).toEqual([
      'Id',
      'Country',
      'CreatedDate',
      'Email',
      'Industry',
      'IsConverted',
      'LastModifiedDate',
      'LeadSource',
      'NumberOfEmployees',
      'OwnerId',
      'Status',
      'SystemModstamp',
      'Title',
    ]);
    expect(names('Contact')).toEqual([
      'Id',
      'AccountId',
      'CreatedDate',
      'Email',
      'LastModifiedDate',
      'LeadSource',
      'Lifecycle_Stage__c',
      'OwnerId',
      'Seniority__c',
      'SystemModstamp',
      'Title',
    ]);
    for (const name of names('Lead'))
      expect(salesforceFieldsRead(exampleConfig(), 'Lead').has(name ?? '')).toBe(true);
    expect(kept).toContain('<notifications xmlns="http://soap.sforce.com/2005/09/outbound">');
    expect(kept).toContain('<sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">');
    expect(kept).not.toContain('ActionId');
    // The OrganizationId stays: parse checks it, and verify reads it the same way.
    expect(organizationIdOf(kept)).toBe(ORG);
  });

  it('splits the kept body into its notifications, each parsing on its own, as forget does', () => {
    const kept = keep(PERSONAL_FIXTURE);
    const split = salesforceAdapter.split?.(kept);
    expect(split?.items).toHaveLength(2);
    const ids = split?.items.map((item) => salesforceAdapter.parse(item.body, contextFor()).events[0]?.id);
    expect(ids).toEqual(['salesforce:00Q5e00000PPPPPPP1', 'salesforce:0035e00000PPPPPPP2']);
    const [, contact] = split?.items ?? [];
    expect(split?.join(contact ? [contact] : [])).not.toContain('00Q5e00000PPPPPPP1');
    // Each item of the original body keeps to the same item of the kept body.
    const original = salesforceAdapter.split?.(PERSONAL_FIXTURE);
    expect(original?.items.map((item) => salesforceAdapter.keep?.(item.body, contextFor()))).toEqual(
      split?.items.map((item) => item.body),
    );
  });
});

describe('salesforce keep: every fixture', () => {
  const fixtures: [string, ClientConfig][] = [
    ['salesforce-outbound-message.xml', configFor('012345678901234')],
    ['salesforce-outbound-message-leads.xml', configFor('0123456789ABCDE')],
    ['salesforce-outbound-message-lead-converted.xml', exampleConfig()],
    ['salesforce-outbound-message-opportunity-contact-role.xml', exampleConfig()],
    ['salesforce-outbound-message-personal.xml', exampleConfig()],
  ];

  it.each(fixtures)(
    '%s parses the same once kept, and drops the fields parse does not read',
    (name, config) => {
      const body = fixture(name);
      const kept = keep(body, contextFor(config));
      expect(kept).not.toContain('SessionId');
      expect(containsEmail(kept)).toBe(false);
      expectNoneOf(kept, ['FirstName', 'LastName', 'Phone', 'Street', 'City', 'PostalCode', 'Description']);
    },
  );

  it('keeps the conversion fields of a converted lead and the links of a contact role', () => {
    const converted = keep(fixture('salesforce-outbound-message-lead-converted.xml'));
    for (const field of [
      'IsConverted',
      'ConvertedContactId',
      'ConvertedAccountId',
      'ConvertedOpportunityId',
    ]) {
      expect(converted).toContain(`<sf:${field}>`);
    }
    expect(converted).toContain('<sf:ConvertedDate>2026-10-06</sf:ConvertedDate>');
    expectNoneOf(converted, [
      'Kim',
      'Weber',
      'Stuttgart',
      '+49 711',
      'Initech GmbH',
      'initech.example',
      '48000000',
    ]);
    const roles = keep(fixture('salesforce-outbound-message-opportunity-contact-role.xml'));
    for (const field of ['OpportunityId', 'ContactId', 'IsDeleted', 'LastModifiedDate']) {
      expect(roles).toContain(`<sf:${field}>`);
    }
    // Not read for a role: its creation, its role name, whether it is primary.
    expectNoneOf(roles, ['Decision Maker', 'Evaluator', 'IsPrimary', 'CreatedDate']);
  });

  it('keeps the type of an sObject samepage does not read, and none of its fields', () => {
    const kept = keep(
      fixture('salesforce-outbound-message-leads.xml'),
      contextFor(configFor('0123456789ABCDE')),
    );
    expect(kept.match(/<sObject xsi:type="sf:Lead\d"/g)).toHaveLength(3);
    expect(kept).not.toContain('<sf:');
  });
});

describe('salesforce keep: what the config reads, and what did not validate', () => {
  it('keeps the fields the config maps on top of the defaults, and the forecast fields', () => {
    const config = configFor(ORG, (c) => {
      c.sources.salesforce = {
        organizationId: ORG,
        pathSecret: 'acme/salesforce-token',
        fields: {
          Contact: { Level__c: 'seniority', Work_Email__c: 'emailHash' },
          Opportunity: { Type: 'pipeline' },
        },
        stages: { 'Closed Won': 'closedwon' },
      };
    });
    const body = salesforceOutboundMessage(ORG, [
      {
        type: 'Contact',
        fields: {
          Id: '0035e00000BBBBBBB2',
          Level__c: 'director',
          Work_Email__c: 'ana.lima@globex.example',
          Nickname__c: 'Ana',
          LastModifiedDate: '2026-11-16T10:00:00Z',
        },
      },
      {
        type: 'Opportunity',
        fields: {
          Id: '0065e00000DDDDDDD2',
          Name: 'Globex renewal for Ana Lima',
          Type: 'New Business',
          StageName: 'Closed Won',
          Amount: '42000.00',
          CurrencyIsoCode: 'EUR',
          CloseDate: '2026-12-31',
          Probability: '35',
          ForecastCategoryName: 'Best Case',
          ForecastCategory: 'BestCase',
          NextStep: 'Call Ana on Monday',
          LastModifiedDate: '2026-11-16T10:00:00Z',
        },
      },
    ]);
    const kept = keep(body, contextFor(config));
    expect(kept).toContain('<sf:Level__c>director</sf:Level__c>');
    expect(kept).toContain(
      `<sf:Work_Email__c>emailhash:${hashEmail('ana.lima@globex.example')}</sf:Work_Email__c>`,
    );
    for (const field of ['Type', 'StageName', 'Amount', 'CurrencyIsoCode', 'CloseDate', 'Probability']) {
      expect(kept).toContain(`<sf:${field}>`);
    }
    expect(kept).toContain('<sf:ForecastCategoryName>Best Case</sf:ForecastCategoryName>');
    expect(kept).toContain('<sf:ForecastCategory>BestCase</sf:ForecastCategory>');
    expectNoneOf(kept, ['Ana', 'Lima', 'Nickname__c', 'NextStep', '<sf:Name>']);
    // Without the config's map, its fields are not kept.
    expectNoneOf(keep(body), ['Level__c', 'Work_Email__c', '<sf:Type>']);
  });

  it('keeps an item that did not validate with its allowed keys, so replay finds the same problem', () => {
    const body = salesforceOutboundMessage(ORG, [
      { type: 'Opportunity', fields: { Id: '0065e00000DDDDDDD3', Amount: 'lots', Name: 'For Ana Lima' } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC2', Name: 'Initech', Phone: '+1 555 0100' } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC3', NumberOfEmployees: '12.5' } },
      { type: 'Contact', fields: { Id: 'not-an-id', Email: 'ana@globex.example', FirstName: 'Ana' } },
      { type: 'Lead', fields: { Id: '00Q5e00000AAAAAAA9', Email: 'Ana Lima', LastName: 'Lima' } },
    ]);
    const kept = keep(body);
    expect(salesforceAdapter.parse(kept, contextFor()).problems.map((problem) => problem.path)).toEqual([
      'Notification[0].sObject.Amount',
      'Notification[2].sObject.NumberOfEmployees',
      'Notification[3].sObject.Id',
      'Notification[4].sObject.Email',
    ]);
    expect(kept).toContain('<sf:Amount>lots</sf:Amount>');
    expect(kept).toContain('<sf:Id>not-an-id</sf:Id>');
    // An email field holding no address keeps the problem, not what was typed there.
    expectNoneOf(kept, ['Ana', 'Lima', '+1 555 0100', 'globex.example']);
  });

  it('keeps the shape of a field that is repeated or holds elements, without its content', () => {
    const body = salesforceOutboundMessage(ORG, [
      { type: 'Contact', fields: { Id: '0035e00000BBBBBBB5', Title: 'CTO' } },
      { type: 'Contact', fields: { Id: '0035e00000BBBBBBB6', Title: 'CTO' } },
      { type: 'Contact', fields: { Id: '0035e00000BBBBBBB7', Title: 'CTO', Phone: '+1 555 0101' } },
    ])
      .replace(
        '<sf:Title>CTO</sf:Title>',
        '<sf:Email>ana@globex.example</sf:Email><sf:Email>Ana Lima</sf:Email>',
      )
      .replace('<sf:Title>CTO</sf:Title>', '<sf:Title><first>Ana</first> Lima<last>Lima</last></sf:Title>');
    const kept = keep(body);
    expect(salesforceAdapter.parse(kept, contextFor()).problems).toEqual([
      { path: 'Notification[0].sObject.Email', message: 'the element appears more than once' },
      { path: 'Notification[1].sObject.Title', message: 'expected a text value, found nested elements' },
    ]);
    expectNoneOf(kept, ['Ana', 'Lima', 'globex', '+1 555 0101']);
  });

  it('keeps the problem of a notification without an sObject or without a type', () => {
    const body = salesforceOutboundMessage(ORG, [
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC4', Name: 'Initech' } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC5', Name: 'Hooli' } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC6', Name: 'Globex' } },
    ])
      .replace(
        /<sObject xsi:type="sf:Account" (xmlns:sf="[^"]*")>(?=\s*<sf:Id>0015e00000CCCCCCC5)/,
        '<sObject $1>',
      )
      .replace(
        /<sObject[^>]*>\s*<sf:Id>0015e00000CCCCCCC6<\/sf:Id>\s*<sf:Name>Globex<\/sf:Name>\s*<\/sObject>/,
        '',
      );
    const kept = keep(body);
    expect(salesforceAdapter.parse(kept, contextFor()).problems).toEqual([
      { path: 'Notification[1].sObject', message: 'missing xsi:type' },
      { path: 'Notification[2]', message: 'expected one sObject' },
    ]);
    expect(salesforceAdapter.split?.(kept)?.items).toHaveLength(3);
  });

  it('writes values back so they read the same: escapes, references and whitespace at the ends', () => {
    const body = salesforceOutboundMessage(ORG, [
      {
        type: 'Account',
        fields: { Id: '0015e00000CCCCCCC7', Name: 'AT&T &#64; <Labs>', Industry: 'Telecom' },
      },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC8', Name: 'x', Industry: 'y' } },
    ])
      .replace('>Telecom<', '>Caf&#233; &#x41;&#10;<')
      .replace('<sf:Name>x</sf:Name>', '<sf:Name>&#32;Hooli&#9;</sf:Name>')
      .replace('<sf:Industry>y</sf:Industry>', '<sf:Industry><![CDATA[Media & "Film"]]></sf:Industry>')
      .replaceAll('sf:', 'ns1:');
    const kept = keep(`\uFEFF${body}`);
    expect(salesforceAdapter.parse(kept, contextFor()).events.map((event) => event.fields)).toEqual([
      { name: 'AT&T &#64; <Labs>', industry: 'Café A\n' },
      { name: ' Hooli\t', industry: 'Media & "Film"' },
    ]);
  });
});

describe('salesforce messages name the field and the fault, never a value from the body', () => {
  it('says what was expected for each bad value', () => {
    const secret = 'Ana-Lima-555';
    const config = configFor(ORG, (c) => {
      c.sources.salesforce = {
        organizationId: ORG,
        pathSecret: 'acme/salesforce-token',
        fields: { Account: { Deleted__c: 'deleted' } },
      };
    });
    const records: OutboundRecord[] = [
      { type: 'Opportunity', fields: { Id: '0065e00000DDDDDDD4', Amount: secret } },
      { type: 'Opportunity', fields: { Id: '0065e00000DDDDDDD5', CurrencyIsoCode: secret } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCCC9', NumberOfEmployees: `${secret}.5` } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCC10', NumberOfEmployees: '12.5' } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCC11', Website: `${secret} site` } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCC12', Deleted__c: secret } },
      { type: 'Lead', fields: { Id: '00Q5e00000AAAAAA10', IsConverted: secret } },
      { type: 'OpportunityContactRole', fields: { Id: '00K5e00000GGGGGG10', IsDeleted: secret } },
      { type: 'Account', fields: { Id: '0015e00000CCCCCC13', Name: 'Initech' } },
    ];
    const parsed = salesforceAdapter.parse(salesforceOutboundMessage(ORG, records), contextFor(config));
    expect(parsed.problems.map((problem) => [problem.path, problem.message])).toEqual([
      ['Notification[0].sObject.Amount', 'expected a number ≥ 0'],
      ['Notification[1].sObject.CurrencyIsoCode', 'expected an ISO 4217 currency code'],
      ['Notification[2].sObject.NumberOfEmployees', 'expected a number ≥ 0'],
      ['Notification[3].sObject.NumberOfEmployees', 'expected a whole number ≥ 0'],
      ['Notification[4].sObject.Website', 'expected a website with a usable host name'],
      ['Notification[5].sObject.Deleted__c', 'expected true or false'],
      ['Notification[6].sObject.IsConverted', 'expected true or false'],
      ['Notification[7].sObject.OpportunityId', 'expected a 15- or 18-character Salesforce id'],
      ['Notification[7].sObject.ContactId', 'expected a 15- or 18-character Salesforce id'],
      ['Notification[7].sObject.IsDeleted', 'expected true or false'],
    ]);
    expect(JSON.stringify(parsed.problems)).not.toContain('Ana');
  });

  it('refuses a body without quoting it: malformed XML, an unusable document, another org', () => {
    const messageOf = (body: string, config = exampleConfig()): string => {
      try {
        salesforceAdapter.parse(body, contextFor(config));
      } catch (error) {
        if (error instanceof ValidationError) return error.message;
        throw error;
      }
      throw new Error('parsed');
    };
    const body = salesforceOutboundMessage(ORG, [
      { type: 'Account', fields: { Id: '0015e00000CCCCCC14', Name: 'Initech' } },
    ]);
    const malformed = [
      body.replace('<sf:Name>Initech</sf:Name>', '<sf:Name>Ana <Lima> Smith</sf:Name>'),
      body.replace('<sf:Name>Initech</sf:Name>', '<sf:Name Ana-Lima="1" Ana-Lima="2">x</sf:Name>'),
      body.replace('<sf:Name>Initech</sf:Name>', '<Ana-Lima>'),
      body.replace('<sf:Name>Initech</sf:Name>', '<sf:Name>Ana & Lima</sf:Name>'),
    ];
    for (const text of malformed) {
      const message = messageOf(text);
      expect(message).toMatch(/^body is not well-formed XML: .* \(line \d+, column \d+\)$/);
      expect(message).not.toMatch(/Ana|Lima/);
    }
    const otherOrg = messageOf(body, configFor('00Dxx0000009ZZZZZZ'));
    expect(otherOrg).toBe('the OrganizationId is not the configured organization');
  });
});
