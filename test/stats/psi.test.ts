import { describe, expect, it } from 'vitest';
import { populationStabilityIndex, psiBand } from '#shared/stats/index.ts';

const mix = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('populationStabilityIndex', () => {
  it('computes a 2-bin example by hand', () => {
    // current {a: 60, b: 40} → p = (0.6, 0.4); baseline {a: 50, b: 50} → q = (0.5, 0.5).
    // PSI = (0.6 − 0.5)·ln(0.6/0.5) + (0.4 − 0.5)·ln(0.4/0.5) = 0.1·ln 1.2 − 0.1·ln 0.8
    //     = 0.1·ln 1.5 = 0.04054651081081644.
    const psi = populationStabilityIndex(mix({ a: 60, b: 40 }), mix({ a: 50, b: 50 }));
    expect(psi).toBeCloseTo(0.1 * Math.log(1.5), 14);
    expect(psi).toBeCloseTo(0.04054651081081644, 14);
  });

  it('computes a 3-bin example by hand', () => {
    // p = (0.5, 0.3, 0.2), q = (0.2, 0.3, 0.5):
    // PSI = 0.3·ln 2.5 + 0 + (−0.3)·ln 0.4 = 0.3·ln 6.25 = 0.5497744391244931.
    const psi = populationStabilityIndex(mix({ x: 50, y: 30, z: 20 }), mix({ x: 20, y: 30, z: 50 }));
    expect(psi).toBeCloseTo(0.5497744391244931, 14);
  });

  it('sets an empty bin on either side to epsilon without renormalising', () => {
    // current {a: 90, b: 10} → p = (a 0.9, b 0.1, c ε); baseline {a: 80, c: 20} → q = (a 0.8, b ε, c 0.2),
    // ε = 0.0001 and neither side rescaled to sum to 1:
    // PSI = 0.1·ln(0.9/0.8) + (0.1 − ε)·ln(0.1/ε) + (ε − 0.2)·ln(ε/0.2) = 2.221283457598416 (python3).
    // Renormalising both sides to 1 would give 2.2210613514632698 instead.
    const psi = populationStabilityIndex(mix({ a: 90, b: 10 }), mix({ a: 80, c: 20 }));
    const e = 0.0001;
    const byHand = 0.1 * Math.log(0.9 / 0.8) + (0.1 - e) * Math.log(0.1 / e) + (e - 0.2) * Math.log(e / 0.2);
    expect(psi).toBeCloseTo(byHand, 12);
    expect(psi).toBeCloseTo(2.221283457598416, 12);
    expect(Math.abs((psi ?? 0) - 2.2210613514632698)).toBeGreaterThan(1e-4);
  });

  it('treats an explicit 0 like a missing value and ignores values empty on both sides', () => {
    const withZeros = populationStabilityIndex(
      mix({ a: 90, b: 10, c: 0, d: 0 }),
      mix({ a: 80, b: 0, c: 20 }),
    );
    expect(withZeros).toBe(populationStabilityIndex(mix({ a: 90, b: 10 }), mix({ a: 80, c: 20 })));
  });

  it('uses the epsilon given', () => {
    // Same table with ε = 0.001: 0.1·ln(1.125) + 0.099·ln(100) + (−0.199)·ln(0.005).
    const e = 0.001;
    const byHand = 0.1 * Math.log(0.9 / 0.8) + (0.1 - e) * Math.log(0.1 / e) + (e - 0.2) * Math.log(e / 0.2);
    expect(populationStabilityIndex(mix({ a: 90, b: 10 }), mix({ a: 80, c: 20 }), e)).toBeCloseTo(byHand, 12);
  });

  it('is 0 for identical mixes, also when counts differ but shares are the same', () => {
    expect(populationStabilityIndex(mix({ a: 3, b: 7 }), mix({ a: 3, b: 7 }))).toBe(0);
    expect(populationStabilityIndex(mix({ a: 3, b: 7 }), mix({ b: 70, a: 30 }))).toBeCloseTo(0, 15);
  });

  it('does not depend on map order', () => {
    const one = populationStabilityIndex(mix({ a: 1, b: 2, c: 3, d: 4 }), mix({ d: 1, c: 5, b: 2, a: 9 }));
    const two = populationStabilityIndex(mix({ d: 4, c: 3, b: 2, a: 1 }), mix({ a: 9, b: 2, c: 5, d: 1 }));
    expect(one).toBe(two);
  });

  it('is undefined when either side has no observations', () => {
    expect(populationStabilityIndex(mix({}), mix({ a: 1 }))).toBeUndefined();
    expect(populationStabilityIndex(mix({ a: 1 }), mix({}))).toBeUndefined();
    expect(populationStabilityIndex(mix({ a: 0 }), mix({ a: 5 }))).toBeUndefined();
  });

  it('rejects negative counts', () => {
    expect(() => populationStabilityIndex(mix({ a: -1, b: 2 }), mix({ a: 1 }))).toThrow(RangeError);
  });
});

describe('psiBand', () => {
  it('bands at 0.1 and 0.25, both boundaries moderate', () => {
    expect(psiBand(0)).toBe('stable');
    expect(psiBand(0.0999)).toBe('stable');
    expect(psiBand(0.1)).toBe('moderate');
    expect(psiBand(0.2)).toBe('moderate');
    expect(psiBand(0.25)).toBe('moderate');
    expect(psiBand(0.2501)).toBe('shifted');
    expect(psiBand(2.22)).toBe('shifted');
  });

  it('bands the hand-computed examples', () => {
    expect(
      psiBand(populationStabilityIndex(mix({ a: 60, b: 40 }), mix({ a: 50, b: 50 })) ?? Number.NaN),
    ).toBe('stable');
    expect(
      psiBand(
        populationStabilityIndex(mix({ x: 50, y: 30, z: 20 }), mix({ x: 20, y: 30, z: 50 })) ?? Number.NaN,
      ),
    ).toBe('shifted');
  });
});
