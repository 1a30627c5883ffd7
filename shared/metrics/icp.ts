import type { ClientConfig } from '../config/schema.ts';
import { fisherExactTwoSided, populationStabilityIndex, psiBand } from '../stats/index.ts';
import { rate, rateBreakdown } from './breakdown.ts';
import { companiesFirstSeenIn, contactsCreatedIn } from './fact-index.ts';
import type { FactSet } from './facts.ts';
import type { IcpDimension } from './registry.ts';
import {
  contactProfile,
  dealProfile,
  FIRMOGRAPHIC_DIMENSIONS,
  fitsIcp,
  icpDimensions,
  mixValueFits,
  type Profile,
  segmentKeys,
  segmentValue,
} from './segments.ts';
import type { MetricItem, MetricValue } from './types.ts';
import type { DealView } from './views.ts';
import { type Window, within } from './window.ts';

type IcpDefinitions = Pick<ClientConfig, 'icp'>;
type DriftDefinitions = Pick<ClientConfig, 'icp' | 'icpCandidateMinDeals'>;

function fitShare<T>(
  id: MetricValue['id'],
  items: readonly T[],
  profileOf: (item: T) => Profile,
  icp: ClientConfig['icp'],
  only?: readonly IcpDimension[],
): MetricValue {
  const dimensions = icpDimensions(icp, only);
  // Each item's profile read once: its segments and whether it fits.
  const read = items.map((item) => {
    const profile = profileOf(item);
    return { keys: segmentKeys(profile, dimensions), fits: fitsIcp(profile, icp, only) };
  });
  return {
    id,
    ...rate(read.filter((item) => item.fits).length, read.length),
    breakdown: rateBreakdown(
      read,
      (item) => item.keys,
      (item) => item.fits,
    ),
  };
}

const wonIn = (facts: FactSet, window: Window) =>
  [...facts.deals.values()].filter(
    (deal) => deal.closed?.outcome === 'won' && within(deal.closed.at, window),
  );

/**
 * ICP fit shares: `icp.fit_rate.closed_won` (every deal won in the period, also under minAmount),
 * `.qpc` (deals qualified in the period), `.leads` (contacts created in the period),
 * `icp.breadth` (companies first seen in the period, firmographic dimensions only) and
 * `icp.outbound_adherence` (contacts created in the period credited to the sales team).
 */
export function icpFit(facts: FactSet, period: Window, definitions: IcpDefinitions): MetricValue[] {
  const { icp } = definitions;
  const dealFit = (deal: DealView) => dealProfile(deal, facts);
  const leads = contactsCreatedIn(facts, period);
  const companies = companiesFirstSeenIn(facts, period);
  return [
    fitShare('icp.fit_rate.closed_won', wonIn(facts, period), dealFit, icp),
    fitShare(
      'icp.fit_rate.qpc',
      [...facts.deals.values()].filter((deal) => within(deal.qualified?.at, period)),
      dealFit,
      icp,
    ),
    fitShare('icp.fit_rate.leads', leads, (contact) => contactProfile(contact, facts), icp),
    fitShare('icp.breadth', companies, (company) => company, icp, FIRMOGRAPHIC_DIMENSIONS),
    fitShare(
      'icp.outbound_adherence',
      leads.filter((contact) => contact.attribution.team === 'sales'),
      (contact) => contactProfile(contact, facts),
      icp,
    ),
  ];
}

/**
 * `icp.win_rate.in` / `.out`: won / closed among qualified deals closed in the period that fit the
 * ICP / do not; the two-sided Fisher exact p-value of that 2×2 goes with both.
 */
export function icpWinRates(facts: FactSet, period: Window, definitions: IcpDefinitions): MetricValue[] {
  const closed = [...facts.deals.values()].filter(
    (deal) => deal.qualified && within(deal.closed?.at, period),
  );
  const fit = closed.filter((deal) => fitsIcp(dealProfile(deal, facts), definitions.icp));
  const unfit = closed.filter((deal) => !fit.includes(deal));
  const wins = (deals: DealView[]) => deals.filter((deal) => deal.closed?.outcome === 'won').length;
  const [a, b, c, d] = [wins(fit), fit.length - wins(fit), wins(unfit), unfit.length - wins(unfit)];
  const p = closed.length === 0 ? null : fisherExactTwoSided(a, b, c, d);
  return [
    {
      id: 'icp.win_rate.in',
      ...rate(a, fit.length),
      notes: { fisherP: p },
    },
    {
      id: 'icp.win_rate.out',
      ...rate(c, unfit.length),
      notes: { fisherP: p },
    },
  ];
}

