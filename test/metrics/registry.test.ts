import { describe, expect, it } from 'vitest';
import { parseClientConfig } from '#shared/config/parse.ts';
import { computeMetrics } from '#shared/metrics/index.ts';
import {
  breakdownUnit,
  ICP_DIMENSIONS,
  isMetricId,
  METRIC_IDS,
  METRIC_REGISTRY,
  sectionsOf,
} from '#shared/metrics/registry.ts';
import { CADENCES } from '#shared/time/periods.ts';
import { CONFIG, factsOf, WINDOWS } from './fixture.ts';

describe('the metric registry', () => {
  const computed = computeMetrics(factsOf(), CONFIG, WINDOWS).map((metric) => metric.id);

  it('has exactly one entry per metric the metric functions compute', () => {
    expect([...computed].sort()).toEqual([...METRIC_IDS].sort());
    expect(new Set(computed).size).toBe(computed.length);
    // 23 fixed ids of the contract, the 4 forecast ids, and one drift per ICP dimension.
    expect(METRIC_IDS).toHaveLength(23 + 4 + ICP_DIMENSIONS.length);
    expect(isMetricId('icp.drift.industry')).toBe(true);
    expect(isMetricId('icp.drift.colour')).toBe(false);
    expect(isMetricId('toString')).toBe(false);
  });

  it("gives every entry a label, an owner and a meaning with the client's values", () => {
    for (const id of METRIC_IDS) {
      const entry = METRIC_REGISTRY[id];
      expect(entry.label, id).toMatch(/^[A-Z0-9]/);
      expect(['marketing', 'sales', 'both'], id).toContain(entry.owner);
      expect(entry.meaning(CONFIG).length, id).toBeGreaterThan(20);
    }
    expect(METRIC_REGISTRY['stalled.count'].meaning(CONFIG)).toContain(`${CONFIG.cycles.stallDays} days`);
  });

  it('puts every metric in at least one packet and derives each packet’s sections from the entries', () => {
    const shown = new Set(
      CADENCES.flatMap((cadence) => sectionsOf(cadence).flatMap((section) => section.metrics)),
    );
    expect([...shown].sort()).toEqual([...METRIC_IDS].sort());
    for (const cadence of CADENCES) {
      for (const section of sectionsOf(cadence)) {
        expect(section.metrics.length, `${cadence} ${section.id}`).toBeGreaterThan(0);
        for (const id of section.metrics) expect(METRIC_REGISTRY[id].sections[cadence]).toBe(section.id);
      }
    }
  });

  it('says when a breakdown row has another unit than its metric (a count of breaches under a rate)', () => {
    expect(METRIC_REGISTRY['sla.within_rate'].unit).toBe('ratio');
    expect(breakdownUnit('sla.within_rate', 'owner:Dana Reyes')).toBe('count');
    expect(breakdownUnit('icp.drift.region', 'segment:region=EMEA')).toBe('ratio');
    expect(METRIC_REGISTRY['icp.drift.region'].unit).toBe('psi');
    expect(breakdownUnit('qpc.created.amount', 'team:marketing')).toBe('currency');
  });

  it('is what the config schema checks threshold ids against', () => {
    const document = {
      ...structuredClone(CONFIG),
      thresholds: { 'mql.rate': CONFIG.thresholds['mql_to_sql.rate'] },
    };
    expect(() => parseClientConfig(document)).toThrow(
      /thresholds\.mql\.rate: expected a metric id of the packet contract/,
    );
  });
});
