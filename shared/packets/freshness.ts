import { DateTime } from 'luxon';
import type { ClientConfig, SourceName } from '../config/schema.ts';
import { SOURCE_NAMES } from '../config/schema.ts';
import type { Window } from '../metrics/window.ts';
import type { SourceActivity } from '../ports/store.ts';
import { businessMinutesBetween } from '../time/business-time.ts';
import { formatNumber } from './format.ts';

/**
 * Is each configured source still delivering? A packet built on a source that went silent is held
 * or carries a banner (the source's `onSilence`), so nobody reads "fewer MQLs" when the truth is
 * "the HubSpot app was uninstalled".
 */

/**
 * The longest silence, in business hours, before a source counts as broken, by kind: a CRM's app
 * webhooks and outbound messages fire on every record change, so a business day without one is
 * already unusual; workflows, forms and the generic endpoint fire on rarer events (an enrolment,
 * a submission), so they get three business days.
 */
export const DEFAULT_MAX_SILENCE_BUSINESS_HOURS: Readonly<Record<SourceName, number>> = {
  hubspot: 8,
  salesforce: 8,
  pipedrive: 8,
  'hubspot-workflow': 24,
  typeform: 24,
  generic: 24,
};

/** Below this many deliveries in the period, a quarantine share is not judged (1 of 2 is not a spike). */
export const QUARANTINE_SHARE_MIN_DELIVERIES = 5;

export const SOURCE_NAMES_IN_WORDS: Readonly<Record<SourceName, string>> = {
  hubspot: 'HubSpot',
  'hubspot-workflow': 'HubSpot workflows',
  salesforce: 'Salesforce',
  pipedrive: 'Pipedrive',
  typeform: 'Typeform',
  generic: 'The generic endpoint',
};

/** What a source's facts feed, in words a reader of the banner acts on. */
function feeds(source: SourceName, config: Pick<ClientConfig, 'sources'>): string {
  switch (source) {
    case 'typeform':
      return 'speed to lead (its form submissions start the clocks) and the leads they create';
    case 'hubspot-workflow':
      return `the ${config.sources['hubspot-workflow']?.objectType ?? 'contact'} records its workflows send`;
    default:
      return 'every number here (its contacts, deals and activities)';
  }
}

export type FreshnessState = 'fresh' | 'silent' | 'quarantining' | 'no-deliveries';

export interface SourceFreshness {
  source: SourceName;
  name: string;
  state: FreshnessState;
  /** What the packet does while the source is broken. */
  policy: 'hold' | 'warn';
  /** The client's local time of the last delivery (ISO with offset). */
  lastDeliveryAt?: string;
  lastEventAt?: string;
  /** Deliveries in the packet's period. */
  accepted: number;
  quarantined: number;
  quarantineShare?: number;
  /** Business hours from the last delivery to the as-of instant. */
  silentBusinessHours?: number;
  maxSilenceBusinessHours: number;
  /** What the source feeds, in words. */
  feeds: string;
  /** The data-health line: "HubSpot: last delivery Mon 07:12, 1,204 accepted, 3 quarantined". */
  line: string;
}

type FreshnessDefinitions = Pick<ClientConfig, 'sources' | 'timezone' | 'businessHours' | 'freshness'>;

/** Local days ("2026-11-30") of a period: its start's date up to, not including, its end's. */
function daysOf(period: Window, timezone: string): string[] {
  const days: string[] = [];
  let day = DateTime.fromMillis(period.start, { zone: timezone }).startOf('day');
  const end = DateTime.fromMillis(period.end, { zone: timezone });
  while (day < end) {
    days.push(day.toISODate() as string);
    day = day.plus({ days: 1 });
  }
  return days;
}

function sumOver(byDay: Record<string, number>, days: readonly string[]): number {
  return days.reduce((sum, day) => sum + (byDay[day] ?? 0), 0);
}

/** `Mon 07:12` within the last week of `asOf`, else `Nov 3 07:12`. */
function shortTime(at: number, asOf: number, timezone: string): string {
  const local = DateTime.fromMillis(at, { zone: timezone });
  return local.toFormat(asOf - at < 6 * 24 * 3_600_000 ? 'ccc HH:mm' : 'LLL d HH:mm');
}

/** Hours as business days when the length reaches a business day ("2.5 business days"), else hours. */
export function businessSpan(hours: number, config: Pick<ClientConfig, 'businessHours'>): string {
  const [startHour = 0, startMinute = 0] = config.businessHours.start.split(':').map(Number);
  const [endHour = 0, endMinute = 0] = config.businessHours.end.split(':').map(Number);
  const day = endHour + endMinute / 60 - (startHour + startMinute / 60);
  if (hours >= day) {
    const days = Math.round((hours / day) * 10) / 10;
    return `${days} business day${days === 1 ? '' : 's'}`;
  }
  const rounded = Math.round(hours * 10) / 10;
  return `${rounded} business hour${rounded === 1 ? '' : 's'}`;
}

