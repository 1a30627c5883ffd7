import { DateTime } from 'luxon';
import type { ClientConfig } from '../config/schema.ts';
import { lastCompletePeriod, type Period, periodContaining } from '../time/periods.ts';
import { forecastSnapshots } from '../time/schedule.ts';
import type { FactSet } from './facts.ts';
import { crmLink } from './links.ts';
import { ownerOf } from './people.ts';
import type { BreakdownRow, MetricItem, MetricValue } from './types.ts';
import type { DealView, ForecastPoint } from './views.ts';
import type { Window } from './window.ts';

/**
 * Forecast accuracy (DESIGN.md): the forecast of a fiscal quarter as it stood at an instant,
 * reconstructed from each deal's field history, against what closed. Every input is read as of
 * the instant, so a forecast rebuilt later equals the one computed then.
 */

export type ForecastDefinitions = Pick<
  ClientConfig,
  | 'timezone'
  | 'fiscalYearStartMonth'
  | 'weekStartsOn'
  | 'businessHours'
  | 'schedules'
  | 'dealStages'
  | 'forecast'
  | 'sources'
  | 'people'
>;

/** The default "within" of forecast accuracy: 10% of the actual. */
export const DEFAULT_ACCURACY_TOLERANCE = 0.1;

export interface QuarterForecast {
  /** Won amount closed in the quarter at or before the instant. */
  won: number;
  /** Won + Σ amount × probability over deals open then whose expected close is in the quarter. */
  weighted: number;
  /** Won + the amount of deals open then in the commit category, expected to close in the quarter. */
  commit: number;
  /** Open deals expected to close in the quarter, and those of them without any probability (counted at 0). */
  openDeals: number;
  withoutProbability: number;
}

function localDate(instant: number, timezone: string): string {
  return DateTime.fromMillis(instant, { zone: timezone }).toISODate() as string;
}

/** The deal's forecast fields as of an instant: the last point at or before it. */
function pointAt(deal: Pick<DealView, 'forecast'>, at: number): ForecastPoint | undefined {
  let found: ForecastPoint | undefined;
  for (const point of deal.forecast) {
    if (point.at > at) break;
    found = point;
  }
  return found;
}

/** A point's probability: the deal's own, else the client's for its stage, else none. */
export function probabilityOf(
  point: ForecastPoint,
  definitions: Pick<ClientConfig, 'forecast'>,
): number | undefined {
  if (point.probability !== undefined) return point.probability;
  return point.stage === undefined ? undefined : definitions.forecast?.stageProbabilities[point.stage];
}

/**
 * The forecast for fiscal quarter `quarter` as of instant `at`: won amount with close in the
 * quarter at or before `at`, plus, over deals open at `at` whose expected close date lies in the
 * quarter, amount × probability (weighted) or the amount of those in the commit category (commit).
 */
export function forecastFor(
  facts: Pick<FactSet, 'deals'>,
  quarter: Window,
  at: number,
  definitions: Pick<ClientConfig, 'timezone' | 'forecast'>,
): QuarterForecast {
  const first = localDate(quarter.start, definitions.timezone);
  const last = localDate(quarter.end, definitions.timezone);
  const result: QuarterForecast = { won: 0, weighted: 0, commit: 0, openDeals: 0, withoutProbability: 0 };
  for (const deal of facts.deals.values()) {
    if (deal.createdAt > at) continue;
    const closed = deal.closed && deal.closed.at <= at ? deal.closed : undefined;
    if (closed) {
      if (closed.outcome === 'won' && closed.at >= quarter.start && closed.at < quarter.end) {
        result.won += closed.amount ?? 0;
      }
      continue;
    }
    const point = pointAt(deal, at);
    if (!point?.closeDate || point.closeDate < first || point.closeDate >= last) continue;
    result.openDeals++;
    const probability = probabilityOf(point, definitions);
    if (probability === undefined) result.withoutProbability++;
    result.weighted += (point.amount ?? 0) * (probability ?? 0);
    if (point.category === 'commit') result.commit += point.amount ?? 0;
  }
  result.weighted += result.won;
  result.commit += result.won;
  return result;
}

