import type { ClientConfig } from '../config/schema.ts';
import { median, quantile } from '../stats/index.ts';
import { addBusinessMinutes, businessMinutesBetween } from '../time/business-time.ts';
import { isoInZone } from '../time/periods.ts';
import { rate, sumBreakdown } from './breakdown.ts';
import { oncePerFactSet, recordsWithin } from './fact-index.ts';
import type { FactSet } from './facts.ts';
import { crmLink } from './links.ts';
import { ownerOf } from './people.ts';
import type { MetricItem, MetricValue } from './types.ts';
import type { ContactView } from './views.ts';
import type { Window } from './window.ts';

type SlaDefinitions = Pick<ClientConfig, 'sla' | 'businessHours' | 'timezone' | 'sources' | 'people'>;

/** One contact's speed-to-lead clock (DESIGN.md "SLA"). */
export interface SlaClock {
  contact: ContactView;
  start: number;
  kind: 'high_intent' | 'mql';
  target: number;
  deadline: number;
  touchedAt?: number;
  minutes?: number;
  state: 'within' | 'late' | 'breaching' | 'pending';
}

/**
 * The clock of each contact: it starts at the contact's first high-intent form, else at its MQL
 * time; the touch is its first activity at or after the start. Only clocks started in the window.
 */
export function slaClocks(facts: FactSet, window: Window, definitions: SlaDefinitions): SlaClock[] {
  const { sla } = definitions;
  const calendar = { timezone: definitions.timezone, businessHours: definitions.businessHours };
  const clocks: SlaClock[] = [];
  for (const { contact, start, kind } of clockStartsWithin(facts, sla, window)) {
    const target = kind === 'high_intent' ? sla.highIntentBusinessMinutes : sla.firstTouchBusinessMinutes;
    const deadline = addBusinessMinutes(start, target, calendar);
    const touch = facts.activitiesByContact.get(contact.id)?.find((activity) => activity.at >= start);
    const clock = { contact, start, kind, target, deadline } as const;
    if (touch) {
      const minutes = businessMinutesBetween(start, touch.at, calendar);
      clocks.push({ ...clock, touchedAt: touch.at, minutes, state: minutes <= target ? 'within' : 'late' });
    } else {
      clocks.push({ ...clock, state: facts.asOf >= deadline ? 'breaching' : 'pending' });
    }
  }
  return clocks.sort((a, b) => a.start - b.start || (a.contact.id < b.contact.id ? -1 : 1));
}

interface ClockStart {
  contact: ContactView;
  start: number;
  kind: SlaClock['kind'];
}

/**
 * The clocks that start in the window. Where each contact's clock starts is worked out once per
 * FactSet (and list of high-intent forms): a packet asks for it for every period it compares.
 */
function clockStartsWithin(facts: FactSet, sla: SlaDefinitions['sla'], window: Window): ClockStart[] {
  const starts = oncePerFactSet(facts, `slaClockStarts:${JSON.stringify(sla.highIntentForms)}`, () => {
    const found = new Map<string, ClockStart>();
    for (const contact of facts.contacts.values()) {
      const form = facts.formsByContact
        .get(contact.id)
        ?.find((candidate) => sla.highIntentForms.includes(candidate.formId ?? ''));
      const start = form?.at ?? contact.milestones.mql;
      if (start !== undefined) found.set(contact.id, { contact, start, kind: form ? 'high_intent' : 'mql' });
    }
    return found;
  });
  return recordsWithin(starts, 'start', (clock) => clock.start, window);
}

/**
 * `sla.within_rate` (touched within target / (touched + untouched past their deadline); pending
 * clocks are listed, not counted), `sla.median_business_minutes` and `sla.p90_business_minutes`
 * over touched contacts; breaches by owner, with the breaching and pending contacts listed.
 */
export function speedToLead(facts: FactSet, period: Window, definitions: SlaDefinitions): MetricValue[] {
  const clocks = slaClocks(facts, period, definitions);
  const touched = clocks.filter((clock) => clock.minutes !== undefined);
  const counted = clocks.filter((clock) => clock.state !== 'pending');
  const breaches = clocks.filter((clock) => clock.state === 'late' || clock.state === 'breaching');
  const minutes = touched.map((clock) => clock.minutes as number);
  const item = (clock: SlaClock): MetricItem => ({
    id: clock.contact.id,
    label:
      clock.state === 'pending'
        ? `pending (${clock.kind === 'high_intent' ? 'high intent' : 'MQL'}), due ${isoInZone(clock.deadline, definitions.timezone)}`
        : clock.state === 'late'
          ? `touched after ${Math.round(clock.minutes ?? 0)} business minutes (target ${clock.target})`
          : `untouched past ${isoInZone(clock.deadline, definitions.timezone)} (target ${clock.target})`,
    at: isoInZone(clock.start, definitions.timezone),
    clock: {
      state: clock.state === 'within' ? 'late' : clock.state,
      kind: clock.kind,
      target: clock.target,
      due: isoInZone(clock.deadline, definitions.timezone),
      ...(clock.minutes !== undefined ? { minutes: Math.round(clock.minutes) } : {}),
    },
    owner: ownerOf(clock.contact.id, clock.contact.owner, definitions).key,
    link: crmLink('contact', clock.contact.id, definitions),
  });
  return [
    {
      id: 'sla.within_rate',
      ...rate(counted.filter((clock) => clock.state === 'within').length, counted.length),
      breakdown: sumBreakdown(
        breaches,
        (clock) => [`owner:${ownerOf(clock.contact.id, clock.contact.owner, definitions).key}`],
        () => 1,
      ),
      items: [...breaches, ...clocks.filter((clock) => clock.state === 'pending')].map(item),
      notes: { pending: clocks.length - counted.length, breaching: breaches.length },
    },
    {
      id: 'sla.median_business_minutes',
      value: median(minutes) ?? null,
      n: touched.length,
    },
    {
      id: 'sla.p90_business_minutes',
      value: quantile(minutes, 0.9) ?? null,
      n: touched.length,
    },
  ];
}
