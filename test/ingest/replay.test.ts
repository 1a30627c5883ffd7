import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { genericHeaders } from '#local/senders/generic.ts';
import type { Twin } from '#local/twin.ts';
import { replayDeliveries } from '#shared/ingest/ingest.ts';
import { exampleConfig, TEST_SECRETS, testSecrets } from '../support/config.ts';
import { statesOf } from '../support/shuffle.ts';
import { post, startTestTwin } from '../support/twin.ts';

const SECRET = TEST_SECRETS['acme/generic-whsec'];
const RANGE = { from: Date.UTC(2020, 0, 1), to: Date.UTC(2030, 0, 1) };

describe('samepage replay', () => {
  let twin: Twin;
  beforeAll(async () => {
    twin = await startTestTwin();
  });
  afterAll(() => twin.close());

  const send = (events: unknown[]) => {
    const body = JSON.stringify({ events });
    return post(twin, 'generic', body, genericHeaders(body, SECRET));
  };

  it('changes nothing when the definitions did not change', async () => {
    await send([
      { type: 'contact', id: 'r-1', at: '2026-05-01T09:00:00Z', stage: 'lead', email: 'ann@initech.example' },
      { type: 'contact', id: 'r-1', at: '2026-05-03T09:00:00Z', stage: 'marketingqualifiedlead' },
    ]);
    const keys = ['contact#generic:r-1'];
    const before = await statesOf(twin, keys);
    const writes = twin.store.counters.writes;
    const result = await replayDeliveries(
      { config: exampleConfig(), store: twin.store, secrets: testSecrets() },
      RANGE,
    );
    expect(result.deliveries).toBe(1);
    expect(result.events).toBe(2);
    expect(await statesOf(twin, keys)).toEqual(before);
    expect(twin.store.counters.writes).toBe(writes);
  });

  it('projects a quarantined delivery once the config maps its value, hashing the email as before', async () => {
    const answer = await send([
      {
        type: 'contact',
        id: 'r-2',
        at: '2026-05-04T09:00:00Z',
        stage: 'webinar_attendee',
        email: 'bob@initech.example',
      },
    ]);
    expect(JSON.parse(answer.text).status).toBe('quarantined');
    const fixed = exampleConfig();
    fixed.lifecycle.mql = [...(fixed.lifecycle.mql ?? []), 'webinar_attendee'];
    const result = await replayDeliveries(
      { config: fixed, store: twin.store, secrets: testSecrets() },
      RANGE,
    );
    expect(result.stillQuarantined).toBe(0);
    const { 'contact#generic:r-2': contact } = await statesOf(twin, ['contact#generic:r-2']);
    expect(contact?.milestones.mql).toBe(Date.parse('2026-05-04T09:00:00Z'));

    // The replayed (redacted) body gives the hash a live delivery of the same address gives.
    await send([{ type: 'contact', id: 'r-3', at: '2026-05-05T09:00:00Z', email: 'bob@initech.example' }]);
    const { 'contact#generic:r-3': live } = await statesOf(twin, ['contact#generic:r-3']);
    expect(contact?.fields.emailHash?.[0]?.value).toBe(live?.fields.emailHash?.[0]?.value);
  });
});
