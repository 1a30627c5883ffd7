import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { adapterFor } from '#shared/sources/registry.ts';

const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/vendor-payloads/${name}`, import.meta.url), 'utf8');

describe('each batching source splits its own deliveries into items', () => {
  it('HubSpot: the array of events, each item a one-event array, joined back in order', () => {
    const body = JSON.stringify([{ eventId: 1 }, { eventId: 2 }, { eventId: 3 }]);
    const split = adapterFor('hubspot')?.split?.(body);
    expect(split?.items.map((item) => item.body)).toEqual([
      '[{"eventId":1}]',
      '[{"eventId":2}]',
      '[{"eventId":3}]',
    ]);
    expect(split?.join([split.items[0], split.items[2]].filter((item) => item !== undefined))).toBe(
      '[{"eventId":1},{"eventId":3}]',
    );
  });

  it('generic: the events of the envelope, the rest of the envelope kept', () => {
    const body = JSON.stringify({ events: [{ id: 'a' }, { id: 'b' }] });
    const split = adapterFor('generic')?.split?.(body);
    expect(split?.items.map((item) => item.body)).toEqual([
      '{"events":[{"id":"a"}]}',
      '{"events":[{"id":"b"}]}',
    ]);
    expect(split?.join([])).toBe('{"events":[]}');
  });

  it('Salesforce: each Notification inside the SOAP envelope it came in', () => {
    const body = fixture('salesforce-outbound-message-leads.xml');
    const notifications = body.match(/<(?:\w+:)?Notification\b/g) ?? [];
    const split = adapterFor('salesforce')?.split?.(body);
    expect(notifications.length).toBeGreaterThan(1);
    expect(split?.items).toHaveLength(notifications.length);
    for (const item of split?.items ?? []) {
      expect(item.body.match(/<(?:\w+:)?Notification\b/g)).toHaveLength(1);
      expect(item.body).toContain('OrganizationId');
    }
    expect(split?.join(split.items)).toContain(String(split?.items[1]?.part));
  });

  it('sources that send one record a delivery, and bodies that do not parse, are not split', () => {
    expect(adapterFor('pipedrive')?.split).toBeUndefined();
    expect(adapterFor('typeform')?.split).toBeUndefined();
    expect(adapterFor('hubspot')?.split?.('not json')).toBeUndefined();
    expect(adapterFor('generic')?.split?.('{"events": 3}')).toBeUndefined();
    expect(adapterFor('salesforce')?.split?.('<soapenv:Envelope/>')).toBeUndefined();
  });
});