/**
 * The freshness of each configured source at `asOf`, with its deliveries in `period`. A source is
 * silent for a packet when it has not delivered for longer than its limit and its silence began
 * before the period ended. A source the config does not name is never judged. A source that never
 * delivered is listed, not judged: a new client's form may have had no submission yet.
 */
export function sourceFreshness(
  activity: readonly SourceActivity[],
  config: FreshnessDefinitions,
  period: Window,
  asOf: number,
): SourceFreshness[] {
  const days = daysOf(period, config.timezone);
  const configured = SOURCE_NAMES.filter((name) => config.sources[name] !== undefined);
  return configured.map((source) => {
    const settings = config.sources[source];
    const marker = activity.find((entry) => entry.source === source);
    const name = SOURCE_NAMES_IN_WORDS[source];
    const maxSilenceBusinessHours =
      settings?.maxSilenceBusinessHours ?? DEFAULT_MAX_SILENCE_BUSINESS_HOURS[source];
    const accepted = sumOver(marker?.acceptedByDay ?? {}, days);
    const quarantined = sumOver(marker?.quarantinedByDay ?? {}, days);
    const total = accepted + quarantined;
    const quarantineShare = total > 0 ? quarantined / total : undefined;
    const iso = (at: number | undefined) =>
      at === undefined
        ? undefined
        : (DateTime.fromMillis(at, { zone: config.timezone }).toISO() ?? undefined);
    const base = {
      source,
      name,
      policy: settings?.onSilence ?? 'warn',
      lastDeliveryAt: iso(marker?.lastDeliveryAt),
      lastEventAt: iso(marker?.lastEventAt),
      accepted,
      quarantined,
      ...(quarantineShare !== undefined ? { quarantineShare } : {}),
      maxSilenceBusinessHours,
      feeds: feeds(source, config),
    } as const;
    const counts = `${formatNumber(accepted, 'count')} accepted, ${formatNumber(quarantined, 'count')} quarantined`;
    const last = marker?.lastDeliveryAt;
    if (last === undefined) {
      return { ...base, state: 'no-deliveries', line: `${name}: no delivery yet` };
    }
    // A delivery after the as-of instant (a packet rebuilt later) proves the source was alive then.
    const silentBusinessHours = last >= asOf ? 0 : businessMinutesBetween(last, asOf, config) / 60;
    const withSilence = { ...base, silentBusinessHours };
    // A silence that began after the period ended left the period's facts complete: last month's
    // packet does not carry this week's outage.
    if (silentBusinessHours > maxSilenceBusinessHours && last < period.end) {
      return {
        ...withSilence,
        state: 'silent',
        line: `${name}: silent since ${shortTime(last, asOf, config.timezone)} (${businessSpan(silentBusinessHours, config)}; expected at most ${businessSpan(maxSilenceBusinessHours, config)}), ${counts}`,
      };
    }
    const { maxQuarantineShare } = config.freshness;
    if (
      quarantineShare !== undefined &&
      total >= QUARANTINE_SHARE_MIN_DELIVERIES &&
      quarantineShare > maxQuarantineShare
    ) {
      return {
        ...withSilence,
        state: 'quarantining',
        line: `${name}: ${formatNumber(quarantineShare, 'ratio')} of deliveries quarantined (${quarantined} of ${total}; at most ${formatNumber(maxQuarantineShare, 'ratio')}), last delivery ${shortTime(last, asOf, config.timezone)}`,
      };
    }
    return {
      ...withSilence,
      state: 'fresh',
      // A packet built after the fact (trend history) does not print a delivery from its future.
      line:
        last >= asOf
          ? `${name}: ${counts}`
          : `${name}: last delivery ${shortTime(last, asOf, config.timezone)}, ${counts}`,
    };
  });
}

/** The sources a packet must not be read without: silent or quarantining. */
export function brokenSources(sources: readonly SourceFreshness[]): SourceFreshness[] {
  return sources.filter((source) => source.state === 'silent' || source.state === 'quarantining');
}

/** Why a source is broken, in one sentence: for the banner, the hold record and the appendix. */
export function brokenReason(source: SourceFreshness): string {
  const what =
    source.state === 'silent'
      ? `${source.name} has been silent since ${source.lastDeliveryAt ? DateTime.fromISO(source.lastDeliveryAt, { setZone: true }).toFormat('ccc LLL d, HH:mm') : 'its setup'}`
      : `${source.name} had ${formatNumber(source.quarantineShare ?? 0, 'ratio')} of its deliveries quarantined (${source.quarantined} of ${source.accepted + source.quarantined})`;
  return `${what}; it feeds ${source.feeds}`;
}

/** The banner a packet built on a broken source carries at the top. */
export function freshnessBanner(sources: readonly SourceFreshness[]): string | undefined {
  const broken = brokenSources(sources);
  if (broken.length === 0) return undefined;
  return `Data may be incomplete. ${broken.map((source) => `${brokenReason(source)}.`).join(' ')}`;
}
