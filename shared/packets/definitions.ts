import { definitionsVersion } from '../config/parse.ts';
import type { ClientConfig } from '../config/schema.ts';
import {
  DRIFT_MINIMUM_WINS,
  METRIC_IDS,
  METRIC_REGISTRY,
  metricIdsOf,
  TREND_PERIODS,
} from '../metrics/registry.ts';
import { EMPLOYEE_BANDS } from '../metrics/segments.ts';
import type { Cadence } from '../time/periods.ts';

export interface DefinitionsAppendix {
  version: string;
  /** When a packet first used this version (absent when the packet was built without the store). */
  since?: string;
  /** Earlier versions and when each came into use, newest first. */
  history?: { version: string; since: string }[];
  /** True when a new version came into use during the packet's period (not the very first one). */
  changedInPeriod?: boolean;
  metrics: { id: string; label: string; meaning: string }[];
  rules: string[];
  /** Set when the packet was held: from when to when, why, and what released it. */
  held?: { since: string; until: string; reasons: string[]; releasedBy: string };
}

/**
 * The packet's definitions appendix: each metric's meaning in plain words with the client's own
 * values, the edge rules both teams agreed on, and the readings samepage chose where the design
 * left room (marked "samepage reads").
 */
export function definitionsAppendix(config: ClientConfig, cadence?: Cadence): DefinitionsAppendix {
  const metrics = new Map<string, { id: string; label: string; meaning: string }>();
  for (const id of cadence ? metricIdsOf(cadence) : METRIC_IDS) {
    const definition = METRIC_REGISTRY[id];
    const entryId = definition.appendixId ?? id;
    if (!metrics.has(entryId)) {
      const label = definition.appendixId ? definition.label.replace(/:.*$/, '') : definition.label;
      metrics.set(entryId, { id: entryId, label, meaning: definition.meaning(config) });
    }
  }
  return {
    version: definitionsVersion(config),
    metrics: [...metrics.values()],
    rules: [
      'Periods are half-open [start, end) in the client time zone; a fact exactly at a period end belongs to the next period. "N days" is N × 24 hours; "within N" includes N.',
      'A packet sees only facts dated at or before its as-of instant; attributes are their last values as of then, so a rebuilt packet gives the same numbers.',
      'Milestones are first entries: re-entering a stage after recycling does not move its time; no milestone is implied (straight to SQL never counts as MQL). A contact is created at its first contact event.',
      'A deal qualifies at the first moment the whole bar holds and keeps the amount it had then; it cannot qualify after it closed; entering a won stage qualifies it then if the rest of the bar holds. Deals in another currency are never qualified or summed unless converted (below).',
      'Channel and team come from the source through the channel mapping (case-insensitive); a deal without a source is credited through its first contact. Anything else is "unmapped" and shown in data health.',
      'Rates carry n and a 95% Wilson interval; under 10 cases they are a small sample and never "act" on their own.',
      `Employee bands: ${EMPLOYEE_BANDS.map((band) => band.label).join(', ')}. A missing attribute never fits the ICP.`,
      'samepage reads: a deal without a currency is in the client currency.',
      ...crmSetupRules(config),
      'samepage reads: a blank disqualification reason is no reason, so it is never the top reason; for monthly and quarterly packets the streak counts the weeks ending with the last full week of the period.',
      'samepage reads: an SQL counts for MQL→SQL only at or after the MQL time.',
      `samepage reads: ICP drift is judged only when this period and the baseline each have at least ${DRIFT_MINIMUM_WINS} wins; with fewer the PSI is printed but gets no status. Candidates to add to or remove from the ICP need ${config.icpCandidateMinDeals} deals or more.`,
      "samepage reads: owners are named through the roster (people); an owner id the roster does not know is shown as its id and listed in data health. Findings are ranked by evidence: differences tested with Fisher's exact test (at least 10 cases on each side; p < 0.05 for a rate against its previous periods pooled, p < 0.05 ÷ the number of rows tested for a channel or segment against the rest of its dimension) by p-value, then a shifted ICP mix, then the reps behind most SLA breaches, then a rejection reason on top two weeks or more; at most 5, at most 2 of a kind.",
      `samepage reads: a trend shows the last ${TREND_PERIODS.weekly} weeks, ${TREND_PERIODS.monthly} months or ${TREND_PERIODS.quarterly} quarters; each earlier point is the value its stored packet printed, else the value recomputed from the facts this packet read (the 4 comparison periods), else blank.`,
      'samepage reads: an employee band is inside the ICP when it overlaps the ICP range; ICP add/remove candidates use the deals closed in the period.',
      'samepage reads: "breaching contacts by owner" counts contacts touched after their target and contacts untouched past their deadline; a clock untouched at exactly its deadline is breaching.',
      'samepage reads: stalled deals are judged at the period end, so a deal that closed after the period end is still listed if it had stalled by then; previous-period comparisons are computed with the facts known at the as-of instant.',
    ],
  };
}

/** The rules that depend on how the client's CRMs are set up: links, currencies, pipelines, regions. */
function crmSetupRules(config: ClientConfig): string[] {
  const rules = [
    "samepage reads: a merged record (a HubSpot or Pipedrive merge) and a converted Salesforce lead continue as the record they became, from the merge or conversion time on: one person, created when the first of them was, each milestone at its first entry in any of them, with the forms and activities of all; the channel is the first record's, other attributes the survivor's. A packet as of an earlier instant reads them apart, as they were. A converted lead's opportunity counts for the lead's cohort.",
    'samepage reads: a contact who joins a deal that has already qualified (a new stakeholder, a converted lead, a contact role added later) became an opportunity when it joined, so it counts for lead→opportunity if that is within the maturity window of its creation.',
    "samepage reads: a lead's own company facts (Salesforce Lead Industry, NumberOfEmployees, Country) count for its ICP fit where its company has none; a company takes them from its contacts where it lacks them; a deal's firmographics its company lacks are its first contact's.",
    "A deal stage that is none of the client's deal stages (a custom pipeline's stage id without a stage map entry) is kept: the deal stays open and short of the bar, and data health lists it until the source's stages map names it.",
  ];
  const regions = Object.entries(config.regions ?? {});
  if (regions.length > 0) {
    rules.push(
      `A record with a country but no region takes the region of its country: ${regions
        .map(([region, countries]) => `${region} (${countries.join(', ')})`)
        .join('; ')}.`,
    );
  }
  if (config.pipelines) {
    rules.push(
      `Only deals in the pipelines ${config.pipelines.count.map((name) => `"${name}"`).join(', ')} count (a deal without a pipeline counts); deals in other pipelines are in no metric and are counted in data health.`,
    );
  }
  const rates = Object.entries(config.exchangeRates ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  rules.push(
    rates.length > 0
      ? `A deal in another currency is converted to ${config.currency} at finance's plan rate for the fiscal year in which the amount counts (qualification for created pipeline and the bar's minimum, close for won and lost, the as-of instant for open amounts): ${rates
          .map(
            ([year, table]) =>
              `${year}: ${Object.entries(table)
                .map(([currency, rate]) => `1 ${currency} = ${rate} ${config.currency}`)
                .join(', ')}`,
          )
          .join(
            '; ',
          )}. Without a plan rate, the CRM's own home-currency amount is used where it sends one; otherwise the deal is not summed and data health lists it.`
      : `A deal in another currency is converted to ${config.currency} by the CRM's own home-currency amount where it sends one (HubSpot's amount in home currency); the config sets no plan rates. Otherwise the deal is not summed and data health lists it.`,
  );
  return rules;
}