const round = (value: number) => Math.round(value * 100) / 100;
/** A ratio to 4 decimals (0.4727): a tenth of a percentage point. */
const ratio = (value: number) => Math.round(value * 10_000) / 10_000;

/**
 * `forecast.weighted` and `forecast.commit`: the forecast of the fiscal quarter the period ends in,
 * as of the period's end (a weekly packet built Monday morning reads it as of Monday 00:00).
 */
export function currentForecast(
  facts: FactSet,
  period: Window,
  definitions: ForecastDefinitions,
): MetricValue[] {
  const quarter = periodContaining('quarterly', period.end - 1, definitions);
  const forecast = forecastFor(facts, quarter, period.end, definitions);
  const notes = {
    quarter: quarter.label,
    won: round(forecast.won),
    withoutProbability: forecast.withoutProbability,
  };
  return [
    { id: 'forecast.weighted', value: round(forecast.weighted), n: forecast.openDeals, notes },
    { id: 'forecast.commit', value: round(forecast.commit), n: forecast.openDeals, notes },
  ];
}

export interface QuarterAccuracy {
  quarter: Period;
  actual: number;
  snapshots: { at: number; weighted: QuarterForecast }[];
}

/** A forecast's accuracy and bias against the actual; none when nothing was won (A = 0). */
export function accuracyOf(forecast: number, actual: number): { accuracy: number; bias: number } | undefined {
  if (actual <= 0) return undefined;
  return { accuracy: 1 - Math.abs(forecast - actual) / actual, bias: (forecast - actual) / actual };
}

/** The ended quarter's forecast at its three snapshots, and what it won (as of the facts). */
export function quarterAccuracy(
  facts: FactSet,
  quarter: Period,
  definitions: ForecastDefinitions,
): QuarterAccuracy {
  const actual = forecastFor(facts, quarter, facts.asOf, definitions).won;
  return {
    quarter,
    actual,
    snapshots: forecastSnapshots(quarter.start, definitions).map((at) => ({
      at,
      weighted: forecastFor(facts, quarter, at, definitions),
    })),
  };
}

/** How many deals the quarterly packet lists as having moved the forecast. */
export const MOVED_DEALS_LISTED = 5;

/**
 * The deals that moved the number between the mid-quarter snapshot and the quarter's close, most
 * first: forecast then and slipped past the quarter or lost (their weighted amount taken away),
 * and won in the quarter though not forecast in it then, pulled in from a later date or never
 * forecast at all (their won amount added).
 */
export function movedDeals(
  facts: Pick<FactSet, 'deals'>,
  quarter: Window,
  mid: number,
  definitions: ForecastDefinitions,
): MetricItem[] {
  const first = localDate(quarter.start, definitions.timezone);
  const last = localDate(quarter.end, definitions.timezone);
  const inQuarter = (date: string | undefined) => date !== undefined && date >= first && date < last;
  const moved: MetricItem[] = [];
  for (const deal of facts.deals.values()) {
    if (deal.closed && deal.closed.at <= mid) continue;
    const then = deal.createdAt <= mid ? pointAt(deal, mid) : undefined;
    const forecastThen = then !== undefined && inQuarter(then.closeDate);
    const weightedThen = forecastThen ? (then?.amount ?? 0) * (probabilityOf(then, definitions) ?? 0) : 0;
    const closedInQuarter =
      deal.closed && deal.closed.at >= quarter.start && deal.closed.at < quarter.end
        ? deal.closed
        : undefined;
    let move: NonNullable<MetricItem['moved']> | undefined;
    if (forecastThen && closedInQuarter?.outcome === 'lost') move = { kind: 'lost', impact: -weightedThen };
    else if (forecastThen && !closedInQuarter) {
      move = {
        kind: 'slipped',
        impact: -weightedThen,
        ...(deal.forecast.at(-1)?.closeDate ? { to: deal.forecast.at(-1)?.closeDate } : {}),
      };
    } else if (!forecastThen && closedInQuarter?.outcome === 'won') {
      const won = closedInQuarter.amount ?? 0;
      move =
        then?.closeDate !== undefined && then.closeDate >= last
          ? { kind: 'pulled-in', impact: won, from: then.closeDate }
          : { kind: 'won-unforecast', impact: won };
    }
    if (!move || move.impact === 0) continue;
    moved.push({
      id: deal.id,
      label: move.kind,
      value: round(move.impact),
      moved: { ...move, impact: round(move.impact) },
      owner: ownerOf(deal.id, deal.owner, definitions).key,
      link: crmLink('deal', deal.id, definitions),
    });
  }
  return moved
    .sort((a, b) => Math.abs(Number(b.value)) - Math.abs(Number(a.value)) || (a.id < b.id ? -1 : 1))
    .slice(0, MOVED_DEALS_LISTED);
}

