import type { ClientConfig } from '../config/schema.ts';
import { rate, rateBreakdown, sumBreakdown } from './breakdown.ts';
import { contactsCreatedIn, contactsEnteringIn, oncePerFactSet } from './fact-index.ts';
import type { FactSet } from './facts.ts';
import { ICP_DIMENSIONS } from './registry.ts';
import { contactProfile, segmentKeys } from './segments.ts';
import type { MetricValue } from './types.ts';
import type { ContactView } from './views.ts';
import { DAY_MS, shiftBack, type Window } from './window.ts';

type FunnelDefinitions = Pick<ClientConfig, 'cycles'>;

const channelKey = (contact: ContactView) => [`channel:${contact.attribution.channel}`];

/** 0 ≤ later − earlier ≤ N days ("within N" includes N). */
function withinDays(earlier: number, later: number | undefined, days: number): boolean {
  return later !== undefined && later >= earlier && later - earlier <= days * DAY_MS;
}

/** `mql.count`: contacts whose first entry into mql falls in the period; by channel. */
export function mqlCount(facts: FactSet, period: Window): MetricValue {
  const mqls = contactsEnteringIn(facts, 'mql', period);
  return {
    id: 'mql.count',
    value: mqls.length,
    n: mqls.length,
    breakdown: sumBreakdown(mqls, channelKey, () => 1),
  };
}

/**
 * `mql_to_sql.rate`: of the contacts that became MQL in the period shifted back by maturityDays,
 * the share whose first SQL entry came within maturityDays after it; by channel.
 */
export function mqlToSql(facts: FactSet, period: Window, definitions: FunnelDefinitions): MetricValue {
  const days = definitions.cycles.maturityDays;
  const cohortWindow = shiftBack(period, days);
  const cohort = contactsEnteringIn(facts, 'mql', cohortWindow);
  const converted = (contact: ContactView) =>
    withinDays(contact.milestones.mql ?? 0, contact.milestones.sql, days);
  return {
    id: 'mql_to_sql.rate',
    ...rate(cohort.filter(converted).length, cohort.length),
    cohort: cohortWindow,
    breakdown: rateBreakdown(cohort, channelKey, converted),
  };
}

/**
 * The first moment a contact became an opportunity: its own opportunity milestone, or the moment
 * it was on a qualified deal (the later of the deal's qualification and the contact's joining
 * it), whichever came first. A contact added to a deal that had already qualified became an
 * opportunity when it was added.
 */
export function opportunityTimes(facts: FactSet): ReadonlyMap<string, number> {
  return oncePerFactSet(facts, 'opportunityTimes', workOutOpportunityTimes);
}

function workOutOpportunityTimes(facts: FactSet): Map<string, number> {
  const times = new Map<string, number>();
  const note = (id: string, at: number | undefined) => {
    if (at === undefined) return;
    const known = times.get(id);
    if (known === undefined || at < known) times.set(id, at);
  };
  for (const contact of facts.contacts.values()) note(contact.id, contact.milestones.opportunity);
  for (const deal of facts.deals.values()) {
    if (!deal.qualified) continue;
    for (const id of deal.contactIds) {
      note(id, Math.max(deal.qualified.at, deal.contactSince.get(id) ?? deal.qualified.at));
    }
  }
  return times;
}

/**
 * `lead_to_opp.rate`: of the contacts created in the period shifted back by maturityDays, the
 * share that became an opportunity within maturityDays of creation; by channel and by segment.
 */
export function leadToOpportunity(
  facts: FactSet,
  period: Window,
  definitions: FunnelDefinitions,
): MetricValue {
  const days = definitions.cycles.maturityDays;
  const cohortWindow = shiftBack(period, days);
  const cohort = contactsCreatedIn(facts, cohortWindow);
  const opportunities = opportunityTimes(facts);
  const converted = (contact: ContactView) =>
    withinDays(contact.createdAt, opportunities.get(contact.id), days);
  return {
    id: 'lead_to_opp.rate',
    ...rate(cohort.filter(converted).length, cohort.length),
    cohort: cohortWindow,
    breakdown: rateBreakdown(
      cohort,
      (contact) => [...channelKey(contact), ...segmentKeys(contactProfile(contact, facts), ICP_DIMENSIONS)],
      converted,
    ),
  };
}

export const MISSING_REASON = '(missing)';

function disqualifiedIn(facts: FactSet, window: Window): ContactView[] {
  return contactsEnteringIn(facts, 'disqualified', window);
}

/** The reason most contacts were disqualified for in the window; ties alphabetical; blanks are no reason. */
export function topReason(facts: FactSet, window: Window): string | undefined {
  const counts = new Map<string, number>();
  for (const contact of disqualifiedIn(facts, window)) {
    if (contact.reason) counts.set(contact.reason, (counts.get(contact.reason) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]?.[0];
}

/**
 * `rejections.count` and `rejections.missing_reason_share`: contacts disqualified in the period, by
 * reason, and the share without one. `weeks` are this period's weekly periods and the ones before
 * it, most recent first: the streak counts how many in a row, from the first, share its top reason.
 */
export function rejections(facts: FactSet, period: Window, weeks: readonly Window[]): MetricValue[] {
  const rejected = disqualifiedIn(facts, period);
  const missing = rejected.filter((contact) => !contact.reason).length;
  const top = weeks[0] ? topReason(facts, weeks[0]) : undefined;
  let streak = 0;
  if (top !== undefined) {
    for (const week of weeks) {
      if (topReason(facts, week) !== top) break;
      streak++;
    }
  }
  return [
    {
      id: 'rejections.count',
      value: rejected.length,
      n: rejected.length,
      breakdown: sumBreakdown(
        rejected,
        (contact) => [`reason:${contact.reason ?? MISSING_REASON}`],
        () => 1,
      ),
      notes: { topReason: top ?? null, topReasonStreakWeeks: streak },
    },
    {
      id: 'rejections.missing_reason_share',
      ...rate(missing, rejected.length),
    },
  ];
}
