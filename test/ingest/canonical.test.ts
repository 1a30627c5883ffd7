import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipedriveBody, pipedriveHeaders } from '#local/senders/pipedrive.ts';
import type { Twin } from '#local/twin.ts';
import { canonicalEvents, EVENT_LIMITS } from '#shared/ingest/canonical.ts';
import { importGenericLines } from '#shared/ingest/import.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { emailHasher } from '#shared/privacy.ts';
import { fieldValue } from '#shared/projection/state.ts';
import { TEST_SECRETS } from '../support/config.ts';
import { allQuarantined } from '../support/store.ts';
import { post, readEntity, startTestTwin } from '../support/twin.ts';

const at = Date.parse('2026-11-16T14:00:00Z');
const hash = emailHasher('canonical-test-key');
const event = (entity: CanonicalEvent['entity'], fields: CanonicalEvent['fields'], id = 'generic:x-1') => ({
  entity,
  id,
  at,
  fields,
});

describe('the canonical gate', () => {
  it('redacts an email or a phone number typed into a free-text field, never an id or a reference', () => {
    const { events } = canonicalEvents(
      [
        event('contact', {
          title: 'VP Sales, call +1 202 555 0143',
          reason: 'wrote to pat@globex.example',
          owner: 'rep-7',
          companyId: 'generic:202-555-0143',
        }),
      ],
      [],
      hash,
    );
    expect(events[0]?.fields).toEqual({
      title: 'VP Sales, call phone:redacted',
      reason: `wrote to emailhash:${hash('pat@globex.example')}`,
      owner: 'rep-7',
      companyId: 'generic:202-555-0143',
    });
  });

  it('reads blank texts as no value and gives every value its field kind', () => {
    const { events, problems } = canonicalEvents(
      [
        event('company', { name: '  ', industry: 'Software', employees: 850, tech: ['a', 'b'] }),
        event('deal', { amount: 42000.5, currency: '', reason: '', 'contactLink:contact#generic:c-1': true }),
      ],
      [],
      hash,
    );
    expect(problems).toEqual([]);
    expect(events.map((kept) => kept.fields)).toEqual([
      { name: null, industry: 'Software', employees: 850, tech: ['a', 'b'] },
      { amount: 42000.5, currency: null, reason: null, 'contactLink:contact#generic:c-1': true },
    ]);
  });

  it('keeps out, as problems naming the field and never its value, what no field may hold', () => {
    const { events, problems } = canonicalEvents(
      [
        event('company', { employees: 850.5 }, 'pipedrive:1'),
        event('company', { employees: -3 }, 'pipedrive:2'),
        event('deal', { amount: Number.NaN }, 'pipedrive:3'),
        event('deal', { currency: 'usd' }, 'pipedrive:4'),
        event('deal', { contactIds: 'c-1' }, 'pipedrive:5'),
        event('contact', { title: 42 }, 'pipedrive:6'),
        event('contact', { favouriteColour: 'red' }, 'pipedrive:7'),
        event('contact', { title: 'x'.repeat(EVENT_LIMITS.textChars + 1) }, 'pipedrive:8'),
        event('contact', { title: 'CFO' }, 'pipedrive:9'),
      ],
      [],
      hash,
    );
    expect(events.map((kept) => kept.id)).toEqual(['pipedrive:9']);
    expect(problems.map((problem) => problem.message)).toEqual([
      'not projected: employees: expected a whole number ≥ 0',
      'not projected: employees: expected a whole number ≥ 0',
      'not projected: amount: expected a number ≥ 0',
      'not projected: currency: expected an ISO 4217 code such as "USD"',
      'not projected: contactIds: expected a list of texts',
      'not projected: title: expected a text',
      'not projected: favouriteColour is not a field of a contact',
      `not projected: title is longer than ${EVENT_LIMITS.textChars} characters`,
    ]);
    expect(problems.map((problem) => problem.path)).toContain('company pipedrive:1');
  });

  it('stores ids and texts as DynamoDB reads them back: a lone surrogate becomes U+FFFD', () => {
    const [kept] = canonicalEvents(
      [event('contact', { title: 'V\ud800P' }, 'generic:c-\udfff')],
      [],
      hash,
    ).events;
    expect(kept?.id).toBe('generic:c-\ufffd');
    expect(kept?.fields.title).toBe('V\ufffdP');
  });
});

describe('every way facts come in passes the gate', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(() => twin.close());

  it('a Pipedrive organization with a fractional employee count is a problem of its delivery, as elsewhere', async () => {
    const body = pipedriveBody({
      action: 'create',
      entity: 'organization',
      id: 41,
      timestamp: '2026-11-16T14:00:00.000Z',
      data: { id: 41, name: 'Halfco', employee_count: 850.5 },
    });
    const response = await post(
      twin,
      'pipedrive',
      body,
      pipedriveHeaders(TEST_SECRETS['acme/pipedrive-basic-auth']),
    );
    expect(JSON.parse(response.text)).toMatchObject({ status: 'accepted', events: 0, problems: 1 });
    expect(await readEntity(twin, 'company#pipedrive:41')).toBeUndefined();
    const kept = (await allQuarantined(twin)).filter((q) => q.body.includes('Halfco'));
    expect(kept[0]?.problems).toEqual([
      { path: 'company pipedrive:41', message: 'not projected: employees: expected a whole number ≥ 0' },
    ]);
  });

  it('an import row goes through it too: a lone surrogate in an id is the record DynamoDB keeps, an oversized text skips its row', async () => {
    const deps = { config: twin.config, store: twin.store, secrets: twin.secrets, clock: () => at };
    const lines = [
      JSON.stringify({ type: 'contact', id: 'c-\udfff', at: '2026-11-16T14:01:00Z', title: 'VP' }),
      JSON.stringify({
        type: 'contact',
        id: 'c-\ud800',
        at: '2026-11-16T14:02:00Z',
        title: 'CMO',
        reason: '',
      }),
      JSON.stringify({ type: 'contact', id: 'c-77', at: '2026-11-16T14:03:00Z', title: 'x'.repeat(600) }),
    ];
    const summary = await importGenericLines(deps, lines);
    expect(summary.applied).toBe(2);
    expect(summary.skipped).toEqual([
      {
        path: 'line 3',
        message: `contact generic:c-77: not projected: title is longer than ${EVENT_LIMITS.textChars} characters`,
      },
    ]);
    const stored = await readEntity(twin, 'contact#generic:c-\ufffd');
    expect(stored && fieldValue(stored, 'title')).toBe('CMO');
    // Importing the same lines again changes nothing: the record is found under the key it was kept with.
    const writes = twin.store.counters.writes;
    await importGenericLines(deps, lines.slice(0, 2));
    expect(twin.store.counters.writes - writes).toBe(1); // the raw delivery of the batch only
  });
});
