import type { ClientConfig, MetricOwner } from '../config/schema.ts';
import { type Cadence, type Period, targetPace } from '../time/periods.ts';
import { EMPLOYEE_BANDS } from './segments.ts';
import type { MetricValue } from './types.ts';

/**
 * One entry per metric id of the packet contract (DESIGN.md contract 3): what it is called, its
 * unit and the unit of each breakdown, who owns it when the thresholds do not say, where each
 * packet shows it, what it means in plain words with the client's values, and its target. The
 * packet's sections, owners, targets and definitions appendix are all derived from here, so a
 * metric is added with one entry here and its function in `metrics/`.
 */

export const ICP_DIMENSIONS = ['industry', 'employees', 'region', 'seniority'] as const;
export type IcpDimension = (typeof ICP_DIMENSIONS)[number];

export type MetricUnit = 'currency' | 'count' | 'ratio' | 'business_minutes' | 'psi';

/** The families of breakdown keys (`<family>:<value>`, DESIGN.md contract 3). */
export type BreakdownFamily = 'channel' | 'team' | 'segment' | 'reason' | 'owner' | 'amount' | 'snapshot';

/** The meeting each packet feeds (DESIGN.md "Packets"). */
export const MEETINGS: Record<Cadence, string> = {
  weekly: 'pipeline council',
  monthly: 'source and segment review',
  quarterly: 'ICP and comp review',
};

/** One period of each cadence, in words. */
export const PERIOD_WORDS: Record<Cadence, string> = {
  weekly: 'week',
  monthly: 'month',
  quarterly: 'quarter',
};

/** How many periods a trend shows, this one included: a quarter of weeks, a year of months, two years of quarters. */
export const TREND_PERIODS: Record<Cadence, number> = { weekly: 13, monthly: 12, quarterly: 8 };

/** The sections of each packet, in the order they are printed: the meeting it feeds decides them. */
export const SECTIONS = {
  weekly: [
    { id: 'pipeline', title: 'Qualified pipeline created and closed' },
    { id: 'leads', title: 'MQL pace and MQL → SQL' },
    { id: 'speed', title: 'Speed to lead' },
    { id: 'rejections', title: 'Rejections' },
    { id: 'stalled', title: 'Stalled deals' },
    { id: 'forecast', title: "This quarter's forecast" },
  ],
  monthly: [
    { id: 'conversion', title: 'Conversion by channel and segment' },
    { id: 'revenue', title: 'Pipeline to revenue by team' },
    { id: 'quality', title: 'Channel quality: rejections' },
  ],
  quarterly: [
    { id: 'icp', title: 'ICP against closed-won' },
    { id: 'targets', title: 'Pipeline and conversion against target by team' },
    { id: 'forecast', title: 'Forecast against what closed' },
  ],
} as const satisfies Record<Cadence, readonly { id: string; title: string }[]>;

export type SectionId = (typeof SECTIONS)[Cadence][number]['id'];
type SectionOf<C extends Cadence> = (typeof SECTIONS)[C][number]['id'];

export interface MetricDefinition {
  label: string;
  unit: MetricUnit;
  /** The unit of a breakdown family when it is not the metric's own (a count of breaches under a rate). */
  breakdownUnits?: Partial<Record<BreakdownFamily, MetricUnit>>;
  /** Who acts on it when the client's thresholds do not name an owner. */
  owner: MetricOwner;
  /**
   * The packets that carry it, when not every packet does. A metric about a whole ended fiscal
   * quarter (forecast accuracy) is the quarterly packet's: a weekly packet would have to read two
   * quarters back for a number it does not show.
   */
  cadences?: readonly Cadence[];
  /** The section each packet shows it in; a cadence without one keeps it in the JSON and the CSV only. */
  sections: {
    weekly?: SectionOf<'weekly'>;
    monthly?: SectionOf<'monthly'>;
    quarterly?: SectionOf<'quarterly'>;
  };
  /** Its meaning in plain words, with the client's own values (the definitions appendix). */
  meaning: (config: ClientConfig) => string;
  /** The id the appendix prints it under: metrics that share one meaning share one entry. */
  appendixId?: string;
  /** Its target for one period, where the config sets one. */
  target?: (period: Period, config: ClientConfig) => number | undefined;
  /**
   * Its status by a rule of its own, when the client's thresholds name none for it (forecast
   * accuracy: "two quarters in a row within the tolerance").
   */
  status?: (metric: Pick<MetricValue, 'value' | 'n' | 'notes'>) => {
    status: 'good' | 'watch' | 'act' | 'none';
    reason?: string;
  };
  /** What the records it lists are (its items' ids name them). */
  items?: 'contact' | 'deal' | 'candidate';
  /** A ratio that is not a share of cases (forecast accuracy): no small-sample mark by its n. */
  notARate?: true;
  /** What its notes say, in sentences a reader can act on (never the notes' keys). */
  remarks?: (metric: Pick<MetricValue, 'value' | 'n' | 'notes'>, words: Words) => string[];
}

