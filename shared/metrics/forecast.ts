import type { ClientConfig } from '../config/schema.ts';
import { lastCompletePeriod, type Period, periodContaining } from '../time/periods.ts';
import { forecastSnapshots } from '../time/schedule.ts';
import { isoWithOffset } from '../time/zone-offset.ts';
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
  return isoWithOffset(instant, timezone).slice(0, 10);
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

/** A packet's own period is read as of its as-of instant, which falls within a week of the end. */
const OWN_PERIOD_MS = 7 * 86_400_000;

/**
 * The current fiscal quarter's forecast for a period: as of the packet's as-of instant for its own
 * period, as of its end for an earlier one (the metric and data health read the same one).
 */
export function currentQuarterForecast(
  facts: Pick<FactSet, 'deals' | 'asOf'>,
  period: Window,
  definitions: Pick<ClientConfig, 'timezone' | 'fiscalYearStartMonth' | 'weekStartsOn' | 'forecast'>,
): { at: number; quarter: Period; forecast: QuarterForecast } {
  const at = facts.asOf >= period.end && facts.asOf < period.end + OWN_PERIOD_MS ? facts.asOf : period.end;
  const quarter = periodContaining('quarterly', at, definitions);
  return { at, quarter, forecast: forecastFor(facts, quarter, at, definitions) };
}

/**
 * `forecast.weighted` and `forecast.commit`: the current fiscal quarter's forecast as of the
 * packet's as-of instant (for the packet's own period; an earlier period, in a trend or a
 * comparison, is read as of its end), so a weekly packet built at a snapshot instant prints the
 * number the quarterly packet later shows for that snapshot.
 */
export function currentForecast(
  facts: FactSet,
  period: Window,
  definitions: ForecastDefinitions,
): MetricValue[] {
  const { at, quarter, forecast } = currentQuarterForecast(facts, period, definitions);
  // Last week's figure for the same quarter (its start when the quarter began this week).
  const weekBefore = Math.max(at - 7 * 86_400_000, quarter.start);
  const before = forecastFor(facts, quarter, weekBefore, definitions);
  const notes = {
    quarter: quarter.label,
    won: round(forecast.won),
    withoutProbability: forecast.withoutProbability,
  };
  return [
    {
      id: 'forecast.weighted',
      value: round(forecast.weighted),
      n: forecast.openDeals,
      items: movedDeals(facts, quarter, weekBefore, at, definitions),
      notes: { ...notes, weekBefore: round(before.weighted) },
    },
    {
      id: 'forecast.commit',
      value: round(forecast.commit),
      n: forecast.openDeals,
      notes: { ...notes, weekBefore: round(before.commit) },
    },
  ];
}

export interface QuarterAccuracy {
  quarter: Period;
  actual: number;
  snapshots: { at: number; weighted: QuarterForecast }[];
}

/**
 * A forecast's accuracy and bias against the actual; none when nothing was won (A = 0). Accuracy
 * is floored at 0: a forecast off by more than what was won is 0% accurate (a "−926%" accuracy
 * reads as an error), and the bias still says by how much.
 */
export function accuracyOf(forecast: number, actual: number): { accuracy: number; bias: number } | undefined {
  if (actual <= 0) return undefined;
  return {
    accuracy: Math.max(0, 1 - Math.abs(forecast - actual) / actual),
    bias: (forecast - actual) / actual,
  };
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

/** How many deals a packet lists as having moved the forecast. */
export const MOVED_DEALS_LISTED = 5;

type Standing =
  | { kind: 'absent' | 'lost' | 'won-elsewhere' }
  | { kind: 'won'; amount: number }
  | { kind: 'forecast' | 'elsewhere'; weighted: number; closeDate?: string };

/** Where a deal stands for a quarter's forecast at an instant. */
function standingAt(deal: DealView, quarter: Window, at: number, definitions: ForecastDefinitions): Standing {
  if (deal.createdAt > at) return { kind: 'absent' };
  if (deal.closed && deal.closed.at <= at) {
    if (deal.closed.outcome === 'lost') return { kind: 'lost' };
    return deal.closed.at >= quarter.start && deal.closed.at < quarter.end
      ? { kind: 'won', amount: deal.closed.amount ?? 0 }
      : { kind: 'won-elsewhere' };
  }
  const point = pointAt(deal, at);
  const first = localDate(quarter.start, definitions.timezone);
  const last = localDate(quarter.end, definitions.timezone);
  const closeDate = point?.closeDate;
  const inQuarter = closeDate !== undefined && closeDate >= first && closeDate < last;
  return {
    kind: inQuarter ? 'forecast' : 'elsewhere',
    weighted: inQuarter && point ? (point.amount ?? 0) * (probabilityOf(point, definitions) ?? 0) : 0,
    ...(closeDate !== undefined ? { closeDate } : {}),
  };
}

/**
 * The deals that moved a quarter's forecast between two instants, most first. Forecast then and
 * slipped out of the quarter (or still open when the quarter has ended), or lost: their weighted
 * amount then is taken away. Not forecast in the quarter then and won in it: pulled in from a
 * later date, or won without being forecast. Between two instants inside the quarter, also deals
 * won as forecast, re-weighted, and added to it.
 */
export function movedDeals(
  facts: Pick<FactSet, 'deals'>,
  quarter: Window,
  from: number,
  to: number,
  definitions: ForecastDefinitions,
): MetricItem[] {
  const ended = to >= quarter.end;
  const moved: MetricItem[] = [];
  for (const deal of facts.deals.values()) {
    const then = standingAt(deal, quarter, from, definitions);
    const now = standingAt(deal, quarter, to, definitions);
    let move: NonNullable<MetricItem['moved']> | undefined;
    if (then.kind === 'forecast') {
      if (now.kind === 'lost') move = { kind: 'lost', impact: -then.weighted };
      else if (now.kind === 'won')
        move = ended ? undefined : { kind: 'won', impact: now.amount - then.weighted };
      else if (
        now.kind === 'elsewhere' ||
        now.kind === 'won-elsewhere' ||
        (now.kind === 'forecast' && ended)
      ) {
        const to = 'closeDate' in now ? now.closeDate : undefined;
        move = { kind: 'slipped', impact: -then.weighted, ...(to ? { to } : {}) };
      } else if (now.kind === 'forecast') move = { kind: 'reweighted', impact: now.weighted - then.weighted };
    } else if (then.kind === 'elsewhere' || then.kind === 'absent') {
      const pulledFrom = then.kind === 'elsewhere' ? then.closeDate : undefined;
      if (now.kind === 'won') {
        move =
          pulledFrom !== undefined && pulledFrom >= localDate(quarter.end, definitions.timezone)
            ? { kind: 'pulled-in', impact: now.amount, from: pulledFrom }
            : { kind: 'won-unforecast', impact: now.amount };
      } else if (now.kind === 'forecast' && !ended) {
        move =
          pulledFrom !== undefined
            ? { kind: 'pulled-in', impact: now.weighted, from: pulledFrom }
            : { kind: 'added', impact: now.weighted };
      }
    }
    if (!move || round(move.impact) === 0) continue;
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
    // Variant by variant, so a capped list shows the weighted forecast at every snapshot first.
    (['weighted', 'commit'] as const).flatMap((variant) =>
      current.snapshots.map((snapshot, index) => {
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
      items: mid ? movedDeals(facts, quarter, mid.at, Math.max(facts.asOf, quarter.end), definitions) : [],
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
