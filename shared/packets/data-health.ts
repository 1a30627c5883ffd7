import type { ClientConfig } from '../config/schema.ts';
import { contactsCreatedIn, contactsEnteringIn } from '../metrics/fact-index.ts';
import type { FactSet } from '../metrics/facts.ts';
import { currentQuarterForecast } from '../metrics/forecast.ts';
import { contactProfile, dealProfile, icpDimensions, segmentValue } from '../metrics/segments.ts';
import type { DealView } from '../metrics/views.ts';
import { UNMAPPED } from '../metrics/views.ts';
import { type Window, within } from '../metrics/window.ts';
import { dealStageNames } from '../sources/mapping.ts';

export interface KeyCount {
  key: string;
  n: number;
}

/** What the numbers could not use, so both teams see where the data is thin (DESIGN.md "data health"). */
export interface DataHealth {
  /** Raw source values of contacts and deals created in the period that no channel rule matches. */
  unmappedSources: KeyCount[];
  /** Deals created in the period or open at its end without an amount. */
  dealsWithoutAmount: number;
  /** The same deals in another currency that no plan rate or home amount converts (never qualified or summed). */
  dealsInOtherCurrency: KeyCount[];
  /** The same deals in another currency that were converted, by `<currency>:plan-rate|home-amount`. */
  dealsConverted: KeyCount[];
  /** The same deals whose stage is none of the client's deal stages, by `<system>:<stage value>`: map them in the source's `stages`. */
  dealsInUnmappedStages: KeyCount[];
  /** Deals created in the period or open at its end in a pipeline the config does not count, by pipeline. */
  dealsInOtherPipelines: KeyCount[];
  /**
   * Open deals in the forecast of the quarter the period ends in, as of its end, with no probability
   * of their own and none for their stage in the config: counted at 0.
   */
  forecastDealsWithoutProbability?: number;
  /** Contacts created in the period whose company lacks industry, employees or region (or who have none). */
  contactsWithoutFirmographics: number;
  disqualificationsWithoutReason: number;
  /** Leads and won deals of the period missing an attribute the ICP uses, per dimension. */
  icpAttributesMissing: KeyCount[];
  /** Verified deliveries kept in quarantine during the period, by source. */
  quarantinedDeliveries: KeyCount[];
  /** Forms in the period that could not be linked to a contact (no contact id, unknown email hash). */
  unlinkedForms: number;
  /** Owner ids (`<system>:<id>`) the packet lists that the roster does not name, with how many records each. */
  ownersWithoutName: KeyCount[];
}

function counted(keys: Iterable<string>): KeyCount[] {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return [...counts.entries()]
    .map(([key, n]) => ({ key, n }))
    .sort((a, b) => b.n - a.n || (a.key < b.key ? -1 : 1));
}

export function dataHealth(
  facts: FactSet,
  period: Window,
  config: Pick<
    ClientConfig,
    'icp' | 'currency' | 'dealStages' | 'timezone' | 'fiscalYearStartMonth' | 'weekStartsOn' | 'forecast'
  >,
): Omit<DataHealth, 'ownersWithoutName'> {
  const contacts = contactsCreatedIn(facts, period);
  const deals = [...facts.deals.values()];
  const createdDeals = deals.filter((deal) => within(deal.createdAt, period));
  const isInScope = (deal: DealView) =>
    within(deal.createdAt, period) ||
    (deal.createdAt < period.end && (!deal.closed || deal.closed.at >= period.end));
  const inScope = deals.filter(isInScope);
  const stages = new Set(dealStageNames(config));
  const wonDeals = deals.filter((deal) => deal.closed?.outcome === 'won' && within(deal.closed.at, period));
  const dimensions = icpDimensions(config.icp);
  const missing: string[] = [];
  for (const profile of [
    ...contacts.map((contact) => contactProfile(contact, facts)),
    ...wonDeals.map((deal) => dealProfile(deal, facts)),
  ]) {
    for (const dimension of dimensions)
      if (segmentValue(profile, dimension) === undefined) missing.push(dimension);
  }
  return {
    unmappedSources: counted(
      [...contacts, ...createdDeals]
        .filter((item) => item.attribution.channel === UNMAPPED)
        .map((item) => item.attribution.source),
    ),
    dealsWithoutAmount: inScope.filter((deal) => deal.amount === undefined).length,
    dealsInOtherCurrency: counted(
      inScope.filter((deal) => !deal.inClientCurrency).map((deal) => deal.currency ?? config.currency),
    ),
    dealsConverted: counted(
      inScope.flatMap((deal) => (deal.conversion ? [`${deal.currency}:${deal.conversion}`] : [])),
    ),
    dealsInUnmappedStages: counted(
      inScope.flatMap((deal) =>
        deal.stage !== undefined && !stages.has(deal.stage)
          ? [`${deal.id.slice(0, deal.id.indexOf(':'))}:${deal.stage}`]
          : [],
      ),
    ),
    forecastDealsWithoutProbability: currentQuarterForecast(facts, period, config).forecast
      .withoutProbability,
    dealsInOtherPipelines: counted(
      facts.otherPipelineDeals.filter(isInScope).map((deal) => deal.pipeline ?? ''),
    ),
    contactsWithoutFirmographics: contacts.filter((contact) => {
      const profile = contactProfile(contact, facts);
      return (
        profile.industry === undefined || profile.employees === undefined || profile.region === undefined
      );
    }).length,
    disqualificationsWithoutReason: contactsEnteringIn(facts, 'disqualified', period).filter(
      (contact) => !contact.reason,
    ).length,
    icpAttributesMissing: counted(missing),
    quarantinedDeliveries: counted(
      facts.quarantined
        .filter((delivery) => within(delivery.receivedAt, period))
        .map((delivery) => delivery.source),
    ),
    unlinkedForms: facts.unlinkedForms.filter((form) => within(form.at, period)).length,
  };
}
