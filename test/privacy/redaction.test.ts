import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import {
  containsEmail,
  containsPhone,
  emailHasher,
  redactEmails,
  redactForQuarantine,
  redactPhones,
  redactText,
} from '#shared/privacy.ts';

const hash = emailHasher('k');
const token = (address: string) => `emailhash:${hash(address)}`;
const JOHN = token('john@example.com');

describe('emailHasher', () => {
  it('hashes a plain address exactly as before: trimmed, lower-cased, HMAC-SHA256, 32 hex', () => {
    const before = createHmac('sha256', 'k').update('john.doe+news@example.com').digest('hex').slice(0, 32);
    expect(hash('  John.Doe+News@Example.COM ')).toBe(before);
  });

  it('hashes a unicode domain and its punycode form the same', () => {
    expect(hash('john@exämple.de')).toBe(hash('john@xn--exmple-cua.de'));
    expect(hash('JOHN@EXÄMPLE.DE')).toBe(hash('john@xn--exmple-cua.de'));
    expect(hash('x@пример.рф')).toBe(hash('x@xn--e1afmkfd.xn--p1ai'));
    expect(hash('john@exämple.de')).not.toBe(hash('john@example.de'));
  });

  it('hashes a decomposed and a precomposed ö the same, and needless quotes as none', () => {
    expect(hash('jo\u0308hn@example.com')).toBe(hash('j\u00f6hn@example.com'));
    expect(hash('"john"@example.com')).toBe(hash('john@example.com'));
    expect(hash('"john doe"@example.com')).not.toBe(hash('johndoe@example.com'));
  });

  it('maps a token to its own hash', () => {
    expect(hash(JOHN)).toBe(hash('john@example.com'));
  });
});

describe('redactEmails: encoded forms', () => {
  const cases: [string, string, string][] = [
    ['JSON \\u0040', '{"email":"john\\u0040example.com"}', `{"email":"${JOHN}"}`],
    ['JSON \\u0040 and \\u002e', '{"email":"john\\u0040example\\u002Ecom"}', `{"email":"${JOHN}"}`],
    ['JSON, every letter escaped', '"\\u006a\\u006f\\u0068\\u006e@example.com"', `"${JOHN}"`],
    ['XML &#64;', '<email>john&#64;example.com</email>', `<email>${JOHN}</email>`],
    ['XML &#064; without its ;', 'to: john&#064example.com.', `to: ${JOHN}.`],
    ['XML &#x40;', '<email>john&#x40;example.com</email>', `<email>${JOHN}</email>`],
    ['HTML &#X40;', 'john&#X40;example.com', JOHN],
    ['HTML &commat; and &period;', '<p>john&commat;example&period;com</p>', `<p>${JOHN}</p>`],
    ['percent-encoded mailto:', '<a href="mailto:john%40example.com">', `<a href="mailto:${JOHN}">`],
    ['percent-encoded query', '/signup?email=john%40example.com&next=%2F', `/signup?email=${JOHN}&next=%2F`],
    [
      'form-encoded, + escaped',
      'email=john%2Bnews%40example.com&x=1',
      `email=${token('john+news@example.com')}&x=1`,
    ],
    ['percent-encoded UTF-8 domain', 'e=john%40ex%C3%A4mple.de', `e=${token('john@exämple.de')}`],
  ];
  it.each(cases)('%s', (_name, text, expected) => {
    expect(redactEmails(text, hash)).toBe(expected);
    expect(containsEmail(text)).toBe(true);
    expect(containsEmail(expected)).toBe(false);
  });

  it('takes a `%XX` beside a literal @ as the local-part text it has always been', () => {
    expect(redactEmails('a%2Bb@x.com', hash)).toBe(token('a%2Bb@x.com'));
  });

  it('does not take an escaped backslash followed by `u0040` for an @', () => {
    const text = '{"path":"john\\\\u0040example.com"}';
    expect(redactEmails(text, hash)).toBe(text);
    expect(containsEmail(text)).toBe(false);
  });
});

describe('redactEmails: unicode', () => {
  it('redacts a unicode local part whole', () => {
    expect(redactEmails('from jöhn.doe@example.com.', hash)).toBe(`from ${token('jöhn.doe@example.com')}.`);
  });

  it('redacts a unicode local part spelled with an HTML name, hashed as the letter', () => {
    expect(redactEmails('<p>j&ouml;hn.doe@example.com</p>', hash)).toBe(
      `<p>${token('jöhn.doe@example.com')}</p>`,
    );
  });

  it('redacts a local part holding a reference it does not know, with the reference', () => {
    expect(redactEmails('x j&zwnj;ohn@example.com', hash)).toBe(`x ${token('j&zwnj;ohn@example.com')}`);
  });

  it('redacts a unicode domain and its punycode form to the same token', () => {
    const unicode = redactEmails('john@exämple.de', hash);
    expect(unicode).toBe(token('john@exämple.de'));
    expect(redactEmails('john@xn--exmple-cua.de', hash)).toBe(unicode);
    expect(redactEmails('x@пример.рф', hash)).toBe(redactEmails('x@xn--e1afmkfd.xn--p1ai', hash));
  });

  it('redacts an astral-plane letter in a local part', () => {
    expect(redactEmails('a𝒜b@example.com', hash)).toBe(token('a𝒜b@example.com'));
  });
});

