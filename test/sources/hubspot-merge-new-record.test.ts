import { describe, expect, it } from 'vitest';
import { emailHasher } from '#shared/privacy.ts';
import { hubspotAdapter } from '#shared/sources/hubspot.ts';
import { exampleConfig } from '../support/config.ts';
import { keptAndParsedTheSame } from '../support/keep.ts';

// HubSpot's merge payload carries newObjectId, "the Id of the object that was created from the
// result of the merge … separate from primaryObjectId because in some cases a new object is
// created" (https://developers.hubspot.com/changelog/new-subscription-types-for-webhooks).
const AT = Date.parse('2026-11-20T15:00:00Z');
const merge = (extra: Record<string, unknown>) => [
  {
    eventId: 1,
    subscriptionId: 2,
    portalId: 33,
    appId: 3,
    occurredAt: AT,
    subscriptionType: 'contact.merge',
    attemptNumber: 0,
    objectId: 501,
    primaryObjectId: 501,
    mergedObjectIds: [502],
    numberOfPropertiesMoved: 3,
    ...extra,
  },
];
const parse = (items: unknown[]) => {
  const body = JSON.stringify(items);
  const context = { config: exampleConfig(), hashEmail: emailHasher('k'), receivedAt: AT };
  // Every key of a merge is read, so its kept form (for replay) parses to the same events.
  keptAndParsedTheSame(hubspotAdapter, body, context);
  return hubspotAdapter.parse(body, context).events;
};

describe('a HubSpot merge that creates a new record', () => {
  it('makes the primary and the merged records continue as the new one', () => {
    expect(parse(merge({ newObjectId: 777 }))).toEqual([
      { entity: 'contact', id: 'hubspot:501', at: AT, fields: { mergedInto: 'hubspot:777' } },
      { entity: 'contact', id: 'hubspot:777', at: AT, fields: { 'mergedFrom:hubspot:501': true } },
      { entity: 'contact', id: 'hubspot:502', at: AT, fields: { mergedInto: 'hubspot:777' } },
      { entity: 'contact', id: 'hubspot:777', at: AT, fields: { 'mergedFrom:hubspot:502': true } },
    ]);
  });

  it('keeps the primary as the survivor when newObjectId is the primary or absent', () => {
    const expected = [
      { entity: 'contact', id: 'hubspot:502', at: AT, fields: { mergedInto: 'hubspot:501' } },
      { entity: 'contact', id: 'hubspot:501', at: AT, fields: { 'mergedFrom:hubspot:502': true } },
    ];
    expect(parse(merge({ newObjectId: 501 }))).toEqual(expected);
    expect(parse(merge({}))).toEqual(expected);
  });
});
