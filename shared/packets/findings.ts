import {
  DRIFT_MINIMUM_WINS,
  METRIC_REGISTRY,
  type MetricId,
  sectionsOf,
  type Words,
} from '../metrics/registry.ts';
import type { MetricValue } from '../metrics/types.ts';
import { fisherExactTwoSided, SMALL_SAMPLE } from '../stats/index.ts';
import type { Cadence } from '../time/periods.ts';
import { percent } from './format.ts';
import type { PacketMetric } from './packet.ts';

/**
 * A plain sentence at the top of a packet, with the numbers it rests on and the test behind it.
 * Ranked by evidence: tested differences by p-value first, then a shifted ICP mix, then the
 * reps behind most SLA breaches, then a rejection reason's streak (see FINDING_ORDER).
 */
export interface Finding {
  kind: 'rate_moved' | 'segment_differs' | 'icp_mix' | 'sla_breaches' | 'top_reason';
  metric: MetricId;
  text: string;
  numbers: Record<string, number | string>;
  test: { name: string; n: number; p?: number; smallSample?: boolean };
}

export const MAX_FINDINGS = 5;
/** A difference is reported when Fisher's exact test gives p below this. */
export const FINDING_P = 0.05;
/** At most this many findings of one kind, so one metric's many channels cannot fill the top. */
const PER_KIND = 2;
const FINDING_ORDER: Finding['kind'][] = [
  'rate_moved',
  'segment_differs',
  'icp_mix',
  'sla_breaches',
  'top_reason',
];

/** How a conversion metric's rows read in a sentence: `Partner referrals: 22% of leads became opportunities`. */
const CONVERSIONS: Partial<Record<MetricId, { from: string; verb: string }>> = {
  'lead_to_opp.rate': { from: 'leads', verb: 'became opportunities' },
  'mql_to_sql.rate': { from: 'MQLs', verb: 'became SQLs' },
};

const successes = (value: number | null, n: number) => Math.round((value ?? 0) * n);
const of = (s: number, n: number) => `${s} of ${n}`;

/** Rates of the meeting that moved beyond what their samples support, against the previous periods pooled. */
function ratesMoved(
  metrics: readonly PacketMetric[],
  history: readonly MetricValue[][],
  words: Words,
): Finding[] {
  const found: Finding[] = [];
  for (const metric of metrics) {
    // Only shares of cases can be tested as successes out of n (forecast accuracy is not one).
    if (metric.unit !== 'ratio' || METRIC_REGISTRY[metric.id].notARate) continue;
    if (metric.value === null || metric.n < SMALL_SAMPLE) continue;
    const earlier = history
      .map((run) => run.find((value) => value.id === metric.id))
      .filter((value): value is MetricValue => value !== undefined && value.value !== null);
    const before = earlier.reduce((sum, value) => sum + value.n, 0);
    if (before < SMALL_SAMPLE) continue;
    const wonBefore = earlier.reduce((sum, value) => sum + successes(value.value, value.n), 0);
    const now = successes(metric.value, metric.n);
    const p = fisherExactTwoSided(now, metric.n - now, wonBefore, before - wonBefore);
    if (p >= FINDING_P) continue;
    const direction = metric.value > wonBefore / before ? 'rose' : 'fell';
    const periods = earlier.length === 1 ? words.period : `${earlier.length} ${words.period}s`;
    found.push({
      kind: 'rate_moved',
      metric: metric.id,
      text: `${metric.label} ${direction} to ${percent(metric.value)} (${of(now, metric.n)}) from ${percent(wonBefore / before)} (${of(wonBefore, before)}) over the previous ${periods}; Fisher exact test, ${words.p(p)}.`,
      numbers: { successes: now, n: metric.n, previousSuccesses: wonBefore, previousN: before },
      test: {
        name: 'Fisher exact, this period against the previous periods pooled',
        n: metric.n + before,
        p,
      },
    });
  }
  return found;
}

