import type { MetricId } from './registry.ts';

/** One row of a metric's breakdown: `channel:<c>`, `team:<t>`, `segment:<dim>=<value>`, `reason:<r>`, `owner:<o>`. */
export interface BreakdownRow {
  key: string;
  value: number | null;
  n: number;
  interval?: [number, number];
  /** The same key's value and n in the baseline it is compared with (ICP drift: the previous periods' wins). */
  baseline?: { value: number; n: number };
}

/** A listed item behind a metric (a stalled deal, a breaching contact, an ICP candidate). */
export interface MetricItem {
  id: string;
  label: string;
  value?: number | string;
  at?: string;
  owner?: string;
  link?: string;
  /** The parts of an SLA item's label: a breach (touched late, or untouched past `due`) or a pending clock. */
  clock?: {
    state: 'late' | 'breaching' | 'pending';
    kind: 'high_intent' | 'mql';
    target: number;
    due: string;
    minutes?: number;
  };
  /** The parts of a stalled deal's label: the stage it stalled in, for how many whole days. */
  stalled?: { stage?: string; days: number };
  /**
   * How a deal moved the quarter's forecast after its mid-quarter snapshot: `impact` is what it
   * added (won) or took away (its weighted amount then), in the client's currency; `to` the
   * close date it slipped to, `from` the later close date it was pulled in from.
   */
  moved?: {
    kind: 'slipped' | 'lost' | 'pulled-in' | 'won-unforecast' | 'won' | 'reweighted' | 'added';
    impact: number;
    to?: string;
    from?: string;
  };
}

/**
 * A metric computed over one period: a pure result of facts, definitions and the period.
 * `value` is null when there is nothing to compute (a rate over zero cases). Its label and unit
 * are in the registry (`registry.ts`).
 */
export interface MetricValue {
  id: MetricId;
  value: number | null;
  n: number;
  interval?: [number, number];
  breakdown?: BreakdownRow[];
  /** The cohort window when it differs from the period (maturity-shifted rates). */
  cohort?: { start: number; end: number };
  items?: MetricItem[];
  /** Metric-specific facts a reader needs (e.g. the rejection streak, the Fisher p-value). */
  notes?: Record<string, number | string | null>;
}