const SNAPSHOT_NAMES = ['first', 'mid', 'late'] as const;

/**
 * `forecast.accuracy` and `forecast.bias` of the last fiscal quarter ended by the period's end:
 * 1 − |F − A| / A and (F − A) / A at the mid-quarter snapshot (start + 6 weeks) on the weighted
 * forecast; the other snapshots and the commit variant are the breakdown. The previous quarter's
 * mid accuracy goes in the notes, for "two quarters in a row within the tolerance".
 */
export function forecastAccuracy(
  facts: FactSet,
  period: Window,
  definitions: ForecastDefinitions,
): MetricValue[] {
  const quarter = lastCompletePeriod('quarterly', period.end, definitions);
  const previousQuarter = lastCompletePeriod('quarterly', quarter.start, definitions);
  const tolerance = definitions.forecast?.accuracyTolerance ?? DEFAULT_ACCURACY_TOLERANCE;
  const current = quarterAccuracy(facts, quarter, definitions);
  const before = quarterAccuracy(facts, previousQuarter, definitions);
  const rows = (pick: (scores: { accuracy: number; bias: number }) => number): BreakdownRow[] =>
    current.snapshots.flatMap((snapshot, index) =>
      (['weighted', 'commit'] as const).map((variant) => {
        const scores = accuracyOf(snapshot.weighted[variant], current.actual);
        return {
          key: `snapshot:${variant}-${SNAPSHOT_NAMES[index]}`,
          value: scores ? ratio(pick(scores)) : null,
          n: snapshot.weighted.openDeals,
        };
      }),
    );
  const mid = current.snapshots[1];
  const midScores = mid ? accuracyOf(mid.weighted.weighted, current.actual) : undefined;
  const beforeMid = before.snapshots[1];
  const beforeScores = beforeMid ? accuracyOf(beforeMid.weighted.weighted, before.actual) : undefined;
  const within = (scores: { accuracy: number } | undefined) =>
    scores !== undefined && scores.accuracy >= 1 - tolerance;
  const notes = {
    quarter: quarter.label,
    actual: round(current.actual),
    forecastAtMid: mid ? round(mid.weighted.weighted) : null,
    snapshotAtMid: mid ? new Date(mid.at).toISOString() : null,
    tolerance,
    previousQuarter: previousQuarter.label,
    previousAccuracy: beforeScores ? ratio(beforeScores.accuracy) : null,
    twoInARow: within(midScores) && within(beforeScores) ? 1 : 0,
    ...(current.actual <= 0 ? { noAccuracy: 'nothing was won in the quarter' } : {}),
  };
  const n = mid?.weighted.openDeals ?? 0;
  return [
    {
      id: 'forecast.accuracy',
      value: midScores ? ratio(midScores.accuracy) : null,
      n,
      breakdown: rows((scores) => scores.accuracy),
      items: mid ? movedDeals(facts, quarter, mid.at, definitions) : [],
      notes,
    },
    {
      id: 'forecast.bias',
      value: midScores ? ratio(midScores.bias) : null,
      n,
      breakdown: rows((scores) => scores.bias),
      notes,
    },
  ];
}