/** A channel or segment of a conversion rate that differs from the rest of its dimension (n ≥ 10 on both sides). */
function segmentsDiffer(metrics: readonly PacketMetric[], words: Words): Finding[] {
  const found: Finding[] = [];
  for (const metric of metrics) {
    const conversion = CONVERSIONS[metric.id];
    if (!conversion) continue;
    const rows = metric.breakdown ?? [];
    // The rest is the other rows of the same dimension: a lead without the attribute is in none of them.
    const dimensionOf = (key: string) =>
      key.slice(0, key.includes('=') ? key.indexOf('=') : key.indexOf(':'));
    const tested: (Finding & { test: { p: number } })[] = [];
    for (const row of rows) {
      if (!row.key.startsWith('channel:') && !row.key.startsWith('segment:')) continue;
      const siblings = rows.filter(
        (other) => other !== row && dimensionOf(other.key) === dimensionOf(row.key),
      );
      const restN = siblings.reduce((sum, other) => sum + other.n, 0);
      if (row.n < SMALL_SAMPLE || restN < SMALL_SAMPLE) continue;
      // With two rows in a dimension, the second against the rest is the first's table again: test it once.
      const [only] = siblings;
      if (siblings.length === 1 && tested.some((finding) => finding.numbers.key === only?.key)) continue;
      const s = successes(row.value, row.n);
      const restS = siblings.reduce((sum, other) => sum + successes(other.value, other.n), 0);
      const p = fisherExactTwoSided(s, row.n - s, restS, restN - restS);
      tested.push({
        kind: 'segment_differs',
        metric: metric.id,
        text: `${row.label} — ${percent(s / row.n)} of ${conversion.from} ${conversion.verb} (${of(s, row.n)}), against ${percent(restS / restN)} for the rest (${of(restS, restN)})`,
        numbers: { key: row.key, successes: s, n: row.n, restSuccesses: restS, restN },
        test: { name: 'Fisher exact, this row against the rest of its dimension', n: row.n + restN, p },
      });
    }
    // Many rows are tested at once: Bonferroni keeps the chance of one false finding per metric under 5%.
    const bar = FINDING_P / Math.max(1, tested.length);
    for (const finding of tested) {
      if (finding.test.p >= bar) continue;
      const compared = tested.length > 1 ? `, ${tested.length} rows compared` : '';
      found.push({
        ...finding,
        text: `${finding.text}; Fisher exact test, ${words.p(finding.test.p)}${compared}.`,
        test: { ...finding.test, name: `${finding.test.name}, Bonferroni over ${tested.length} rows` },
      });
    }
  }
  return found;
}

/** The ICP value whose share of wins moved most, in each dimension whose drift could be judged and moved. */
function icpMix(metrics: readonly PacketMetric[], words: Words): Finding[] {
  const found: Finding[] = [];
  for (const metric of metrics) {
    if (metric.unit !== 'psi') continue;
    const band = metric.notes?.band;
    const before = Number(metric.notes?.baselineWins ?? 0);
    if (metric.n < DRIFT_MINIMUM_WINS || before < DRIFT_MINIMUM_WINS) continue;
    if (band !== 'shifted' && band !== 'moderate') continue;
    const moved = [...(metric.breakdown ?? [])]
      .filter((row) => row.baseline !== undefined)
      .sort(
        (a, b) =>
          Math.abs((b.value ?? 0) - (b.baseline?.value ?? 0)) -
          Math.abs((a.value ?? 0) - (a.baseline?.value ?? 0)),
      )[0];
    if (!moved?.baseline) continue;
    const value = moved.label.slice(moved.label.indexOf(': ') + 2);
    const direction = (moved.value ?? 0) > moved.baseline.value ? 'up' : 'down';
    found.push({
      kind: 'icp_mix',
      metric: metric.id,
      text: `${value} is ${percent(moved.value ?? 0)} of this ${words.period}'s wins (${of(moved.n, metric.n)}), ${direction} from ${percent(moved.baseline.value)} (${of(moved.baseline.n, before)}) in the previous 4 ${words.period}s: ${metric.label.toLowerCase().replace('icp drift: ', '')} mix ${band}.`,
      numbers: {
        key: moved.key,
        n: moved.n,
        wins: metric.n,
        baselineN: moved.baseline.n,
        baselineWins: before,
        psi: metric.value ?? 0,
      },
      test: {
        name: `population stability index ${metric.value?.toFixed(2)} (${band})`,
        n: metric.n + before,
      },
    });
  }
  return found;
}