const byCountThenValue = (x: [string, number], y: [string, number]) =>
  y[1] - x[1] || (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0);

function mix(deals: readonly DealView[], facts: FactSet, dimension: IcpDimension): Map<string, number> {
  const counts = new Map<string, number>();
  for (const deal of deals) {
    const value = segmentValue(dealProfile(deal, facts), dimension);
    if (value !== undefined) counts.set(value, (counts.get(value) ?? 0) + 1);
  }
  return counts;
}

/**
 * `icp.drift.<dimension>`: PSI between the dimension's mix among deals won in the period and among
 * deals won in the previous periods pooled (a deal without the attribute is left out of that
 * mix). The breakdown gives each value's share now beside its baseline share. Items: values
 * outside the ICP that won in the period (candidates to add) and ICP values with deals closed in
 * the period but no win (candidates to remove), each with n, from `icpCandidateMinDeals` deals up.
 */
export function icpDrift(
  facts: FactSet,
  period: Window,
  previous: readonly Window[],
  definitions: DriftDefinitions,
): MetricValue[] {
  const won = wonIn(facts, period);
  const baseline = previous.flatMap((window) => wonIn(facts, window));
  const closed = [...facts.deals.values()].filter((deal) => within(deal.closed?.at, period));
  const enough = ([, n]: [string, number]) => n >= definitions.icpCandidateMinDeals;
  return icpDimensions(definitions.icp).map((dimension): MetricValue => {
    const current = mix(won, facts, dimension);
    const before = mix(baseline, facts, dimension);
    const psi = populationStabilityIndex(current, before);
    // Sorted (most deals first, then by value) so the list does not depend on the order facts arrive in.
    const outsideWins = [...current.entries()]
      .filter(([value]) => !mixValueFits(dimension, value, definitions.icp))
      .filter(enough)
      .sort(byCountThenValue);
    const closedMix = mix(closed, facts, dimension);
    const insideWithoutWins = [...closedMix.entries()]
      .filter(([value]) => !current.has(value) && mixValueFits(dimension, value, definitions.icp))
      .filter(enough)
      .sort(byCountThenValue);
    const items: MetricItem[] = [
      ...outsideWins.map(([value, n]) => ({
        id: `add:${value}`,
        label: `won outside the ICP: ${value}`,
        value: n,
      })),
      ...insideWithoutWins.map(([value, n]) => ({
        id: `remove:${value}`,
        label: `in the ICP, closed without a win: ${value}`,
        value: n,
      })),
    ];
    const total = sumOf(current);
    const baselineTotal = sumOf(before);
    const values = [...new Set([...current.keys(), ...before.keys()])].sort(
      (x, y) =>
        (current.get(y) ?? 0) - (current.get(x) ?? 0) ||
        (before.get(y) ?? 0) - (before.get(x) ?? 0) ||
        (x < y ? -1 : x > y ? 1 : 0),
    );
    return {
      id: `icp.drift.${dimension}`,
      value: psi ?? null,
      n: total,
      breakdown: values.map((value) => {
        const n = current.get(value) ?? 0;
        const then = before.get(value) ?? 0;
        return {
          key: `segment:${dimension}=${value}`,
          value: total === 0 ? null : n / total,
          n,
          ...(baselineTotal > 0 ? { baseline: { value: then / baselineTotal, n: then } } : {}),
        };
      }),
      items,
      notes: {
        band: psi === undefined ? null : psiBand(psi),
        baselineWins: baselineTotal,
      },
    };
  });
}

function sumOf(counts: Map<string, number>): number {
  return [...counts.values()].reduce((sum, n) => sum + n, 0);
}