/** What a remark may use to say a value: the packet's own labels and number formats. */
export interface Words {
  /** A breakdown key in words (`reason:no budget` → `No budget`). */
  label: (key: string) => string;
  /** `week`, `month` or `quarter`. */
  period: string;
  /** `p = 0.46`. */
  p: (value: number) => string;
  /** An amount in the client's currency: `$412,000`. */
  amount: (value: number) => string;
  /** A ratio as a percentage: `47.3%`. */
  percent: (value: number) => string;
}

const money = (amount: number, currency: string) => `${amount.toLocaleString('en-US')} ${currency}`;

const REQUIRED_FIELD_WORDS: Record<ClientConfig['qualification']['requireFields'][number], string> = {
  amount: 'an amount',
  companyId: 'a company',
  contactIds: 'a contact',
  owner: 'an owner',
  source: 'a source',
  currency: 'a currency',
};

function qualificationBar(config: ClientConfig): string {
  const { qualification: bar, currency } = config;
  const required = bar.requireFields.map((field) => REQUIRED_FIELD_WORDS[field]);
  return `stage at or past "${bar.stage}" (or won), amount at least ${money(bar.minAmount, currency)}${
    required.length > 0 ? `, with ${required.join(', ')}` : ''
  }, in ${currency}`;
}

function icpRule(config: ClientConfig): string {
  return Object.entries(config.icp)
    .map(([dimension, rule]) =>
      Array.isArray(rule) ? `${dimension} in ${rule.join(', ')}` : `${dimension} ${rule.min}–${rule.max}`,
    )
    .join('; ');
}

/** The MQL target for one period of a cadence: per month, × 12 ÷ 52 a week, × 3 a quarter. */
export function mqlTarget(cadence: Cadence, perMonth: number): number {
  return cadence === 'weekly' ? (perMonth * 12) / 52 : cadence === 'monthly' ? perMonth : perMonth * 3;
}

/** How a forecast moved since a week before: "up $23,625 from $423,625 a week before". */
function weekChange(value: number | null, notes: MetricValue['notes'], words: Words): string {
  const weekBefore = Number(notes?.weekBefore ?? 0);
  const change = (value ?? 0) - weekBefore;
  return Math.round(change) === 0
    ? 'unchanged from a week before'
    : `${change > 0 ? 'up' : 'down'} ${words.amount(Math.abs(change))} from ${words.amount(weekBefore)} a week before`;
}

/** The weighted forecast's remark: what was won so far, the week's change, deals counted at 0. */
function weightedForecastRemarks(
  { value, notes }: Pick<MetricValue, 'value' | 'notes'>,
  words: Words,
): string[] {
  const without = Number(notes?.withoutProbability ?? 0);
  return [
    `${notes?.quarter}: ${words.amount(Number(notes?.won ?? 0))} won so far; ${weekChange(value, notes, words)}${without > 0 ? `; ${without} open ${without === 1 ? 'deal' : 'deals'} without a probability counted at 0` : ''}.`,
  ];
}

/** The commit forecast's remark: what the open commit deals add to the wins, and the week's change. */
function commitForecastRemarks(
  { value, notes }: Pick<MetricValue, 'value' | 'notes'>,
  words: Words,
): string[] {
  const open = (value ?? 0) - Number(notes?.won ?? 0);
  return [
    `${words.amount(open)} in open commit deals on top of what was won; ${weekChange(value, notes, words)}.`,
  ];
}

