import { describe, expect, it } from 'vitest';
import type { ClientConfig } from '#shared/config/schema.ts';
import { brokenSources, freshnessBanner, sourceFreshness } from '#shared/packets/freshness.ts';
import type { SourceActivity } from '#shared/ports/store.ts';
import { exampleConfig } from '../support/config.ts';

// The example client: America/New_York, business hours 09:00–17:00 Mon–Fri (8 hours a day).
// The weekly packet of the week of Mon 2026-11-16, built Mon 2026-11-23 08:00 local (13:00Z).
const PERIOD = { start: Date.parse('2026-11-16T05:00:00Z'), end: Date.parse('2026-11-23T05:00:00Z') };
const AS_OF = Date.parse('2026-11-23T13:00:00Z');

function config(change: (config: ClientConfig) => void = () => {}): ClientConfig {
  const value = exampleConfig();
  change(value);
  return value;
}

const activity = (source: SourceActivity['source'], fields: Partial<SourceActivity>): SourceActivity => ({
  source,
  acceptedByDay: {},
  quarantinedByDay: {},
  ...fields,
});

const MARKERS: SourceActivity[] = [
  // Before Monday's opening: no business minute since, so fresh. Only the period's days count:
  // 1,000 + 204 accepted (11-15 and 11-23 are outside the week), 3 quarantined.
  activity('hubspot', {
    lastDeliveryAt: Date.parse('2026-11-23T12:12:00Z'),
    lastEventAt: Date.parse('2026-11-23T12:11:00Z'),
    acceptedByDay: { '2026-11-15': 7, '2026-11-16': 1000, '2026-11-20': 204, '2026-11-23': 50 },
    quarantinedByDay: { '2026-11-18': 3 },
  }),
  // Thu 15:40 local: Thu 15:40–17:00 (80 min) + Fri 8 h = 9 h 20 min of business time by Mon 08:00.
  activity('typeform', {
    lastDeliveryAt: Date.parse('2026-11-19T20:40:00Z'),
    acceptedByDay: { '2026-11-17': 2, '2026-11-19': 1 },
  }),
  // 4 of 10 deliveries quarantined: 40%, above the 20% default.
  activity('pipedrive', {
    lastDeliveryAt: Date.parse('2026-11-23T11:00:00Z'),
    acceptedByDay: { '2026-11-17': 6 },
    quarantinedByDay: { '2026-11-17': 4 },
  }),
];

describe('source freshness', () => {
  it('reads each configured source: last delivery, the period counts, and its state', () => {
    const sources = sourceFreshness(
      MARKERS,
      config((c) => {
        if (c.sources.typeform) c.sources.typeform.maxSilenceBusinessHours = 8;
      }),
      PERIOD,
      AS_OF,
    );
    const byName = new Map(sources.map((source) => [source.source, source]));
    expect(byName.get('hubspot')).toMatchObject({
      state: 'fresh',
      accepted: 1204,
      quarantined: 3,
      silentBusinessHours: 0,
      line: 'HubSpot: last delivery Mon 07:12, 1,204 accepted, 3 quarantined',
    });
    const typeform = byName.get('typeform');
    expect(typeform?.silentBusinessHours).toBeCloseTo(9 + 20 / 60, 9);
    expect(typeform).toMatchObject({
      state: 'silent',
      policy: 'warn',
      line: 'Typeform: silent since Thu 15:40 (1.2 business days; expected at most 1 business day), 3 accepted, 0 quarantined',
    });
    expect(byName.get('pipedrive')).toMatchObject({ state: 'quarantining', quarantineShare: 0.4 });
    // Configured, never delivered: listed, never judged.
    expect(byName.get('salesforce')).toMatchObject({
      state: 'no-deliveries',
      line: 'Salesforce: no delivery yet',
    });
    expect(brokenSources(sources).map((source) => source.source)).toEqual(['pipedrive', 'typeform']);
  });

  it('never judges a source the config does not name', () => {
    const sources = sourceFreshness(
      MARKERS,
      config((c) => {
        delete c.sources.typeform;
      }),
      PERIOD,
      AS_OF,
    );
    expect(sources.map((source) => source.source)).not.toContain('typeform');
  });

  it('uses the default silence per kind: a form source has three business days', () => {
    // 9 h 20 min is over a CRM's 8 hours but under Typeform's default 24.
    const sources = sourceFreshness(MARKERS, config(), PERIOD, AS_OF);
    expect(sources.find((source) => source.source === 'typeform')?.state).toBe('fresh');
    const crm = sourceFreshness(
      [activity('hubspot', { lastDeliveryAt: Date.parse('2026-11-19T20:40:00Z') })],
      config(),
      PERIOD,
      AS_OF,
    );
    expect(crm.find((source) => source.source === 'hubspot')?.state).toBe('silent');
  });

  it('does not call a source silent for a period that ended before its silence began', () => {
    // Silent since Thu Nov 19 15:40: the week of Nov 16 is affected, the week of Nov 9 is not.
    const previousWeek = {
      start: Date.parse('2026-11-09T05:00:00Z'),
      end: Date.parse('2026-11-16T05:00:00Z'),
    };
    const crm = [activity('hubspot', { lastDeliveryAt: Date.parse('2026-11-19T20:40:00Z') })];
    expect(
      sourceFreshness(crm, config(), previousWeek, AS_OF).find((s) => s.source === 'hubspot'),
    ).toMatchObject({
      state: 'fresh',
      line: 'HubSpot: last delivery Thu 15:40, 0 accepted, 0 quarantined',
    });
    expect(sourceFreshness(crm, config(), PERIOD, AS_OF).find((s) => s.source === 'hubspot')?.state).toBe(
      'silent',
    );
  });

  it('does not judge a quarantine share over fewer than 5 deliveries', () => {
    const few = [
      activity('pipedrive', {
        ...MARKERS[2],
        acceptedByDay: { '2026-11-17': 2 },
        quarantinedByDay: { '2026-11-17': 2 },
      }),
    ];
    expect(sourceFreshness(few, config(), PERIOD, AS_OF).find((s) => s.source === 'pipedrive')?.state).toBe(
      'fresh',
    );
  });

  it('calls a source alive when it delivered after the as-of instant (a packet rebuilt later)', () => {
    const later = [activity('hubspot', { lastDeliveryAt: AS_OF + 60_000 })];
    expect(sourceFreshness(later, config(), PERIOD, AS_OF).find((s) => s.source === 'hubspot')).toMatchObject(
      {
        state: 'fresh',
        silentBusinessHours: 0,
        line: 'HubSpot: 0 accepted, 0 quarantined',
      },
    );
  });

  it('writes a banner naming each broken source, since when, and what it feeds', () => {
    const banner = freshnessBanner(
      sourceFreshness(
        MARKERS,
        config((c) => {
          if (c.sources.typeform) c.sources.typeform.maxSilenceBusinessHours = 8;
        }),
        PERIOD,
        AS_OF,
      ),
    );
    expect(banner).toBe(
      'Data may be incomplete. Pipedrive had 40.0% of its deliveries quarantined (4 of 10); it feeds every number here (its contacts, deals and activities). Typeform has been silent since Thu Nov 19, 15:40; it feeds speed to lead (its form submissions start the clocks) and the leads they create.',
    );
    expect(
      freshnessBanner(sourceFreshness([MARKERS[0] as SourceActivity], config(), PERIOD, AS_OF)),
    ).toBeUndefined();
  });
});
