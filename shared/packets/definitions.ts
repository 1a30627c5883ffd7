import { definitionsVersion } from '../config/parse.ts';
import type { ClientConfig } from '../config/schema.ts';
import { EMPLOYEE_BANDS } from '../metrics/segments.ts';

export interface DefinitionsAppendix {
  version: string;
  /** When a packet first used this version (absent when the packet was built without the store). */
  since?: string;
  /** Earlier versions and when each came into use, newest first. */
  history?: { version: string; since: string }[];
  /** True when a new version came into use during the packet's period (not the very first one). */
  changedInPeriod?: boolean;
  metrics: { id: string; meaning: string }[];
  rules: string[];
}

const money = (amount: number, currency: string) => `${amount.toLocaleString('en-US')} ${currency}`;

/**
 * The packet's definitions appendix: each metric's meaning in plain words with the client's own
 * values, the edge rules both teams agreed on, and the readings samepage chose where the design
 * left room (marked "samepage reads").
 */
export function definitionsAppendix(config: ClientConfig): DefinitionsAppendix {
  const { qualification: bar, cycles, sla, targets, currency } = config;
  const barText = `stage at or past "${bar.stage}" (or won), amount at least ${money(bar.minAmount, currency)}${
    bar.requireFields.length > 0 ? `, with ${bar.requireFields.join(', ')} filled in` : ''
  }, in ${currency}`;
  const icpText = Object.entries(config.icp)
    .map(([dimension, rule]) =>
      Array.isArray(rule) ? `${dimension} in ${rule.join(', ')}` : `${dimension} ${rule.min}–${rule.max}`,
    )
    .join('; ');
  return {
    version: definitionsVersion(config),
    metrics: [
      {
        id: 'qpc.created.amount',
        meaning: `Sum of the amount of deals that first met the qualification bar (${barText}) during the period, taken at that moment. Compared with the mean of up to 4 previous periods and with the target pace (${money(targets.qpcPerQuarter, currency)} per fiscal quarter, pro rata by days).`,
      },
      {
        id: 'qpc.created.count',
        meaning: 'Number of deals that first met the qualification bar during the period.',
      },
      {
        id: 'qpc.won.amount',
        meaning: 'Amount at close of qualified deals that closed won during the period.',
      },
      {
        id: 'qpc.lost.amount',
        meaning: 'Amount at close of qualified deals that closed lost during the period.',
      },
      {
        id: 'qpc.win_rate',
        meaning: 'Won ÷ closed, by count, among qualified deals that closed during the period.',
      },
      {
        id: 'pipeline_to_revenue.rate',
        meaning: `Of the deals qualified in the period moved back ${cycles.salesCycleDays} days, the share closed won within ${cycles.salesCycleDays} days of qualifying (by count; the amount share is in the breakdown).`,
      },
      {
        id: 'mql.count',
        meaning: `Contacts that first became MQL during the period, against a pace of ${targets.mqlPerMonth} a month (weekly: × 12 ÷ 52).`,
      },
      {
        id: 'mql_to_sql.rate',
        meaning: `Of the contacts that became MQL in the period moved back ${cycles.maturityDays} days, the share that became SQL within ${cycles.maturityDays} days after.`,
      },
      {
        id: 'lead_to_opp.rate',
        meaning: `Of the contacts created in the period moved back ${cycles.maturityDays} days, the share that became an opportunity (their own stage, or a qualified deal listing them) within ${cycles.maturityDays} days.`,
      },
      {
        id: 'sla.within_rate',
        meaning: `Clocks start at a contact's first high-intent form (${sla.highIntentForms.join(', ') || 'none configured'}; target ${sla.highIntentBusinessMinutes} business minutes) or else at its MQL time (target ${sla.firstTouchBusinessMinutes}). Touched within target ÷ (touched + untouched past the deadline), for clocks started in the period. Untouched before the deadline are pending: listed, not counted.`,
      },
      {
        id: 'sla.median_business_minutes',
        meaning: 'Median business minutes from clock start to the first activity, over touched contacts.',
      },
      { id: 'sla.p90_business_minutes', meaning: '90th percentile of the same (R type 7).' },
      {
        id: 'rejections.count',
        meaning:
          'Contacts disqualified during the period, by reason; the streak is how many weeks in a row the top reason has been on top.',
      },
      {
        id: 'rejections.missing_reason_share',
        meaning: 'Share of those disqualifications without a reason.',
      },
      {
        id: 'stalled.count',
        meaning: `Qualified deals open at the period end whose stage has not changed for ${cycles.stallDays} days or more.`,
      },
      { id: 'stalled.amount', meaning: 'Current amount of those deals.' },
      {
        id: 'icp.fit_rate.closed_won',
        meaning: `Share of deals won in the period (all of them, also under the minimum amount) that fit the ICP (${icpText}).`,
      },
      { id: 'icp.fit_rate.qpc', meaning: 'Share of deals qualified in the period that fit the ICP.' },
      { id: 'icp.fit_rate.leads', meaning: 'Share of contacts created in the period that fit the ICP.' },
      {
        id: 'icp.breadth',
        meaning:
          'Share of companies first seen in the period that fit the ICP on firmographics alone. Above 0.8 the ICP is a wish list, not a filter.',
      },
      {
        id: 'icp.outbound_adherence',
        meaning: 'Share of contacts created in the period and credited to the sales team that fit the ICP.',
      },
      {
        id: 'icp.win_rate.in',
        meaning:
          'Won ÷ closed among qualified deals closed in the period that fit the ICP; the Fisher exact two-sided p-value compares it with the rate outside.',
      },
      {
        id: 'icp.win_rate.out',
        meaning: 'Won ÷ closed among qualified deals closed in the period that do not fit the ICP.',
      },
      {
        id: 'icp.drift.<dimension>',
        meaning:
          "Population stability index between the dimension's mix among deals won in the period and among deals won in the 4 previous periods: below 0.1 stable, 0.1–0.25 moderate, above 0.25 shifted. Empty bins count as 0.0001.",
      },
    ],
    rules: [
      'Periods are half-open [start, end) in the client time zone; a fact exactly at a period end belongs to the next period. "N days" is N × 24 hours; "within N" includes N.',
      'A packet sees only facts dated at or before its as-of instant; attributes are their last values as of then, so a rebuilt packet gives the same numbers.',
      'Milestones are first entries: re-entering a stage after recycling does not move its time; no milestone is implied (straight to SQL never counts as MQL). A contact is created at its first contact event.',
      'A deal qualifies at the first moment the whole bar holds and keeps the amount it had then; it cannot qualify after it closed; entering a won stage qualifies it then if the rest of the bar holds. Deals in another currency are never qualified or summed.',
      'Channel and team come from the source through the channel mapping (case-insensitive); a deal without a source is credited through its first contact. Anything else is "unmapped" and shown in data health.',
      'Rates carry n and a 95% Wilson interval; under 10 cases they are a small sample and never "act" on their own.',
      `Employee bands: ${EMPLOYEE_BANDS.map((band) => band.label).join(', ')}. A missing attribute never fits the ICP.`,
      'samepage reads: a deal without a currency is in the client currency.',
      'samepage reads: a blank disqualification reason is no reason, so it is never the top reason; for monthly and quarterly packets the streak counts the weeks ending with the last full week of the period.',
      'samepage reads: an SQL counts for MQL→SQL only at or after the MQL time.',
      'samepage reads: an employee band is inside the ICP when it overlaps the ICP range; ICP add/remove candidates use the deals closed in the period.',
      'samepage reads: "breaching contacts by owner" counts contacts touched after their target and contacts untouched past their deadline; a clock untouched at exactly its deadline is breaching.',
      'samepage reads: stalled deals are judged at the period end, so a deal that closed after the period end is still listed if it had stalled by then; previous-period comparisons are computed with the facts known at the as-of instant.',
    ],
  };
}
