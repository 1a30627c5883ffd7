import { describe, expect, it } from 'vitest';
import { SMALL_SAMPLE, WILSON_Z, wilsonInterval } from '#shared/stats/index.ts';

/** Asserts an interval to within `digits` decimals (|Δ| < 10^-digits / 2, vitest's toBeCloseTo). */
function expectInterval(actual: [number, number] | undefined, low: number, high: number, digits: number) {
  expect(actual).toBeDefined();
  const [l, h] = actual ?? [Number.NaN, Number.NaN];
  expect(l).toBeCloseTo(low, digits);
  expect(h).toBeCloseTo(high, digits);
}

describe('WILSON_Z', () => {
  it('is the 97.5% normal quantile to 6 decimals', () => {
    // Reference: R qnorm(0.975) = 1.959963984540054 (DESIGN.md fixes z = 1.959964).
    expect(WILSON_Z).toBe(1.959964);
    expect(Math.abs(WILSON_Z - 1.959963984540054)).toBeLessThan(5e-7);
  });

  it('is the default z', () => {
    expect(wilsonInterval(12, 400)).toEqual(wilsonInterval(12, 400, WILSON_Z));
    // z = 1.96 gives a (slightly) different interval, so the default really is 1.959964.
    expect(wilsonInterval(12, 400, 1.96)).not.toEqual(wilsonInterval(12, 400));
  });
});

describe('wilsonInterval', () => {
  it('matches R binom::binom.confint(method = "wilson") values recorded in statsmodels', () => {
    // Reference: statsmodels/stats/tests/results/results_proportion.py, last ("wilson") column of
    // binom.confint(x, n, tol = 1e-8) (R package binom, z = qnorm(0.975)). Our z differs from
    // qnorm(0.975) by 1.5e-8, which moves the limits by < 1e-8, so 7 decimals must agree.
    expectInterval(wilsonInterval(18, 20), 0.6989663547715128, 0.972133518786232, 7);
    expectInterval(wilsonInterval(4, 20), 0.0806576625797981, 0.4160174322518935, 7);
    expectInterval(wilsonInterval(4, 200), 0.00780442641634947, 0.05028708690582643, 7);
    expectInterval(wilsonInterval(190, 200), 0.910421851861224, 0.972617354399236, 7);
    expectInterval(wilsonInterval(1, 30), 5.90859e-3, 0.16670391, 7);
    expectInterval(wilsonInterval(29, 30), 0.8332961, 0.9940914, 7);
  });

  it('matches the score-method examples of Newcombe (1998)', () => {
    // Reference: Newcombe RG, "Two-sided confidence intervals for the single proportion: comparison of
    // seven methods", Stat Med 17:857-872 (1998), worked examples, method 3 (score, no continuity
    // correction), 4 decimals: 81/263 → 0.2553–0.3662; 15/148 → 0.0624–0.1605; 0/20 → 0–0.1611;
    // 1/29 → 0.0061–0.1718.
    expectInterval(wilsonInterval(81, 263), 0.2553, 0.3662, 4);
    expectInterval(wilsonInterval(15, 148), 0.0624, 0.1605, 4);
    expectInterval(wilsonInterval(0, 20), 0, 0.1611, 4);
    expectInterval(wilsonInterval(1, 29), 0.0061, 0.1718, 4);
  });

  it('gives exactly 0 as the low limit of 0/n and exactly 1 as the high limit of n/n', () => {
    // Reference: binom.confint(0, 30) wilson upper 0.11351339; binom.confint(30, 30) wilson lower
    // 0.8864866 (statsmodels results_proportion.py, as above).
    const none = wilsonInterval(0, 30);
    const all = wilsonInterval(30, 30);
    expect(none?.[0]).toBe(0);
    expect(none?.[1]).toBeCloseTo(0.11351339, 7);
    expect(all?.[0]).toBeCloseTo(0.8864866, 7);
    expect(all?.[1]).toBe(1);
    // Small n too: 0/1 and 1/1.
    expect(wilsonInterval(0, 1)?.[0]).toBe(0);
    expect(wilsonInterval(1, 1)?.[1]).toBe(1);
  });

  it('computes the seeds example 12/400 as the formula says', () => {
    // Hand cross-check from the formula: p̂ = 0.03, z = 1.959964,
    // limits = (p̂ + z²/2n ∓ z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n)
    // ≈ 0.017243020891 .. 0.051698535923 (python3, math.sqrt).
    const z = 1.959964;
    const n = 400;
    const p = 12 / 400;
    const denominator = 1 + (z * z) / n;
    const centre = (p + (z * z) / (2 * n)) / denominator;
    const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denominator;
    const interval = wilsonInterval(12, 400);
    expect(interval?.[0]).toBeCloseTo(centre - half, 14);
    expect(interval?.[1]).toBeCloseTo(centre + half, 14);
    expectInterval(interval, 0.01724302089133973, 0.05169853592261691, 12);
  });

  it('is undefined for n = 0 and stays inside [0, 1] around the rate', () => {
    expect(wilsonInterval(0, 0)).toBeUndefined();
    for (const [k, n] of [
      [0, 1],
      [1, 2],
      [3, 7],
      [9, 9],
      [500, 1000],
    ] as const) {
      const [low, high] = wilsonInterval(k, n) ?? [Number.NaN, Number.NaN];
      expect(low).toBeGreaterThanOrEqual(0);
      expect(high).toBeLessThanOrEqual(1);
      expect(low).toBeLessThanOrEqual(k / n);
      expect(high).toBeGreaterThanOrEqual(k / n);
    }
  });

  it('rejects impossible counts', () => {
    expect(() => wilsonInterval(5, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(-1, 4)).toThrow(RangeError);
    expect(() => wilsonInterval(1, Number.NaN)).toThrow(RangeError);
  });
});

describe('SMALL_SAMPLE', () => {
  it('is 10 cases (DESIGN.md: a rate over fewer than 10 cases is a small sample)', () => {
    expect(SMALL_SAMPLE).toBe(10);
  });
});
