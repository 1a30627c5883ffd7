import { describe, expect, it } from 'vitest';
import { slaClocks } from '#shared/metrics/sla.ts';
import type { CanonicalEvent } from '#shared/model/events.ts';
import { CONFIG, expectInterval, factsOf, metricsOf, PERIOD, pick, t } from './fixture.ts';

const metrics = metricsOf();

describe('SLA clocks of the week of 2026-11-09 (business hours 09:00–17:00 New York = 14:00Z–22:00Z)', () => {
  // One clock per contact: its first high-intent form, else its mql time; started in the period.
  //   c-8  mql  Mon 11-09 09:00, touch 13:00            → 240 ≤ 240 within (the newsletter form is not high intent)
  //   c-9  form Tue 11-10 09:30 (demo-request), touch 11:00 → 90 > 60 late (the 11-09 activity is before the start)
  //   c-1  mql  Tue 11-10 10:00, touch 10:30            → 30 within
  //   c-7  mql  Wed 11-11 14:00, touch Thu 12:30        → 180 + 210 = 390 > 240 late
  //   c-4  mql  Thu 11-12 09:00, untouched, due 13:00   → breach (disqualified since, still a breach)
  //   c-11 mql  Thu 11-12 10:00, touch 12:00            → 120 within
  //   c-6  form Fri 11-13 16:00 (pricing-contact), touch Mon 07:00 → 60 (Fri 16–17; weekend and Mon
  //        before 09:00 are closed) ≤ 60 within
  //   c-5  form Fri 11-13 16:30, due Mon 09:30 (30 + 30) > as-of Mon 08:00 → pending (its touch is after as-of)
  //   c-10 mql  Sat 11-14 10:00, due Mon 13:00 (240 from Mon 09:00) > as-of → pending
  //   Not: c-2 (first mql 10-13), c-3 (no mql, no form), c-15 (after as-of).
  const clocks = slaClocks(factsOf(), PERIOD, CONFIG);

  it('starts each clock at the first high-intent form, else at the mql time', () => {
    expect(
      clocks.map((clock) => [clock.contact.id, clock.kind, clock.target, clock.minutes, clock.state]),
    ).toEqual([
      ['generic:c-8', 'mql', 240, 240, 'within'],
      ['generic:c-9', 'high_intent', 60, 90, 'late'],
      ['generic:c-1', 'mql', 240, 30, 'within'],
      ['generic:c-7', 'mql', 240, 390, 'late'],
      ['generic:c-4', 'mql', 240, undefined, 'breaching'],
      ['generic:c-11', 'mql', 240, 120, 'within'],
      ['generic:c-6', 'high_intent', 60, 60, 'within'],
      ['generic:c-5', 'high_intent', 60, undefined, 'pending'],
      ['generic:c-10', 'mql', 240, undefined, 'pending'],
    ]);
  });

  it('puts the deadline in business time, across the weekend', () => {
    const deadline = (id: string) => clocks.find((clock) => clock.contact.id === id)?.deadline;
    expect(deadline('generic:c-4')).toBe(t('2026-11-12T18:00:00Z'));
    expect(deadline('generic:c-5')).toBe(t('2026-11-16T14:30:00Z'));
    expect(deadline('generic:c-10')).toBe(t('2026-11-16T18:00:00Z'));
  });

  it('sla.within_rate: within / (touched + untouched past deadline), pending not counted', () => {
    // within: c-8, c-1, c-11, c-6 = 4; late: c-9, c-7 = 2; breach: c-4 = 1 → 4 / 7; pending c-5, c-10.
    const metric = pick(metrics, 'sla.within_rate');
    expect(metric.value).toBeCloseTo(4 / 7, 12);
    expect(metric.n).toBe(7);
    expectInterval(metric.interval, 4, 7);
    expect(metric.notes).toEqual({ pending: 2, breaching: 3 });
  });

  it('lists breaches by owner (owner as of), then the pending clocks', () => {
    // c-9 rep-2, c-7 rep-2, c-4 rep-3 (rep-2 → rep-3 on 11-13; rep-9 only after as-of). The roster of
    // clients/example.yaml names generic rep-2 Eli Park; rep-3 is not in it, so it keeps its system and id.
    const metric = pick(metrics, 'sla.within_rate');
    expect(metric.breakdown).toEqual([
      { key: 'owner:Eli Park', value: 2, n: 2 },
      { key: 'owner:generic:rep-3', value: 1, n: 1 },
    ]);
    expect(metric.items?.map((item) => [item.id, item.label, item.at, item.owner])).toEqual([
      [
        'generic:c-9',
        'touched after 90 business minutes (target 60)',
        '2026-11-10T09:30:00-05:00',
        'Eli Park',
      ],
      [
        'generic:c-7',
        'touched after 390 business minutes (target 240)',
        '2026-11-11T14:00:00-05:00',
        'Eli Park',
      ],
      [
        'generic:c-4',
        'untouched past 2026-11-12T13:00:00-05:00 (target 240)',
        '2026-11-12T09:00:00-05:00',
        'generic:rep-3',
      ],
      [
        'generic:c-5',
        'pending (high intent), due 2026-11-16T09:30:00-05:00',
        '2026-11-13T16:30:00-05:00',
        'Dana Reyes',
      ],
      [
        'generic:c-10',
        'pending (MQL), due 2026-11-16T13:00:00-05:00',
        '2026-11-14T10:00:00-05:00',
        'Dana Reyes',
      ],
    ]);
  });

  it('median of an even count is the mean of the middle two; p90 by R type 7', () => {
    // Touched minutes sorted: 30, 60, 90, 120, 240, 390 (n 6).
    // median = (90 + 120) / 2 = 105.
    // p90: h = 1 + (6 − 1) × 0.9 = 5.5 → x5 + 0.5 × (x6 − x5) = 240 + 0.5 × 150 = 315.
    const median = pick(metrics, 'sla.median_business_minutes');
    const p90 = pick(metrics, 'sla.p90_business_minutes');
    expect([median.value, median.n]).toEqual([105, 6]);
    expect([p90.value, p90.n]).toEqual([315, 6]);
  });

  it('resolves pending clocks when read at a later as-of instant', () => {
    // As of 11-16 19:00Z (14:00 local): c-5's touch at 14:10Z is seen: 30 (Fri 16:30–17:00) + 10 (Mon
    // 09:00–09:10) = 40 ≤ 60 → within; c-10 passed its 18:00Z deadline untouched → breach.
    // within 5 / (5 + 2 late + 2 breaches) = 5 / 9; nothing pending. (c-4's owner is rep-9 by then.)
    const later = metricsOf(undefined, t('2026-11-16T19:00:00Z'));
    const metric = pick(later, 'sla.within_rate');
    expect(metric.value).toBeCloseTo(5 / 9, 12);
    expect(metric.n).toBe(9);
    expect(metric.notes).toEqual({ pending: 0, breaching: 4 });
    // rep-1 is Dana Reyes and rep-2 Eli Park in the roster; rep-9 is not in it.
    expect(metric.breakdown).toEqual([
      { key: 'owner:Eli Park', value: 2, n: 2 },
      { key: 'owner:Dana Reyes', value: 1, n: 1 },
      { key: 'owner:generic:rep-9', value: 1, n: 1 },
    ]);
  });
});