describe('redactEmails: quoted local parts', () => {
  const quoted = token('"john doe"@example.com');

  it('redacts a quoted local part, in free text, JSON and XML, to the same token', () => {
    expect(redactEmails('to "john doe"@example.com now', hash)).toBe(`to ${quoted} now`);
    expect(redactEmails('{"to":"\\"john doe\\"@example.com"}', hash)).toBe(`{"to":"${quoted}"}`);
    expect(redactEmails('<to>&quot;john doe&quot;@example.com</to>', hash)).toBe(`<to>${quoted}</to>`);
  });

  it('never takes the quotes of JSON strings or XML attributes for a local part', () => {
    for (const text of [
      '{"a":"x","b":"@example.com"}',
      '["a",null,"@example.com"]',
      '<a x="1" y="@example.com"/>',
    ]) {
      expect(redactEmails(text, hash)).toBe(text);
    }
  });
});

describe('redactEmails: tokens', () => {
  it('leaves a token as it is, so redacting twice changes nothing', () => {
    expect(redactEmails(`{"email":"${JOHN}"}`, hash)).toBe(`{"email":"${JOHN}"}`);
    expect(containsEmail(JOHN)).toBe(false);
    const once = redactEmails('a john\\u0040example.com, "j d"@x.com, jöhn@exämple.de b', hash);
    expect(redactEmails(once, hash)).toBe(once);
  });
});

describe('redactPhones', () => {
  const phones = [
    '+44 20 7946 0958',
    '(020) 7946 0958',
    '+1 (555) 010-9999',
    '555-010-9999',
    '555.010.9999',
    '+4930901820',
    '+1-202-555-0143',
    '0049 30 901820',
    '+44 (0)20 7946 0958',
    '030 901820',
  ];
  it.each(phones)('redacts %s', (phone) => {
    expect(redactPhones(`call ${phone} today`)).toBe('call phone:redacted today');
    expect(redactPhones(`{"tel":"${phone}"}`)).toBe('{"tel":"phone:redacted"}');
    expect(containsPhone(`Tel:${phone}.`)).toBe(true);
  });

  const notPhones = [
    '2026-11-16',
    '2026-11-16T14:03:00Z',
    '2026-11-16T14:03:00.000+01:00',
    '2026-11-16 14:03:00',
    '16.11.2026',
    '14:03',
    '1791212400000',
    '7000108',
    '42000',
    '42000.50',
    '0.1234567',
    '1.250.000',
    '0065e000000003BAAA',
    '550e8400-e29b-41d4-a716-446655440000',
    '12345678-1234-1234-1234-123456789012',
    '1.2.3.4',
    '10.0.19041.1234',
    '192.168.100.200',
    'FY2026',
    'v1.2.840',
    '1000-2000',
  ];
  it.each(notPhones)('leaves %s', (text) => {
    expect(redactPhones(`at ${text} x`)).toBe(`at ${text} x`);
    expect(redactPhones(text)).toBe(text);
    expect(containsPhone(text)).toBe(false);
  });

  it('finds a phone in a run that starts with a date or a time', () => {
    expect(redactPhones('2026-11-16 555-010-9999')).toBe('2026-11-16 phone:redacted');
    expect(redactPhones('at 14:03 555-010-9999')).toBe('at 14:03 phone:redacted');
  });
});

describe('redactText', () => {
  it('redacts emails and phones, the email first so an all-digit local part goes hashed', () => {
    expect(redactText('Mail john\\u0040example.com or call +44 20 7946 0958.', hash)).toBe(
      `Mail ${JOHN} or call phone:redacted.`,
    );
    expect(redactText('+4930901820@example.com', hash)).toBe(token('+4930901820@example.com'));
  });
});