const FIXED_METRICS = {
  'qpc.created.amount': {
    label: 'Qualified pipeline created',
    unit: 'currency',
    owner: 'both',
    sections: { weekly: 'pipeline', monthly: 'revenue', quarterly: 'targets' },
    meaning: (config) =>
      `Sum of the amount of deals that first met the qualification bar (${qualificationBar(config)}) during the period, taken at that moment. Compared with the mean of up to 4 previous periods and with the target pace (${money(config.targets.qpcPerQuarter, config.currency)} per fiscal quarter, pro rata by days).`,
    target: (period, config) => targetPace(period, config.targets.qpcPerQuarter, config),
  },
  'qpc.created.count': {
    label: 'Qualified deals created',
    unit: 'count',
    owner: 'both',
    sections: { weekly: 'pipeline' },
    meaning: () => 'Number of deals that first met the qualification bar during the period.',
  },
  'qpc.won.amount': {
    label: 'Qualified pipeline won',
    unit: 'currency',
    owner: 'both',
    sections: { weekly: 'pipeline', monthly: 'revenue' },
    meaning: () => 'Amount at close of qualified deals that closed won during the period.',
  },
  'qpc.lost.amount': {
    label: 'Qualified pipeline lost',
    unit: 'currency',
    owner: 'both',
    sections: { weekly: 'pipeline', monthly: 'revenue' },
    meaning: () => 'Amount at close of qualified deals that closed lost during the period.',
  },
  'qpc.win_rate': {
    label: 'Win rate of qualified deals',
    unit: 'ratio',
    owner: 'both',
    sections: { weekly: 'pipeline', monthly: 'revenue', quarterly: 'targets' },
    meaning: () => 'Won ÷ closed, by count, among qualified deals that closed during the period.',
  },
  'pipeline_to_revenue.rate': {
    label: 'Pipeline converted to revenue',
    unit: 'ratio',
    breakdownUnits: { amount: 'ratio' },
    owner: 'sales',
    sections: { monthly: 'revenue', quarterly: 'targets' },
    meaning: (config) =>
      `Of the deals qualified in the period moved back ${config.cycles.salesCycleDays} days, the share closed won within ${config.cycles.salesCycleDays} days of qualifying (by count; the amount share is in the breakdown).`,
  },
  'mql.count': {
    label: 'MQLs',
    unit: 'count',
    owner: 'marketing',
    sections: { weekly: 'leads', monthly: 'conversion', quarterly: 'targets' },
    meaning: (config) =>
      `Contacts that first became MQL during the period, against a pace of ${config.targets.mqlPerMonth} a month (weekly: × 12 ÷ 52).`,
    target: (period, config) => mqlTarget(period.cadence, config.targets.mqlPerMonth),
  },
  'mql_to_sql.rate': {
    label: 'MQL to SQL',
    unit: 'ratio',
    owner: 'marketing',
    sections: { weekly: 'leads', monthly: 'conversion', quarterly: 'targets' },
    meaning: (config) =>
      `Of the contacts that became MQL in the period moved back ${config.cycles.maturityDays} days, the share that became SQL within ${config.cycles.maturityDays} days after.`,
  },
  'lead_to_opp.rate': {
    label: 'Lead to opportunity',
    unit: 'ratio',
    owner: 'marketing',
    sections: { monthly: 'conversion', quarterly: 'targets' },
    meaning: (config) =>
      `Of the contacts created in the period moved back ${config.cycles.maturityDays} days, the share that became an opportunity (their own stage, or a qualified deal listing them) within ${config.cycles.maturityDays} days.`,
  },
  'sla.within_rate': {
    label: 'Leads touched within the SLA',
    unit: 'ratio',
    breakdownUnits: { owner: 'count' },
    owner: 'sales',
    sections: { weekly: 'speed' },
    items: 'contact',
    meaning: ({ sla }) =>
      `Clocks start at a contact's first high-intent form (${sla.highIntentForms.join(', ') || 'none configured'}; target ${sla.highIntentBusinessMinutes} business minutes) or else at its MQL time (target ${sla.firstTouchBusinessMinutes}). Touched within target ÷ (touched + untouched past the deadline), for clocks started in the period. Untouched before the deadline are pending: listed, not counted. The breakdown counts the breaching contacts of each owner.`,
    remarks: ({ notes }) => {
      const breaching = Number(notes?.breaching ?? 0);
      const pending = Number(notes?.pending ?? 0);
      return [
        `${breaching} ${breaching === 1 ? 'contact' : 'contacts'} breached the SLA; ${pending} still within their deadline and not yet touched.`,
      ];
    },
  },
  'sla.median_business_minutes': {
    label: 'Median speed to lead',
    unit: 'business_minutes',
    owner: 'sales',
    sections: { weekly: 'speed' },
    meaning: () => 'Median business minutes from clock start to the first activity, over touched contacts.',
  },
  'sla.p90_business_minutes': {
    label: '90th percentile speed to lead',
    unit: 'business_minutes',
    owner: 'sales',
    sections: { weekly: 'speed' },
    meaning: () => '90th percentile of the same (R type 7).',
  },
  'rejections.count': {
    label: 'Leads rejected by sales',
    unit: 'count',
    owner: 'sales',
    sections: { weekly: 'rejections', monthly: 'quality' },
    meaning: () =>
      'Contacts disqualified during the period, by reason; the streak is how many weeks in a row the top reason has been on top.',
    remarks: ({ n, notes }, words) => {
      const top = notes?.topReason;
      const weeks = Number(notes?.topReasonStreakWeeks ?? 0);
      if (typeof top !== 'string') return n > 0 ? ['No rejection in the last full week gave a reason.'] : [];
      return [
        `Top reason: ${words.label(`reason:${top}`)}, on top ${weeks === 1 ? 'in the last full week' : `${weeks} weeks in a row`}.`,
      ];
    },
  },
  'rejections.missing_reason_share': {
    label: 'Rejections without a reason',
    unit: 'ratio',
    owner: 'sales',
    sections: { weekly: 'rejections', monthly: 'quality' },
    meaning: () => 'Share of those disqualifications without a reason.',
  },
  'stalled.count': {
    label: 'Stalled qualified deals',
    unit: 'count',
    owner: 'sales',
    items: 'deal',
    sections: { weekly: 'stalled' },
    meaning: (config) =>
      `Qualified deals open at the period end whose stage has not changed for ${config.cycles.stallDays} days or more.`,
  },
  'stalled.amount': {
    label: 'Stalled pipeline',
    unit: 'currency',
    owner: 'sales',
    sections: { weekly: 'stalled' },
    meaning: () => 'Current amount of those deals.',
  },
  'icp.fit_rate.closed_won': {
    label: 'Won deals that fit the ICP',
    unit: 'ratio',
    owner: 'both',
    sections: { quarterly: 'icp' },
    meaning: (config) =>
      `Share of deals won in the period (all of them, also under the minimum amount) that fit the ICP (${icpRule(config)}).`,
  },
  'icp.fit_rate.leads': {
    label: 'New leads that fit the ICP',
    unit: 'ratio',
    owner: 'both',
    sections: { quarterly: 'icp' },
    meaning: () => 'Share of contacts created in the period that fit the ICP.',
  },
  'icp.fit_rate.qpc': {
    label: 'Qualified pipeline that fits the ICP',
    unit: 'ratio',
    owner: 'both',
    sections: { quarterly: 'icp' },
    meaning: () => 'Share of deals qualified in the period that fit the ICP.',
  },
  'icp.breadth': {
    label: 'New companies inside the ICP (breadth)',
    unit: 'ratio',
    owner: 'both',
    sections: { quarterly: 'icp' },
    meaning: () =>
      'Share of companies first seen in the period that fit the ICP on firmographics alone. Above 0.8 the ICP is a wish list, not a filter.',
  },
  'icp.outbound_adherence': {
    label: 'Outbound leads that fit the ICP',
    unit: 'ratio',
    owner: 'both',
    sections: { quarterly: 'icp' },
    meaning: () => 'Share of contacts created in the period and credited to the sales team that fit the ICP.',
  },
  'icp.win_rate.in': {
    label: 'Win rate inside the ICP',
    unit: 'ratio',
    owner: 'both',
    sections: { quarterly: 'icp' },
    meaning: () =>
      'Won ÷ closed among qualified deals closed in the period that fit the ICP; the Fisher exact two-sided p-value compares it with the rate outside.',
    // Said once, here: the same p belongs to the rate outside the ICP.
    remarks: ({ notes }, words) => {
      const p = notes?.fisherP;
      if (typeof p !== 'number') return [];
      return [
        p < 0.05
          ? `ICP deals and the others win at different rates, beyond chance (Fisher exact test, ${words.p(p)}).`
          : `No evidence that ICP deals win more often than the others (Fisher exact test, ${words.p(p)}).`,
      ];
    },
  },
  'icp.win_rate.out': {
    label: 'Win rate outside the ICP',
    unit: 'ratio',
    owner: 'both',
    sections: { quarterly: 'icp' },
    meaning: () => 'Won ÷ closed among qualified deals closed in the period that do not fit the ICP.',
  },
  'forecast.weighted': {
    label: 'Weighted forecast',
    unit: 'currency',
    owner: 'sales',
    sections: { weekly: 'forecast' },
    items: 'deal',
    meaning: (config) =>
      `For the current fiscal quarter, as of the packet's as-of instant (an earlier week in a trend: as of its end): won amount closed in the quarter so far, plus the amount × probability of each deal open then whose expected close date is in the quarter. A deal's probability is its own, else the stage's probability in the config${
        Object.keys(config.forecast?.stageProbabilities ?? {}).length > 0
          ? ` (${Object.entries(config.forecast?.stageProbabilities ?? {})
              .map(([stage, p]) => `${stage} ${Math.round(p * 100)}%`)
              .join(', ')})`
          : ''
      }, else 0 (counted in its notes). Compared with the bookings target where the config sets one. Listed: the deals that moved it most since a week before (won, lost, slipped out of the quarter, pulled in, added, re-weighted).`,
    target: (_period, config) => config.targets.bookingsPerQuarter,
    remarks: weightedForecastRemarks,
  },
  'forecast.commit': {
    label: 'Commit forecast',
    unit: 'currency',
    owner: 'sales',
    sections: { weekly: 'forecast' },
    meaning: () =>
      'As the weighted forecast, but counting only deals in the commit category, at their whole amount, on top of what was won.',
    target: (_period, config) => config.targets.bookingsPerQuarter,
    remarks: commitForecastRemarks,
  },
  'forecast.accuracy': {
    label: 'Forecast accuracy',
    unit: 'ratio',
    breakdownUnits: { snapshot: 'ratio' },
    owner: 'sales',
    cadences: ['quarterly'],
    sections: { quarterly: 'forecast' },
    items: 'deal',
    notARate: true,
    meaning: (config) =>
      `For the last ended fiscal quarter: 1 − |F − A| ÷ A, where A is the won amount closed in the quarter and F the weighted forecast as it stood at the mid-quarter snapshot. Snapshots: the first business day on or after the quarter's start, on or after start + 6 weeks and on or after start + 12 weeks, each at ${config.schedules.weekly.at} local time; the other snapshots and the commit forecast are in the breakdown. Good when this quarter and the one before are both within ${Math.round((config.forecast?.accuracyTolerance ?? 0.1) * 100)}% of what closed. Accuracy is floored at 0% (a forecast off by more than what was won); the bias says by how much. No accuracy when nothing was won. Listed: the deals that moved the number most after the mid-quarter snapshot (slipped past the quarter or lost: their weighted amount then; pulled in from a later date or won without being forecast: their won amount).`,
    remarks: ({ value, notes }, words) => {
      if (value === null) return [`${notes?.quarter}: nothing was won, so there is no accuracy to judge.`];
      const tolerance = words.percent(Number(notes?.tolerance ?? 0.1));
      const before = notes?.previousAccuracy;
      return [
        `${notes?.quarter}: ${words.amount(Number(notes?.forecastAtMid ?? 0))} forecast at mid-quarter against ${words.amount(Number(notes?.actual ?? 0))} won.`,
        `${notes?.previousQuarter}: ${typeof before === 'number' ? words.percent(before) : 'no accuracy (nothing won)'}; ${notes?.twoInARow === 1 ? 'two quarters in a row' : 'not two quarters in a row'} within ${tolerance}.`,
      ];
    },
    status: ({ value, notes }) => {
      if (value === null) return { status: 'none', reason: 'nothing was won in the quarter' };
      const tolerance = Number(notes?.tolerance ?? 0.1);
      if (value < 1 - tolerance) return { status: 'act' };
      return notes?.twoInARow === 1
        ? { status: 'good' }
        : { status: 'watch', reason: 'within the tolerance this quarter, not the one before' };
    },
  },
  'forecast.bias': {
    label: 'Forecast bias',
    unit: 'ratio',
    breakdownUnits: { snapshot: 'ratio' },
    owner: 'sales',
    cadences: ['quarterly'],
    sections: { quarterly: 'forecast' },
    notARate: true,
    meaning: () =>
      '(F − A) ÷ A at the same snapshots: above 0 the quarter was over-forecast, below 0 under-forecast.',
    remarks: ({ value }, words) =>
      value === null
        ? []
        : [`${value > 0 ? 'Over' : 'Under'}-forecast by ${words.percent(Math.abs(value))} at mid-quarter.`],
  },
} as const satisfies Record<string, MetricDefinition>;

