import { afterEach, describe, expect, it } from 'vitest';
import { genericHeaders } from '#local/senders/generic.ts';
import type { Twin } from '#local/twin.ts';
import type { Store } from '#shared/ports/store.ts';
import { type ForgetReport, forgetContact, removedNothing } from '#shared/privacy/forget.ts';
import { emailHasher } from '#shared/privacy.ts';
import { TEST_SECRETS, testSecrets } from '../support/config.ts';
import { allRaw, everyStoredText } from '../support/store.ts';
import { post, readEntity, startTestTwin } from '../support/twin.ts';

/*
 * Forget finds a contact's forms in the deliveries it reads (there is no index from a contact to
 * its forms). A form that names the contact by id with another email teaches that email's hash,
 * which a form sent with that email alone carries.
 */
const ME = 'pat@globex.example';
const PRIVATE = 'pat.private@mail.example';
const SOMEONE = 'lee@initech.example';
const hash = emailHasher(TEST_SECRETS['acme/email-hash-key']);
const AT = '2026-11-10T15:00:00Z';

const DELIVERIES: Record<string, unknown>[][] = [
  [{ type: 'contact', id: 'c-9', at: AT, email: ME, stage: 'lead' }],
  [{ type: 'form', id: 'f-own', at: AT, formId: 'demo-request', contactId: 'c-9', email: PRIVATE }],
  [{ type: 'form', id: 'f-private', at: AT, formId: 'pricing-contact', email: PRIVATE }],
  [{ type: 'form', id: 'f-me', at: AT, formId: 'newsletter', email: ME }],
  [{ type: 'form', id: 'f-lee', at: AT, formId: 'newsletter', email: SOMEONE }],
  // Someone else's record and one of pat's forms in one batch: the batch stays, without pat.
  [
    { type: 'contact', id: 'c-10', at: AT, email: SOMEONE, stage: 'lead' },
    { type: 'form', id: 'f-me-2', at: AT, formId: 'newsletter', email: ME },
  ],
];
const PATS_FORMS = ['f-own', 'f-private', 'f-me', 'f-me-2'];

async function seeded(): Promise<Twin> {
  const twin = await startTestTwin();
  for (const events of DELIVERIES) {
    const body = JSON.stringify({ events });
    const answer = await post(
      twin,
      'generic',
      body,
      genericHeaders(body, TEST_SECRETS['acme/generic-whsec']),
    );
    expect(answer.status, answer.text).toBe(200);
  }
  return twin;
}

function forget(twin: Twin, store: Store = twin.store): Promise<ForgetReport> {
  return forgetContact(
    { config: twin.config, store, secrets: testSecrets(), clock: () => Date.now() },
    'generic:c-9',
  );
}

/** A store whose delivery changes stop after `allowed` of them, as a run killed half-way. */
function stoppingAfter(store: Store, allowed: number): Store {
  let changes = 0;
  const change = () => {
    if (++changes > allowed) throw new Error('stopped half-way');
  };
  return Object.assign(Object.create(store) as Store, {
    deleteDelivery: async (...args: Parameters<Store['deleteDelivery']>) => {
      change();
      return store.deleteDelivery(...args);
    },
    replaceDeliveryBody: async (...args: Parameters<Store['replaceDeliveryBody']>) => {
      change();
      return store.replaceDeliveryBody(...args);
    },
  });
}

async function expectForgotten(twin: Twin): Promise<void> {
  const stored = (await everyStoredText(twin)).join('\n');
  expect(stored).not.toContain(hash(ME));
  expect(stored).not.toContain(hash(PRIVATE));
  for (const id of PATS_FORMS) {
    const form = await readEntity(twin, `form#generic:${id}`);
    expect(form?.fields.emailHash, id).toBeUndefined();
    expect(form?.fields.contactId?.at(-1)?.value, id).toBe('generic:c-9');
  }
  expect((await readEntity(twin, 'form#generic:f-lee'))?.fields.emailHash?.at(-1)?.value).toBe(hash(SOMEONE));
  // The batch keeps the other contact's record for a replay.
  const batch = (await allRaw(twin)).filter((raw) => raw.body.includes('c-10'));
  expect(batch).toHaveLength(1);
  expect(batch[0]?.body).not.toContain('f-me-2');
}

describe("forget finds the contact's forms through the deliveries", () => {
  let twin: Twin | undefined;
  afterEach(async () => {
    await twin?.close();
    twin = undefined;
  });

  it('rewrites the forms of either email, the second one learned from a form that names the contact', async () => {
    twin = await seeded();
    // Before: the private address is only on forms, never on the contact's record.
    expect(
      (await readEntity(twin, 'contact#generic:c-9'))?.fields.emailHash?.map((entry) => entry.value),
    ).toEqual([hash(ME)]);
    const report = await forget(twin);
    expect(report).toMatchObject({
      contactFound: true,
      formsRedacted: PATS_FORMS.length,
      // Its record and its own three forms were each alone in a delivery.
      rawDeliveriesDeleted: 4,
      rawDeliveriesRedacted: 1,
    });
    await expectForgotten(twin);
    expect(removedNothing(await forget(twin))).toBe(true);
  });

  it('finishes the job when run again after a run stopped half-way, whatever it had done', async () => {
    for (const allowed of [0, 1, 2, 3, 4]) {
      twin = await seeded();
      await expect(forget(twin, stoppingAfter(twin.store, allowed))).rejects.toThrow('stopped half-way');
      const again = await forget(twin);
      expect(again.contactFound).toBe(true);
      await expectForgotten(twin);
      expect(removedNothing(await forget(twin))).toBe(true);
      await twin.close();
      twin = undefined;
    }
  });
});
