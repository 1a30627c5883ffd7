import type { ClientConfig } from '../config/schema.ts';
import { rate, rateBreakdown, sumBreakdown } from './breakdown.ts';
import type { FactSet } from './facts.ts';
import { crmLink } from './links.ts';
import { ownerOf } from './people.ts';
import type { MetricValue } from './types.ts';
import type { DealView } from './views.ts';
import { lastStageChange } from './views.ts';
import { DAY_MS, shiftBack, type Window, within } from './window.ts';

type PipelineDefinitions = Pick<ClientConfig, 'cycles' | 'sources' | 'people'>;

const attributionKeys = (deal: DealView) => [
  `team:${deal.attribution.team}`,
  `channel:${deal.attribution.channel}`,
];

/** The deal's stage at an instant (a stalled deal is shown in the stage it stalled in, not a later one). */
function stageAt(deal: DealView, instant: number): string | undefined {
  return deal.stages.filter((entry) => entry.at <= instant).at(-1)?.stage;
}

/** Deals whose qualification falls in the window. */
function qualifiedIn(facts: FactSet, window: Window): DealView[] {
  return [...facts.deals.values()].filter((deal) => within(deal.qualified?.at, window));
}

/**
 * `qpc.created.amount` / `qpc.created.count`: deals qualified in the period (the first moment the
 * jointly agreed bar held), summing their amount at that moment; by team and channel.
 */
export function qualifiedPipelineCreated(facts: FactSet, period: Window): MetricValue[] {
  const deals = qualifiedIn(facts, period);
  const amountOf = (deal: DealView) => deal.qualified?.amount ?? 0;
  const amount = deals.reduce((sum, deal) => sum + amountOf(deal), 0);
  return [
    {
      id: 'qpc.created.amount',
      value: amount,
      n: deals.length,
      breakdown: sumBreakdown(deals, attributionKeys, amountOf),
    },
    {
      id: 'qpc.created.count',
      value: deals.length,
      n: deals.length,
      breakdown: sumBreakdown(deals, attributionKeys, () => 1),
    },
  ];
}

/**
 * `qpc.won.amount`, `qpc.lost.amount`, `qpc.win_rate`: qualified deals that closed in the period,
 * valued at their amount at close; the win rate is won / closed by count.
 */
export function qualifiedPipelineClosed(facts: FactSet, period: Window): MetricValue[] {
  const closed = [...facts.deals.values()].filter(
    (deal) => deal.qualified && within(deal.closed?.at, period),
  );
  const won = closed.filter((deal) => deal.closed?.outcome === 'won');
  const lost = closed.filter((deal) => deal.closed?.outcome === 'lost');
  const atClose = (deal: DealView) => deal.closed?.amount ?? 0;
  const sum = (deals: DealView[]) => deals.reduce((total, deal) => total + atClose(deal), 0);
  return [
    {
      id: 'qpc.won.amount',
      value: sum(won),
      n: won.length,
      breakdown: sumBreakdown(won, attributionKeys, atClose),
    },
    {
      id: 'qpc.lost.amount',
      value: sum(lost),
      n: lost.length,
      breakdown: sumBreakdown(lost, attributionKeys, atClose),
    },
    {
      id: 'qpc.win_rate',
      ...rate(won.length, closed.length),
      breakdown: rateBreakdown(closed, attributionKeys, (deal) => deal.closed?.outcome === 'won'),
    },
  ];
}

/**
 * `pipeline_to_revenue.rate`: of the deals qualified in the period shifted back by salesCycleDays,
 * the share (by count) closed won within salesCycleDays of qualification; the $ share and the
 * team split go in the breakdown.
 */
export function pipelineToRevenue(
  facts: FactSet,
  period: Window,
  definitions: PipelineDefinitions,
): MetricValue {
  const cycle = definitions.cycles.salesCycleDays;
  const cohort = shiftBack(period, cycle);
  const deals = qualifiedIn(facts, cohort);
  const wonInCycle = (deal: DealView) =>
    deal.closed?.outcome === 'won' &&
    deal.qualified !== undefined &&
    deal.closed.at - deal.qualified.at <= cycle * DAY_MS;
  const won = deals.filter(wonInCycle);
  const qualifiedAmount = deals.reduce((sum, deal) => sum + (deal.qualified?.amount ?? 0), 0);
  const wonAmount = won.reduce((sum, deal) => sum + (deal.qualified?.amount ?? 0), 0);
  return {
    id: 'pipeline_to_revenue.rate',
    ...rate(won.length, deals.length),
    cohort,
    breakdown: [
      {
        key: 'amount:share',
        value: qualifiedAmount === 0 ? null : wonAmount / qualifiedAmount,
        n: deals.length,
      },
      ...rateBreakdown(deals, (deal) => [`team:${deal.attribution.team}`], wonInCycle),
    ],
  };
}

/**
 * `stalled.count` / `stalled.amount`: deals qualified and still open at the period end whose stage
 * has not changed for stallDays or more before the end; the amount is each deal's current amount.
 */
export function stalledDeals(
  facts: FactSet,
  period: Window,
  definitions: PipelineDefinitions,
): MetricValue[] {
  const limit = definitions.cycles.stallDays * DAY_MS;
  const stalled = [...facts.deals.values()]
    .filter((deal) => deal.qualified && deal.qualified.at < period.end)
    .filter((deal) => !deal.closed || deal.closed.at >= period.end)
    .map((deal) => ({ deal, changed: lastStageChange(deal, period.end - 1) }))
    .filter(({ changed }) => changed !== undefined && period.end - changed >= limit)
    .sort((a, b) => (a.changed ?? 0) - (b.changed ?? 0) || (a.deal.id < b.deal.id ? -1 : 1));
  const amountOf = (deal: DealView) => deal.clientAmount ?? 0;
  const items = stalled.map(({ deal, changed }) => {
    const stage = stageAt(deal, period.end - 1);
    const days = Math.floor((period.end - (changed ?? period.end)) / DAY_MS);
    return {
      id: deal.id,
      label: `${stage ?? 'no stage'} for ${days} days`,
      stalled: { ...(stage !== undefined ? { stage } : {}), days },
      value: amountOf(deal),
      owner: ownerOf(deal.id, deal.owner, definitions).key,
      link: crmLink('deal', deal.id, definitions),
    };
  });
  const deals = stalled.map(({ deal }) => deal);
  const ownerKey = (deal: DealView) => [`owner:${ownerOf(deal.id, deal.owner, definitions).key}`];
  return [
    {
      id: 'stalled.count',
      value: deals.length,
      n: deals.length,
      breakdown: sumBreakdown(deals, ownerKey, () => 1),
      items,
    },
    {
      id: 'stalled.amount',
      value: deals.reduce((sum, deal) => sum + amountOf(deal), 0),
      n: deals.length,
      breakdown: sumBreakdown(deals, ownerKey, amountOf),
    },
  ];
}
