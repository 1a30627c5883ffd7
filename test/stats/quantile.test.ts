import { describe, expect, it } from 'vitest';
import { median, quantile } from '#shared/stats/index.ts';

describe('median', () => {
  it('takes the middle value of an odd count', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([7])).toBe(7);
  });

  it('takes the mean of the middle two of an even count', () => {
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([10, 20])).toBe(15);
    expect(median([1, 1, 2, 100])).toBe(1.5);
  });

  it('is undefined for no values and does not mutate its input', () => {
    expect(median([])).toBeUndefined();
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('sorts numerically, not as text', () => {
    expect(median([10, 9, 100])).toBe(10);
  });
});

describe('quantile (R type 7)', () => {
  it('quantile(1:10, 0.9) = 9.1', () => {
    // Reference: R, quantile(c(1,2,3,4,5,6,7,8,9,10), 0.9) → 9.1
    // (type 7: index 1 + 9·0.9 = 9.1 → x[9] + 0.1·(x[10] − x[9])).
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 12);
  });

  it('gives the R type 7 quartiles of a small unsorted sample', () => {
    // Data: Wikipedia "Quartile", example 1: 6, 47, 49, 15, 42, 41, 7, 39, 43, 40, 36
    // (sorted 6, 7, 15, 36, 39, 40, 41, 42, 43, 47, 49; n = 11).
    // R: quantile(x, c(0.25, 0.5, 0.75)) → 25.5, 40, 42.5:
    // index 1 + 10·0.25 = 3.5 → (15 + 36)/2; index 6 → 40; index 8.5 → (42 + 43)/2.
    const x = [6, 47, 49, 15, 42, 41, 7, 39, 43, 40, 36];
    expect(quantile(x, 0.25)).toBeCloseTo(25.5, 12);
    expect(quantile(x, 0.5)).toBe(40);
    expect(quantile(x, 0.75)).toBeCloseTo(42.5, 12);
    // And an uneven fraction: index 1 + 10·0.1 = 2 → 7; index 1 + 10·0.33 = 4.3 → 36 + 0.3·3 = 36.9.
    expect(quantile(x, 0.1)).toBe(7);
    expect(quantile(x, 0.33)).toBeCloseTo(36.9, 12);
  });

  it('gives min and max at p = 0 and 1, and the median at 0.5', () => {
    const x = [3, 9, 1, 4, 7, 2];
    expect(quantile(x, 0)).toBe(1);
    expect(quantile(x, 1)).toBe(9);
    expect(quantile(x, 0.5)).toBe(median(x));
    expect(quantile([42], 0.37)).toBe(42);
  });

  it('returns a tied value exactly', () => {
    expect(quantile([2, 2, 2, 5], 0.3)).toBe(2);
  });

  it('is undefined for no values and rejects p outside [0, 1]', () => {
    expect(quantile([], 0.5)).toBeUndefined();
    expect(() => quantile([1, 2], -0.01)).toThrow(RangeError);
    expect(() => quantile([1, 2], 1.01)).toThrow(RangeError);
    expect(() => quantile([1, 2], Number.NaN)).toThrow(RangeError);
    expect(() => quantile([1, Number.NaN], 0.5)).toThrow(RangeError);
  });
});