describe('redactForQuarantine', () => {
  it('redacts a JSON document, values under phone keys whatever their shape, and keeps it valid', () => {
    const body = [
      '{"phone": "4155550132", "MobilePhone": 4155550132, "tel": "x", "hotel": "Ritz 2",',
      ' "contact": {"Fax": "12", "email": "john\\u0040example.com"}, "phones": ["555-010-9999"],',
      ' "id": 12345678901234567890, "amount": 42000.50, "at": "2026-11-16T14:03:00Z"}',
    ].join('');
    const redacted = redactForQuarantine(body, hash);
    expect(redacted).toBe(
      [
        '{"phone": "phone:redacted", "MobilePhone": "phone:redacted", "tel": "phone:redacted", "hotel": "Ritz 2",',
        ` "contact": {"Fax": "phone:redacted", "email": "${JOHN}"}, "phones": ["phone:redacted"],`,
        ' "id": 12345678901234567890, "amount": 42000.50, "at": "2026-11-16T14:03:00Z"}',
      ].join(''),
    );
    expect(() => JSON.parse(redacted)).not.toThrow();
  });

  it('keeps any JSON document valid JSON', () => {
    const piece = fc.constantFrom(
      'a',
      '9',
      ' ',
      '"',
      '\\',
      '@',
      '.',
      '-',
      '+',
      '(',
      ')',
      ':',
      ',',
      'com',
      'é',
      '&#64;',
      '&quot;',
      '%40',
      '\\u0040',
      'john doe',
      '"john doe"@example.com',
      '555-010-9999',
      '+44 20 7946 0958',
    );
    const text = fc.string({ unit: piece, maxLength: 30 });
    const document = fc.letrec((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        text,
        fc.double({ noNaN: true, noDefaultInfinity: true }),
        fc.integer(),
        fc.constant(null),
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(text, fc.constantFrom('phone', 'Fax', 'mobile')), tie('value'), {
          maxKeys: 4,
        }),
      ),
    })).value;
    fc.assert(
      fc.property(document, fc.boolean(), (value, pretty) => {
        const body = JSON.stringify(value, null, pretty ? 2 : undefined);
        const redacted = redactForQuarantine(body, hash);
        expect(() => JSON.parse(redacted)).not.toThrow();
      }),
      { numRuns: 500, seed: 20261116 },
    );
  });

  it('redacts an XML document, the text of phone-named elements whatever its shape, and keeps it valid', () => {
    const body = [
      '<?xml version="1.0" encoding="UTF-8"?>',
      '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:sf="urn:sobject">',
      '<soapenv:Body><sf:Contact>',
      '<sf:Id>0035e000000003BAAA</sf:Id>',
      '<sf:Phone>4155550132</sf:Phone><sf:MobilePhone>+1 415 555 0133</sf:MobilePhone><sf:Fax>12</sf:Fax>',
      '<sf:Email>john&#64;example.com</sf:Email><sf:Name>&quot;john doe&quot;@example.com</sf:Name>',
      '<sf:CreatedDate>2026-11-16T14:03:00.000Z</sf:CreatedDate><sf:Amount>42000.50</sf:Amount>',
      '</sf:Contact></soapenv:Body></soapenv:Envelope>',
    ].join('');
    const redacted = redactForQuarantine(body, hash);
    expect(XMLValidator.validate(redacted)).toBe(true);
    const contact = new XMLParser({ removeNSPrefix: true, parseTagValue: false }).parse(redacted).Envelope
      .Body.Contact;
    expect(contact).toEqual({
      Id: '0035e000000003BAAA',
      Phone: 'phone:redacted',
      MobilePhone: 'phone:redacted',
      Fax: 'phone:redacted',
      Email: JOHN,
      Name: token('"john doe"@example.com'),
      CreatedDate: '2026-11-16T14:03:00.000Z',
      Amount: '42000.50',
    });
  });

  it('redacts phone-named XML attributes', () => {
    const redacted = redactForQuarantine('<c phone="4155550132" id="7000108"/>', hash);
    expect(redacted).toBe('<c phone="phone:redacted" id="7000108"/>');
  });

  it('redacts a body that is neither JSON nor XML as text', () => {
    const body = '{"phone": "4155550132", "email": "john%40example.com", call +44 20 7946 0958';
    expect(redactForQuarantine(body, hash)).toBe(
      `{"phone": "4155550132", "email": "${JOHN}", call phone:redacted`,
    );
  });

  it('redacts a 1 MB body of mixed text in one pass', () => {
    const piece =
      'Call +44 20 7946 0958 or mail jöhn.doe@exämple.de, john\\u0040example.com, j&#64;x.io or ' +
      'k%40x.io; order 7000108 at 2026-11-16T14:03:00Z for 42000.50; ';
    const expected =
      `Call phone:redacted or mail ${token('jöhn.doe@exämple.de')}, ${JOHN}, ${token('j@x.io')} or ` +
      `${token('k@x.io')}; order 7000108 at 2026-11-16T14:03:00Z for 42000.50; `;
    const copies = Math.ceil((1024 * 1024) / piece.length);
    const redacted = redactForQuarantine(piece.repeat(copies), hash);
    expect(redacted).toBe(expected.repeat(copies));
  });
});
