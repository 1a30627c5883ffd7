import type { ClientConfig } from '../config/schema.ts';
import { CONDITION_PATTERN } from '../config/schema.ts';

export type Status = 'good' | 'watch' | 'act' | 'none';

/** What a condition can refer to besides numbers. */
export interface Reference {
  /** The metric's target for the period (qpc pro rata, MQL pace). */
  targetPace?: number;
  /** The mean of the previous periods, when there are any. */
  previousMean?: number;
}

/**
 * Evaluates `>= 0.30`, `< 0.8 * target_pace`, `<= previous_mean`. Undefined when the condition
 * names a reference the packet does not have (no target, no previous periods).
 */
export function conditionHolds(condition: string, value: number, reference: Reference): boolean | undefined {
  const match = CONDITION_PATTERN.exec(condition.trim());
  if (!match) throw new Error(`invalid condition "${condition}" (the config schema should have refused it)`);
  const [, operator, factorText, operandText] = match;
  const factor = factorText === undefined ? 1 : Number(factorText);
  const operand =
    operandText === 'target_pace'
      ? reference.targetPace
      : operandText === 'previous_mean'
        ? reference.previousMean
        : Number(operandText);
  if (operand === undefined) return undefined;
  const bound = factor * operand;
  switch (operator) {
    case '>=':
      return value >= bound;
    case '<=':
      return value <= bound;
    case '>':
      return value > bound;
    default:
      return value < bound;
  }
}

/**
 * A metric's status from the thresholds both teams agreed on: good when `good` holds, act when
 * `act` holds, watch in between. A small sample is never "act" on its own: it is "watch" with a
 * note. No threshold, no value, or a missing reference: "none".
 */
export function statusOf(
  threshold: ClientConfig['thresholds'][string] | undefined,
  value: number | null,
  reference: Reference,
  smallSample: boolean,
): { status: Status; reason?: string } {
  if (!threshold || value === null) return { status: 'none' };
  const good = conditionHolds(threshold.good, value, reference);
  const act = conditionHolds(threshold.act, value, reference);
  if (good === undefined || act === undefined)
    return { status: 'none', reason: 'no reference to compare with' };
  if (good) return { status: 'good' };
  if (act)
    return smallSample ? { status: 'watch', reason: 'small sample: would be "act"' } : { status: 'act' };
  return { status: 'watch' };
}
