/**
 * Small, pure statistics used by the packet metrics (DESIGN.md, "Metrics (the exact meanings)"):
 * Wilson score intervals for rates, Fisher's exact test (R `fisher.test` two-sided convention),
 * the population stability index for ICP drift, and median / R type-7 quantiles.
 *
 * Invalid input (negative or non-finite counts, a probability outside [0, 1], NaN values) throws a
 * RangeError: these are programming errors, not data conditions. Data conditions with no answer
 * (no cases, no observations, no values) return `undefined`.
 */

/** The 97.5% standard normal quantile to 6 decimals (qnorm(0.975) = 1.959963984540054). */
export const WILSON_Z = 1.959964;

/** A rate over fewer than this many cases is a small sample. */
export const SMALL_SAMPLE = 10;

function assertCount(name: string, value: number): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  }
}

function assertWholeCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a whole number >= 0, got ${value}`);
  }
}

/**
 * 95% Wilson score interval for successes/n; undefined when n = 0. Returns [low, high] clamped to [0,1].
 *
 * low, high = (p̂ + z²/2n ∓ z·√(p̂(1−p̂)/n + z²/4n²)) / (1 + z²/n), with 0/n giving low = 0 and
 * n/n giving high = 1 exactly.
 */
export function wilsonInterval(successes: number, n: number, z = WILSON_Z): [number, number] | undefined {
  assertCount('n', n);
  assertCount('successes', successes);
  if (successes > n) throw new RangeError(`successes (${successes}) must not exceed n (${n})`);
  if (!Number.isFinite(z) || z <= 0) throw new RangeError(`z must be a finite number > 0, got ${z}`);
  if (n === 0) return undefined;
  const p = successes / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denominator;
  const low = successes === 0 ? 0 : Math.min(1, Math.max(0, centre - half));
  const high = successes === n ? 1 : Math.min(1, Math.max(0, centre + half));
  return [low, high];
}

/** R's relative tolerance when comparing table probabilities (fisher.test: relErr <- 1 + 10^(-7)). */
const FISHER_REL_ERR = 1 + 1e-7;

/**
 * Two-sided p-value of Fisher's exact test on [[a, b], [c, d]], R fisher.test convention: sum of the
 * probabilities of all tables with the same margins whose probability is <= the observed one's (with
 * R's relative tolerance 1 + 1e-7).
 *
 * The tables with the observed margins are indexed by their top-left cell x; P(x) is hypergeometric.
 * Log-probabilities up to a constant come from the exact ratio
 * P(x+1)/P(x) = (r1 − x)(c1 − x) / ((x + 1)(r2 − c1 + x + 1)), accumulated in log space, then shifted
 * so the most likely table has weight 1 (as R's dnhyper does), so nothing overflows and only tables
 * far below double precision relative to the mode underflow to 0.
 */
export function fisherExactTwoSided(a: number, b: number, c: number, d: number): number {
  assertWholeCount('a', a);
  assertWholeCount('b', b);
  assertWholeCount('c', c);
  assertWholeCount('d', d);
  const row1 = a + b;
  const row2 = c + d;
  const col1 = a + c;
  const lo = Math.max(0, col1 - row2);
  const hi = Math.min(row1, col1);
  const size = hi - lo + 1;
  if (size <= 1) return 1;

  const logWeights = new Float64Array(size);
  let max = 0;
  for (let i = 1; i < size; i++) {
    const x = lo + i - 1;
    const ratio = Math.log((row1 - x) * (col1 - x)) - Math.log((x + 1) * (row2 - col1 + x + 1));
    const value = (logWeights[i - 1] ?? 0) + ratio;
    logWeights[i] = value;
    if (value > max) max = value;
  }

  const observed = Math.exp((logWeights[a - lo] ?? 0) - max);
  const threshold = observed * FISHER_REL_ERR;
  let total = 0;
  let atMostObserved = 0;
  for (let i = 0; i < size; i++) {
    const weight = Math.exp((logWeights[i] ?? 0) - max);
    total += weight;
    if (weight <= threshold) atMostObserved += weight;
  }
  return Math.max(0, Math.min(1, atMostObserved / total));
}

/**
 * Population stability index between two mixes given as counts per value: Σ (pᵢ − qᵢ) ln(pᵢ / qᵢ) over
 * the union of values with count > 0 in either, shares from counts, an empty bin's share set to epsilon
 * (0.0001) WITHOUT renormalising. undefined when either side has no observations.
 *
 * p is the current share, q the baseline share. Values are summed in sorted key order so the result
 * does not depend on map insertion order.
 */
export function populationStabilityIndex(
  current: ReadonlyMap<string, number>,
  baseline: ReadonlyMap<string, number>,
  epsilon = 0.0001,
): number | undefined {
  if (!Number.isFinite(epsilon) || epsilon <= 0) {
    throw new RangeError(`epsilon must be a finite number > 0, got ${epsilon}`);
  }
  let currentTotal = 0;
  for (const [key, count] of current) {
    assertCount(`current count for ${JSON.stringify(key)}`, count);
    currentTotal += count;
  }
  let baselineTotal = 0;
  for (const [key, count] of baseline) {
    assertCount(`baseline count for ${JSON.stringify(key)}`, count);
    baselineTotal += count;
  }
  if (currentTotal === 0 || baselineTotal === 0) return undefined;

  const keys = new Set<string>();
  for (const [key, count] of current) if (count > 0) keys.add(key);
  for (const [key, count] of baseline) if (count > 0) keys.add(key);

  let psi = 0;
  for (const key of [...keys].sort()) {
    const currentCount = current.get(key) ?? 0;
    const baselineCount = baseline.get(key) ?? 0;
    const p = currentCount > 0 ? currentCount / currentTotal : epsilon;
    const q = baselineCount > 0 ? baselineCount / baselineTotal : epsilon;
    psi += (p - q) * Math.log(p / q);
  }
  return psi;
}

export type PsiBand = 'stable' | 'moderate' | 'shifted'; // < 0.1, 0.1–0.25, > 0.25 (0.1 and 0.25 themselves: moderate)

/** Band of a PSI value: < 0.1 stable, 0.1 to 0.25 inclusive moderate, > 0.25 shifted. */
export function psiBand(psi: number): PsiBand {
  if (Number.isNaN(psi)) throw new RangeError('psi must be a number, got NaN');
  if (psi < 0.1) return 'stable';
  if (psi > 0.25) return 'shifted';
  return 'moderate';
}

function sortedCopy(values: readonly number[]): number[] {
  for (const value of values) {
    if (!Number.isFinite(value)) throw new RangeError(`values must be finite numbers, got ${value}`);
  }
  return [...values].sort((x, y) => x - y);
}

/** Median; an even count takes the mean of the middle two. undefined for no values. */
export function median(values: readonly number[]): number | undefined {
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) return undefined;
  const mid = Math.floor(n / 2);
  const upper = sorted[mid] ?? 0;
  if (n % 2 === 1) return upper;
  const lower = sorted[mid - 1] ?? 0;
  return (lower + upper) / 2;
}

/**
 * Quantile by R's default (type 7, linear interpolation between order statistics). undefined for no values.
 *
 * Mirrors R's quantile.default for type 7: index = 1 + (n − 1)·p (1-based), lo = ⌊index⌋, hi = ⌈index⌉,
 * result = (1 − h)·x[lo] + h·x[hi] with h = index − lo, and x[lo] itself when h = 0 or x[hi] = x[lo].
 */
export function quantile(values: readonly number[], p: number): number | undefined {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`p must be in [0, 1], got ${p}`);
  const sorted = sortedCopy(values);
  const n = sorted.length;
  if (n === 0) return undefined;
  const index = 1 + (n - 1) * p; // 1-based, as R computes it, so h rounds the same way
  const lo = Math.floor(index);
  const hi = Math.ceil(index);
  const atLo = sorted[lo - 1] ?? 0;
  const atHi = sorted[hi - 1] ?? 0;
  const h = index - lo;
  if (h === 0 || atHi === atLo) return atLo;
  return (1 - h) * atLo + h * atHi;
}
