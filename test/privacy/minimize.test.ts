import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Twin } from '#local/twin.ts';
import { emailHashKeyName } from '#shared/config/secrets.ts';
import { replayDeliveries } from '#shared/ingest/ingest.ts';
import { systemClock } from '#shared/ports/clock.ts';
import { minimizeKeptDeliveries } from '#shared/privacy/minimize.ts';
import { containsEmail, containsPhone, emailHasher, redactEmails } from '#shared/privacy.ts';
import { testSecrets } from '../support/config.ts';
import { PERSONAL_FIXTURES, personalFixture, personalValues, personalValuesIn } from '../support/personal.ts';
import { allQuarantined, allRaw, allStates, everyStoredText } from '../support/store.ts';
import { startTestTwin } from '../support/twin.ts';

/*
 * A stack deployed before issue 18 kept every delivery whole, with only its email addresses
 * replaced. `samepage minimize` brings those items to what ingest keeps now, and the projections
 * they replay to stay the same.
 */
describe('minimising deliveries an older version kept', () => {
  let twin: Twin;
  const personal = new Set<string>();
  const RANGE = { from: Date.now() - 86_400_000, to: Date.now() + 86_400_000 };
  const deps = () => ({ config: twin.config, store: twin.store, secrets: testSecrets(), clock: systemClock });

  beforeAll(async () => {
    twin = await startTestTwin();
    const hash = emailHasher(await twin.secrets.get(emailHashKeyName(twin.config)));
    let n = 0;
    // What the older ingest wrote: the whole body, emails redacted, and V8's quote of a bad body.
    for (const { source, file } of PERSONAL_FIXTURES) {
      const body = personalFixture(file, twin.config);
      for (const value of personalValues(body)) personal.add(value);
      await twin.store.putRawDelivery({
        deliveryKey: `old-${++n}`,
        source,
        receivedAt: Date.now(),
        contentType: 'application/json',
        body: redactEmails(body, hash),
        problems: [],
      });
    }
    await twin.store.putQuarantine({
      deliveryKey: 'old-quarantine',
      source: 'generic',
      receivedAt: Date.now(),
      contentType: 'application/json',
      body: '{"events": [{"phone": "+1 415 555 0100", "email": "dora.old@globex.example",',
      error: `body is not JSON: Expected double-quoted property name in JSON at position 71 (line 1 column 72), near "dora.old@globex.example +1 415 555 0100"`,
      problems: [{ path: '', message: 'wrote +1 415 555 0100' }],
    });
    await replayDeliveries(deps(), RANGE);
  });
  afterAll(() => twin?.close());

  it('keeps afterwards only what ingest keeps now, and the same projections', async () => {
    const before = await allStates(twin);
    expect(Object.keys(before).length).toBeGreaterThan(10);
    const texts = (await everyStoredText(twin)).join('\n');
    // The older items held the names, phones and addresses.
    expect(personalValuesIn(texts, personal).length).toBeGreaterThan(20);

    const report = await minimizeKeptDeliveries(deps());
    expect(report.read).toEqual({ raw: PERSONAL_FIXTURES.length, quarantine: 1 });
    expect(report.rewritten).toEqual({ raw: PERSONAL_FIXTURES.length, quarantine: 1 });

    const after = await everyStoredText(twin);
    expect(after.filter((text) => containsEmail(text) || containsPhone(text))).toEqual([]);
    expect(personalValuesIn(after.join('\n'), personal)).toEqual([]);
    const [quarantined] = await allQuarantined(twin);
    // The old reason quoted the body; only where the syntax error is stays.
    expect(quarantined?.error).toBe('body is not JSON (syntax error at character 71)');
    expect(quarantined?.problems).toEqual([{ path: '', message: 'wrote phone:redacted' }]);

    // The minimised deliveries replay to the same projections.
    await replayDeliveries(deps(), RANGE);
    expect(await allStates(twin)).toEqual(before);
  });

  it('rewrites nothing the second time', async () => {
    const bodies = (await allRaw(twin)).map((raw) => raw.body);
    const report = await minimizeKeptDeliveries(deps());
    expect(report.rewritten).toEqual({ raw: 0, quarantine: 0 });
    expect((await allRaw(twin)).map((raw) => raw.body)).toEqual(bodies);
  });
});
