import { describe, expect, it } from 'vitest';
import { fisherExactTwoSided } from '#shared/stats/index.ts';

/** Relative closeness: |actual − expected| ≤ rel · |expected|. */
function expectRelClose(actual: number, expected: number, rel: number) {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(rel * Math.abs(expected));
}

describe('fisherExactTwoSided', () => {
  it("matches R's ?fisher.test Tea Tasting example", () => {
    // Reference: R documentation, fisher.test examples:
    // TeaTasting <- matrix(c(3, 1, 1, 3), nrow = 2); fisher.test(TeaTasting) → p-value = 0.4857.
    // Exactly 17/35 (python3 fractions: tables x = 0,1,3,4 with P = 1/70, 16/70, 16/70, 1/70 → 34/70).
    expect(fisherExactTwoSided(3, 1, 1, 3)).toBeCloseTo(17 / 35, 12);
    expect(fisherExactTwoSided(3, 1, 1, 3)).toBeCloseTo(0.4857, 4);
  });

  it("matches R's ?fisher.test Convictions example", () => {
    // Reference: R documentation, fisher.test examples:
    // Convictions <- matrix(c(2, 10, 15, 3), nrow = 2) (column-major, so [[2, 15], [10, 3]]);
    // fisher.test(Convictions) → p-value = 0.0005367.
    // python3 fractions: 0.0005367241191434358.
    expect(fisherExactTwoSided(2, 15, 10, 3)).toBeCloseTo(0.0005367, 7);
    expectRelClose(fisherExactTwoSided(2, 15, 10, 3), 0.0005367241191434358, 1e-10);
  });

  it("matches SciPy's fisher_exact documentation example (whales and sharks)", () => {
    // Reference: scipy.stats.fisher_exact docs: fisher_exact([[8, 2], [1, 5]]).pvalue
    // → 0.034965034965034975 (= 5/143).
    expectRelClose(fisherExactTwoSided(8, 2, 1, 5), 0.034965034965034975, 1e-12);
  });

  it("agrees with the acetazolamide table from SciPy's docs, computed exactly", () => {
    // SciPy's docs use [[7, 17], [15, 5]] only with alternative='less' (p = 0.0028841933752349743);
    // they publish no two-sided value. Two-sided by exact enumeration (python3 fractions: every
    // table x in 2..22 with P(x) = C(22,x)·C(22,24−x)/C(44,24), summing P(x) ≤ P(7)·(1 + 1e-7))
    // → 0.00576838675046995.
    expectRelClose(fisherExactTwoSided(7, 17, 15, 5), 0.00576838675046995, 1e-10);
  });

  it('matches the R reference p-values in SciPy test_precise', () => {
    // Reference: scipy/stats/tests/test_stats.py, TestFisherExact.test_precise ("results from R"),
    // checked there to 11 decimals.
    const cases: [[number, number, number, number], number][] = [
      [[100, 2, 1000, 5], 1.300759363430016e-1],
      [[2, 7, 8, 2], 2.301413756522114e-2],
      [[5, 1, 10, 10], 1.97324414715719e-1],
      [[5, 15, 20, 20], 9.580440012477637e-2],
      [[5, 16, 20, 25], 1.725864953812994e-1],
      [[10, 5, 10, 1], 1.97324414715719e-1],
      [[10, 5, 10, 0], 6.126482213438734e-2],
      [[5, 0, 1, 4], 4.761904761904762e-2],
      [[0, 5, 1, 4], 1],
      [[5, 1, 0, 4], 4.761904761904758e-2],
      [[0, 1, 3, 2], 1],
    ];
    for (const [[a, b, c, d], expected] of cases) {
      expect(fisherExactTwoSided(a, b, c, d)).toBeCloseTo(expected, 11);
    }
  });

  it('is the same for the transpose, a row swap and a column swap', () => {
    const tables: [number, number, number, number][] = [
      [2, 15, 10, 3],
      [7, 17, 15, 5],
      [120, 80, 95, 105],
      [1, 9, 11, 3],
    ];
    for (const [a, b, c, d] of tables) {
      const p = fisherExactTwoSided(a, b, c, d);
      expect(fisherExactTwoSided(a, c, b, d)).toBeCloseTo(p, 12); // transpose
      expect(fisherExactTwoSided(c, d, a, b)).toBeCloseTo(p, 12); // rows swapped
      expect(fisherExactTwoSided(b, a, d, c)).toBeCloseTo(p, 12); // columns swapped
    }
  });

  it('handles zero cells and empty margins', () => {
    // Reference: [[5, 0], [1, 4]] and [[0, 5], [1, 4]] as in SciPy test_precise above (R values);
    // [[0, 2], [6, 4]] → 0.4545454545 = 5/11 (SciPy TestFisherExact.test_basic).
    expect(fisherExactTwoSided(0, 2, 6, 4)).toBeCloseTo(5 / 11, 12);
    // A zero row or column total leaves one possible table: p = 1 (SciPy test_row_or_col_zero).
    expect(fisherExactTwoSided(0, 0, 5, 10)).toBe(1);
    expect(fisherExactTwoSided(5, 10, 0, 0)).toBe(1);
    expect(fisherExactTwoSided(0, 5, 0, 10)).toBe(1);
    expect(fisherExactTwoSided(5, 0, 10, 0)).toBe(1);
    expect(fisherExactTwoSided(0, 0, 0, 0)).toBe(1);
  });

  it('is exact for a larger table, checked with exact rational arithmetic', () => {
    // [[120, 80], [95, 105]]: margins r1 = 200, c1 = 215, N = 400. In python3 with
    // fractions.Fraction and math.comb: P(x) = C(215, x)·C(185, 200 − x) / C(400, 200) for x in
    // 15..200, p = Σ P(x) over P(x) ≤ P(120)·(1 + 10⁻⁷) → 0.01598574593181205.
    expectRelClose(fisherExactTwoSided(120, 80, 95, 105), 0.01598574593181205, 1e-9);
  });

  it('does not overflow on large counts', () => {
    // Reference: SciPy TestFisherExact.test_large_numbers, "from R" to 4 significant digits:
    // [[17704, 496], [1065, 75|76|77]] → 5.56e-11, 2.666e-11, 1.363e-11;
    // [[18000, 80000], [20000, 90000]] → 0.2751.
    expectRelClose(fisherExactTwoSided(17704, 496, 1065, 75), 5.56e-11, 1e-3);
    expectRelClose(fisherExactTwoSided(17704, 496, 1065, 76), 2.666e-11, 1e-3);
    expectRelClose(fisherExactTwoSided(17704, 496, 1065, 77), 1.363e-11, 1e-3);
    expectRelClose(fisherExactTwoSided(18000, 80000, 20000, 90000), 0.2751, 1e-3);
  });

  it('rejects non-counts', () => {
    expect(() => fisherExactTwoSided(-1, 2, 3, 4)).toThrow(RangeError);
    expect(() => fisherExactTwoSided(1.5, 2, 3, 4)).toThrow(RangeError);
    expect(() => fisherExactTwoSided(1, 2, Number.NaN, 4)).toThrow(RangeError);
  });
});
