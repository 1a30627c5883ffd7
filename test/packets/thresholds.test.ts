import { describe, expect, it } from 'vitest';
import { METRIC_REGISTRY } from '#shared/metrics/registry.ts';
import { conditionHolds, statusOf } from '#shared/packets/thresholds.ts';

const sla = { good: '>= 0.90', act: '< 0.75', owner: 'sales' as const, action: 'Rebalance routing.' };
const qpc = {
  good: '>= target_pace',
  act: '< 0.8 * target_pace',
  owner: 'both' as const,
  action: 'Push two channels.',
};

describe('thresholds', () => {
  it('evaluates numbers, target pace with a factor and the previous mean', () => {
    expect(conditionHolds('>= 0.30', 0.3, {})).toBe(true);
    expect(conditionHolds('> 0.30', 0.3, {})).toBe(false);
    // 0.8 × 100000 = 80000: 79999 is below it, 80000 is not.
    expect(conditionHolds('< 0.8 * target_pace', 79_999, { targetPace: 100_000 })).toBe(true);
    expect(conditionHolds('< 0.8 * target_pace', 80_000, { targetPace: 100_000 })).toBe(false);
    expect(conditionHolds('<= previous_mean', 12, { previousMean: 12 })).toBe(true);
    expect(conditionHolds('>= target_pace', 5, {})).toBeUndefined();
  });

  it('gives good, watch and act from the agreed thresholds', () => {
    expect(statusOf(sla, 0.95, {}, false).status).toBe('good');
    expect(statusOf(sla, 0.8, {}, false).status).toBe('watch');
    expect(statusOf(sla, 0.7, {}, false).status).toBe('act');
    expect(statusOf(qpc, 70_000, { targetPace: 100_000 }, false).status).toBe('act');
    expect(statusOf(qpc, 90_000, { targetPace: 100_000 }, false).status).toBe('watch');
  });

  it('never says act on a small sample alone, and says none without a threshold, value or reference', () => {
    expect(statusOf(sla, 0.5, {}, true)).toEqual({ status: 'watch', reason: 'small sample: would be "act"' });
    expect(statusOf(sla, 0.95, {}, true).status).toBe('good');
    expect(statusOf(undefined, 0.5, {}, false).status).toBe('none');
    expect(statusOf(sla, null, {}, false).status).toBe('none');
    expect(statusOf(qpc, 70_000, {}, false)).toEqual({
      status: 'none',
      reason: 'no reference to compare with',
    });
  });

  it('gives each metric an owner in the registry for when the thresholds do not name one', () => {
    expect(METRIC_REGISTRY['mql_to_sql.rate'].owner).toBe('marketing');
    expect(METRIC_REGISTRY['lead_to_opp.rate'].owner).toBe('marketing');
    expect(METRIC_REGISTRY['sla.p90_business_minutes'].owner).toBe('sales');
    expect(METRIC_REGISTRY['stalled.amount'].owner).toBe('sales');
    expect(METRIC_REGISTRY['icp.drift.region'].owner).toBe('both');
    expect(METRIC_REGISTRY['qpc.created.amount'].owner).toBe('both');
  });
});