describe('SLA across the Thanksgiving holiday (2026-11-26)', () => {
  const week = { start: t('2026-11-23T05:00:00Z'), end: t('2026-11-30T05:00:00Z') };
  const asOf = t('2026-11-30T13:00:00Z');
  const events: CanonicalEvent[] = [
    // h-1: demo-request Wed 11-25 16:30 local, touched Fri 11-27 09:30 → 30 + 0 (Thu holiday) + 30 = 60 → within.
    {
      entity: 'contact',
      id: 'generic:h-1',
      at: t('2026-11-25T21:30:00Z'),
      fields: { stage: 'lead', owner: 'rep-1' },
    },
    {
      entity: 'form',
      id: 'generic:hf-1',
      at: t('2026-11-25T21:30:00Z'),
      fields: { formId: 'demo-request', contactId: 'generic:h-1' },
    },
    {
      entity: 'activity',
      id: 'generic:ha-1',
      at: t('2026-11-27T14:30:00Z'),
      fields: { contactId: 'generic:h-1' },
    },
    // h-2: mql Wed 11-25 15:00 local, untouched: 120 on Wed, none on Thu, 120 on Fri → due Fri 11:00 → breach.
    {
      entity: 'contact',
      id: 'generic:h-2',
      at: t('2026-11-25T20:00:00Z'),
      fields: { stage: 'mql', owner: 'rep-2' },
    },
  ];
  const metrics = metricsOf(events, asOf, { period: week, previous: [], weeks: [week] });

  it('skips the holiday in minutes and deadlines', () => {
    const clocks = slaClocks(factsOf(events, asOf), week, CONFIG);
    expect(clocks.map((clock) => [clock.contact.id, clock.minutes, clock.state, clock.deadline])).toEqual([
      ['generic:h-2', undefined, 'breaching', t('2026-11-27T16:00:00Z')],
      ['generic:h-1', 60, 'within', t('2026-11-27T14:30:00Z')],
    ]);
    const within = pick(metrics, 'sla.within_rate');
    expect([within.value, within.n]).toEqual([0.5, 2]);
    // One touched value: median = p90 = 60.
    expect(pick(metrics, 'sla.median_business_minutes').value).toBe(60);
    expect(pick(metrics, 'sla.p90_business_minutes').value).toBe(60);
  });
});
