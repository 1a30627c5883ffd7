import type { MetricId } from '../config/metric-ids.ts';

export type MetricUnit = 'currency' | 'count' | 'ratio' | 'business_minutes' | 'psi';

/** One row of a metric's breakdown: `channel:<c>`, `team:<t>`, `segment:<dim>=<value>`, `reason:<r>`, `owner:<o>`. */
export interface BreakdownRow {
  key: string;
  value: number | null;
  n: number;
  interval?: [number, number];
}

/** A listed item behind a metric (a stalled deal, a breaching contact, an ICP candidate). */
export interface MetricItem {
  id: string;
  label: string;
  value?: number | string;
  at?: string;
  owner?: string;
  link?: string;
}

/**
 * A metric computed over one period: a pure result of facts, definitions and the period.
 * `value` is null when there is nothing to compute (a rate over zero cases).
 */
export interface MetricValue {
  id: MetricId;
  label: string;
  value: number | null;
  unit: MetricUnit;
  n: number;
  interval?: [number, number];
  breakdown?: BreakdownRow[];
  /** The cohort window when it differs from the period (maturity-shifted rates). */
  cohort?: { start: number; end: number };
  items?: MetricItem[];
  /** Metric-specific facts a reader needs (e.g. the rejection streak, the Fisher p-value). */
  notes?: Record<string, number | string | null>;
}