/** The fewest reps, at most 3, behind at least half of the SLA breaches. */
function slaBreaches(metrics: readonly PacketMetric[]): Finding[] {
  const metric = metrics.find((candidate) => candidate.id === 'sla.within_rate');
  // Most breaches first, so the first people who cover half are the fewest who do.
  const rows = (metric?.breakdown ?? [])
    .filter((row) => row.key.startsWith('owner:'))
    .sort((a, b) => b.n - a.n);
  const total = rows.reduce((sum, row) => sum + row.n, 0);
  if (!metric || total < 3) return [];
  const behind: typeof rows = [];
  let covered = 0;
  for (const row of rows) {
    if (covered * 2 >= total || behind.length === 3) break;
    behind.push(row);
    covered += row.n;
  }
  if (covered * 2 < total) return [];
  // Each name carries its count only when there are several: "Ben Okafor accounts for 7 of the 14".
  const names = behind.map((row) => (behind.length === 1 ? `${row.label}` : `${row.label} (${row.n})`));
  const list = names.length === 1 ? names[0] : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  const small = total < SMALL_SAMPLE;
  return [
    {
      kind: 'sla_breaches',
      metric: 'sla.within_rate',
      text: `${list} ${behind.length === 1 ? 'accounts' : 'account'} for ${covered} of the ${total} SLA breaches${small ? ` (a small sample: ${total} breaches)` : ''}.`,
      numbers: { breaches: total, covered, people: behind.length },
      test: { name: 'share of breaches', n: total, ...(small ? { smallSample: true } : {}) },
    },
  ];
}

/** The top rejection reason when it has been on top two weeks or more. */
function topReason(metrics: readonly PacketMetric[], words: Words): Finding[] {
  const metric = metrics.find((candidate) => candidate.id === 'rejections.count');
  const top = metric?.notes?.topReason;
  const weeks = Number(metric?.notes?.topReasonStreakWeeks ?? 0);
  if (!metric || typeof top !== 'string' || weeks < 2) return [];
  const row = metric.breakdown?.find((candidate) => candidate.key === `reason:${top}`);
  const small = metric.n < SMALL_SAMPLE;
  return [
    {
      kind: 'top_reason',
      metric: 'rejections.count',
      text: `"${words.label(`reason:${top}`)}" has been the top rejection reason ${weeks} weeks in a row; ${of(row?.n ?? 0, metric.n)} rejections this ${words.period}${small ? ' (a small sample)' : ''}.`,
      numbers: { reason: top, weeks, n: row?.n ?? 0, rejections: metric.n },
      test: { name: 'weeks in a row on top', n: metric.n, ...(small ? { smallSample: true } : {}) },
    },
  ];
}

/**
 * The packet's findings about the metrics its meeting reads: at most 5, strongest evidence first.
 * No finding is padded in: a packet where nothing stands out has none.
 */
export function findingsOf(input: {
  cadence: Cadence;
  metrics: readonly PacketMetric[];
  history: readonly MetricValue[][];
  words: Words;
}): Finding[] {
  const meeting = new Set(sectionsOf(input.cadence).flatMap((section) => section.metrics));
  const metrics = input.metrics.filter((metric) => meeting.has(metric.id));
  const all = [
    ...ratesMoved(metrics, input.history, input.words),
    ...segmentsDiffer(metrics, input.words),
    ...icpMix(metrics, input.words),
    ...slaBreaches(metrics),
    ...topReason(metrics, input.words),
  ];
  const ranked = all.sort(
    (a, b) =>
      (a.test.p ?? 1) - (b.test.p ?? 1) ||
      FINDING_ORDER.indexOf(a.kind) - FINDING_ORDER.indexOf(b.kind) ||
      b.test.n - a.test.n,
  );
  const perKind = new Map<string, number>();
  return ranked
    .filter((finding) => {
      const count = (perKind.get(finding.kind) ?? 0) + 1;
      perKind.set(finding.kind, count);
      return count <= PER_KIND;
    })
    .slice(0, MAX_FINDINGS);
}