/** Fewer wins than this on either side and a PSI says more about chance than about the ICP. */
export const DRIFT_MINIMUM_WINS = 10;

function readableBand(band: unknown): string {
  return typeof band === 'string' ? band.charAt(0).toUpperCase() + band.slice(1) : 'Not judged';
}

/** Each ICP dimension in words. */
export const DIMENSION_WORDS: Record<IcpDimension, string> = {
  industry: 'industry',
  employees: 'company size',
  region: 'region',
  seniority: 'seniority',
};

function driftDefinition(dimension: IcpDimension): MetricDefinition {
  return {
    label: `ICP drift: ${DIMENSION_WORDS[dimension]}`,
    unit: 'psi',
    breakdownUnits: { segment: 'ratio' },
    owner: 'both',
    sections: { quarterly: 'icp' },
    appendixId: 'icp.drift.<dimension>',
    items: 'candidate',
    remarks: ({ n, notes }, words) => {
      const before = Number(notes?.baselineWins ?? 0);
      const band = notes?.band;
      if (n < DRIFT_MINIMUM_WINS || before < DRIFT_MINIMUM_WINS) {
        return [
          `Not judged: ${n} ${n === 1 ? 'win' : 'wins'} this ${words.period} and ${before} in the 4 before; drift needs at least ${DRIFT_MINIMUM_WINS} on each side.`,
        ];
      }
      const meaning =
        band === 'shifted'
          ? `this ${words.period}'s wins come from a clearly different mix than before`
          : band === 'moderate'
            ? 'the mix of wins has moved somewhat'
            : 'the mix of wins is about the same as before';
      return [
        `${readableBand(band)}: ${meaning} (${n} wins now, ${before} in the 4 previous ${words.period}s).`,
      ];
    },
    meaning: (config) =>
      `Population stability index between the dimension's mix among deals won in the period and among deals won in the 4 previous periods: below 0.1 stable, 0.1–0.25 moderate, above 0.25 shifted. Empty bins count as 0.0001. Not judged when either side has fewer than 10 wins. Values outside the ICP that won (candidates to add) and ICP values closed without a win (candidates to remove) are listed from ${config.icpCandidateMinDeals} deals up. Employee bands: ${EMPLOYEE_BANDS.map((band) => band.label).join(', ')}.`,
  };
}

