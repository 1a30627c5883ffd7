import type { ClientConfig } from '../config/schema.ts';
import type { FactSet } from './facts.ts';
import { currentForecast, forecastAccuracy } from './forecast.ts';
import { leadToOpportunity, mqlCount, mqlToSql, rejections } from './funnel.ts';
import { icpDrift, icpFit, icpWinRates } from './icp.ts';
import {
  pipelineToRevenue,
  qualifiedPipelineClosed,
  qualifiedPipelineCreated,
  stalledDeals,
} from './pipeline.ts';
import { speedToLead } from './sla.ts';
import type { MetricValue } from './types.ts';
import type { Window } from './window.ts';

export interface MetricWindows {
  period: Window;
  /** The periods of the same cadence before this one, most recent first (the ICP drift baseline). */
  previous: readonly Window[];
  /** Weekly periods ending with the one that ends this period, most recent first (rejection streak). */
  weeks: readonly Window[];
}

/** Every metric of the packet contract for one period: a pure function of facts, definitions and windows. */
export function computeMetrics(facts: FactSet, config: ClientConfig, windows: MetricWindows): MetricValue[] {
  const { period } = windows;
  return [
    ...qualifiedPipelineCreated(facts, period),
    ...qualifiedPipelineClosed(facts, period),
    pipelineToRevenue(facts, period, config),
    mqlCount(facts, period),
    mqlToSql(facts, period, config),
    leadToOpportunity(facts, period, config),
    ...speedToLead(facts, period, config),
    ...rejections(facts, period, windows.weeks),
    ...stalledDeals(facts, period, config),
    ...icpFit(facts, period, config),
    ...icpWinRates(facts, period, config),
    ...icpDrift(facts, period, windows.previous, config),
    ...currentForecast(facts, period, config),
    ...forecastAccuracy(facts, period, config),
  ];
}
