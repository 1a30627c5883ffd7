import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { emailHasher } from '#shared/privacy.ts';
import { genericAdapter } from '#shared/sources/generic.ts';
import { pipedriveAdapter } from '#shared/sources/pipedrive.ts';
import { typeformAdapter } from '#shared/sources/typeform.ts';
import type { ParseContext } from '#shared/sources/types.ts';
import { exampleConfig, TEST_SECRETS } from '../support/config.ts';
import { expectNoneOf, keptAndParsedTheSame } from '../support/keep.ts';

const hash = emailHasher(TEST_SECRETS['acme/email-hash-key']);
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/vendor-payloads/${name}`, import.meta.url), 'utf8');
const contextOf = (config: ClientConfig): ParseContext => ({
  config,
  hashEmail: hash,
  receivedAt: Date.UTC(2026, 10, 24),
});

describe('keep: a Pipedrive v2 person full of personal fields', () => {
  const SENIORITY = '4d2f1c0b9a8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c';
  const LIFECYCLE = '9a1b2c3d4e5f60718293a4b5c6d7e8f901234567';
  const NOTES = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';
  /** A config that reads two custom fields and the postal address's country on top of the defaults. */
  function config(): ClientConfig {
    const base = exampleConfig();
    base.sources.pipedrive = {
      basicAuth: 'acme/pipedrive-basic-auth',
      fields: {
        person: { [SENIORITY]: 'seniority', [LIFECYCLE]: 'stage', 'postal_address.country': 'country' },
      },
    };
    return base;
  }
  const body = fixture('pipedrive-v2-person-personal.json');

  it('keeps the mapped fields, parsing to the same event', () => {
    const kept = keptAndParsedTheSame(pipedriveAdapter, body, contextOf(config()));
    expect(pipedriveAdapter.parse(kept, contextOf(config())).events).toEqual([
      {
        entity: 'contact',
        id: 'pipedrive:41',
        at: Date.parse('2026-11-24T09:15:00Z'),
        fields: {
          seniority: 'vp',
          stage: 'sql',
          country: 'United States',
          emailHash: hash('margarethe.ow@globex.example'),
          companyId: 'pipedrive:2',
          owner: '18487521',
          title: 'Head of Revenue Operations',
        },
      },
    ]);
    expect(JSON.parse(kept)).toEqual({
      meta: {
        action: 'change',
        entity: 'person',
        entity_id: '41',
        id: expect.any(String),
        timestamp: expect.any(String),
      },
      data: {
        id: 41,
        custom_fields: { [SENIORITY]: { value: 'vp' }, [LIFECYCLE]: { value: 'sql' } },
        postal_address: { country: 'United States' },
        emails: [{ value: `emailhash:${hash('margarethe.ow@globex.example')}`, primary: true }],
        org_id: 2,
        owner_id: 18487521,
        job_title: 'Head of Revenue Operations',
      },
    });
  });

  it('drops names, phones, the street address, notes, other custom fields and previous', () => {
    const kept = keptAndParsedTheSame(pipedriveAdapter, body, contextOf(config()));
    expectNoneOf(kept, [
      'Margarethe',
      'Oyelaran',
      'Whitfield',
      '+1 415 555 0187',
      '+1 628 555 0144',
      '+1 415 555 0102',
      'Quillfeather',
      '1187 ',
      'Sausalito',
      '94965',
      'Apt 4B',
      'Denver',
      'skype',
      '1984-03-17',
      NOTES,
      'Tobiah',
      'previous',
      '@',
      'home',
      'label',
      'acme.pipedrive.com',
    ]);
  });

  it('keeps nothing of data for the default maps but what they read', () => {
    const kept = keptAndParsedTheSame(pipedriveAdapter, body, contextOf(exampleConfig()));
    expect(Object.keys(JSON.parse(kept).data)).toEqual(['id', 'emails', 'org_id', 'owner_id', 'job_title']);
  });
});

describe('keep: a Typeform response full of free text', () => {
  const config = () => {
    const base = exampleConfig();
    base.sources.typeform = { secret: 'acme/typeform-secret', forms: { g8hcyeXS: 'demo-request' } };
    return base;
  };
  const body = fixture('typeform-response-free-text.json');

  it('keeps the ids, times, the hidden fields it reads and the email answer as a token', () => {
    const kept = keptAndParsedTheSame(typeformAdapter, body, contextOf(config()));
    expect(typeformAdapter.parse(kept, contextOf(config())).events[0]?.fields).toEqual({
      formId: 'demo-request',
      emailHash: hash('ingeborg@initech.example'),
      source: 'linkedin-ads',
    });
    expect(JSON.parse(kept)).toEqual({
      event_id: '01JD8Q4X7ZK2M9N3P5R6S7T8V9',
      event_type: 'form_response',
      form_response: {
        form_id: 'g8hcyeXS',
        token: 'r8k2m4p6s8u0w2y4a6c8e0g2i4k6m8o0',
        landed_at: '2026-11-24T10:02:11Z',
        submitted_at: '2026-11-24T10:05:43Z',
        hidden: { email: `emailhash:${hash('ingeborg.cr@initech.example')}`, utm_source: 'linkedin-ads' },
        answers: [{}, {}, { type: 'email', email: `emailhash:${hash('ingeborg@initech.example')}` }],
      },
    });
  });

  it('drops the definition, free text, the phone, choices, numbers and other hidden fields', () => {
    const kept = keptAndParsedTheSame(typeformAdapter, body, contextOf(config()));
    expectNoneOf(kept, [
      'Ingeborg',
      'Castellanos',
      'Bartholomew',
      'Wexford',
      'spreadsheet',
      '447700900461',
      '11-50',
      'team',
      'full_name',
      'q4-demo',
      'definition',
      'title',
      'phone',
      'variables',
      '@',
    ]);
  });

  it('keeps an invalid email answer at its index without its value, so replay reports it', () => {
    const response = JSON.parse(body);
    response.form_response.answers[2].email = 'ingeborg at initech';
    const kept = keptAndParsedTheSame(typeformAdapter, JSON.stringify(response), contextOf(config()));
    expect(typeformAdapter.parse(kept, contextOf(config())).problems).toEqual([
      { path: 'form_response.answers[2].email', message: 'expected an email address' },
    ]);
    expectNoneOf(kept, ['ingeborg at', 'initech example']);
  });

  it('keeps only the envelope of another event type', () => {
    const other = JSON.stringify({
      event_id: 'E1',
      event_type: 'form_response_partial',
      form_response: JSON.parse(body).form_response,
    });
    expect(keptAndParsedTheSame(typeformAdapter, other, contextOf(config()))).toBe(
      '{"event_id":"E1","event_type":"form_response_partial"}',
    );
  });
});

describe('keep: generic events with personal keys the contract does not know', () => {
  const body = JSON.stringify({
    events: [
      {
        type: 'contact',
        id: 'c-90',
        at: '2026-11-24T10:00:00Z',
        title: 'CFO',
        email: 'Rosalind.Quist@globex.example',
        stage: 'mql',
      },
      {
        type: 'contact',
        id: 'c-91',
        at: '2026-11-24T10:00:00Z',
        firstName: 'Rosalind',
        phone: '+1 415 555 0199',
        email: 'rq@globex.example',
      },
      { type: 'form', id: 'f-9', at: '2026-11-24T10:00:00Z', formId: 'demo', email: 'not an address' },
      { type: 'note', id: 'n-1', at: '2026-11-24T10:00:00Z', text: 'Rosalind called about her divorce' },
      'Rosalind Quist, 12 Harbour Street',
      { type: 'deal', id: 'd-9', at: '2026-11-24T10:00:00Z', amount: 5000, stage: 'Rosalind special' },
    ],
  });
  const context = () => contextOf(exampleConfig());

  it('keeps each event its known keys, the email as a token, and every problem where it was', () => {
    const kept = keptAndParsedTheSame(genericAdapter, body, context());
    expect(JSON.parse(kept).events).toEqual([
      {
        type: 'contact',
        id: 'c-90',
        at: '2026-11-24T10:00:00Z',
        title: 'CFO',
        email: `emailhash:${hash('rosalind.quist@globex.example')}`,
        stage: 'mql',
      },
      {
        type: 'contact',
        id: 'c-91',
        at: '2026-11-24T10:00:00Z',
        firstName: null,
        phone: null,
        email: `emailhash:${hash('rq@globex.example')}`,
      },
      { type: 'form', id: 'f-9', at: '2026-11-24T10:00:00Z', formId: 'demo', email: 'not an email address' },
      {},
      null,
      { type: 'deal', id: 'd-9', at: '2026-11-24T10:00:00Z', amount: 5000, stage: 'Rosalind special' },
    ]);
    expectNoneOf(kept, ['+1 415', 'Harbour', 'divorce', 'not an address', '@']);
  });

  it('names no value in a problem message', () => {
    const { problems } = genericAdapter.parse(body, context());
    expect(problems.map((problem) => problem.path)).toEqual([
      'events[1]',
      'events[2].email',
      'events[3].type',
      'events[4]',
      'events[5].stage',
    ]);
    expectNoneOf(JSON.stringify(problems), ['Rosalind', '555', 'not an address', 'divorce']);
  });
});