export type FixedMetricId = keyof typeof FIXED_METRICS;
export type MetricId = FixedMetricId | `icp.drift.${IcpDimension}`;

export const METRIC_REGISTRY: Readonly<Record<MetricId, MetricDefinition>> = {
  ...FIXED_METRICS,
  'icp.drift.industry': driftDefinition('industry'),
  'icp.drift.employees': driftDefinition('employees'),
  'icp.drift.region': driftDefinition('region'),
  'icp.drift.seniority': driftDefinition('seniority'),
};

/** Every metric id of the packet contract, in the registry's order. */
export const METRIC_IDS = Object.keys(METRIC_REGISTRY) as MetricId[];

/** The metric ids a cadence's packet carries, in the registry's order. */
export function metricIdsOf(cadence: Cadence): MetricId[] {
  return METRIC_IDS.filter((id) => METRIC_REGISTRY[id].cadences?.includes(cadence) ?? true);
}

export function isMetricId(id: string): id is MetricId {
  return Object.hasOwn(METRIC_REGISTRY, id);
}

/** The metrics a cadence's packet shows, section by section, in registry order. */
export function sectionsOf(cadence: Cadence): { id: SectionId; title: string; metrics: MetricId[] }[] {
  return SECTIONS[cadence].map((section) => ({
    id: section.id,
    title: section.title,
    metrics: METRIC_IDS.filter((id) => METRIC_REGISTRY[id].sections[cadence] === section.id),
  }));
}

/** The unit of one breakdown row: its family's own unit where the registry gives one. */
export function breakdownUnit(id: MetricId, key: string): MetricUnit {
  const definition = METRIC_REGISTRY[id];
  const family = key.slice(0, key.indexOf(':')) as BreakdownFamily;
  return definition.breakdownUnits?.[family] ?? definition.unit;
}
