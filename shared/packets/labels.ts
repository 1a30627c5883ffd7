import { DateTime } from 'luxon';
import type { ClientConfig } from '../config/schema.ts';
import { MISSING_REASON } from '../metrics/funnel.ts';
import { UNASSIGNED } from '../metrics/people.ts';
import { DIMENSION_WORDS, type IcpDimension } from '../metrics/registry.ts';
import { UNMAPPED } from '../metrics/views.ts';
import type { Packet } from './packet.ts';

/** The words a packet uses for the values it shows: the client's own labels first, else a readable form. */
export type LabelDefinitions = Pick<ClientConfig, 'labels' | 'people'>;

const SYSTEM_NAMES: Record<string, string> = {
  hubspot: 'HubSpot',
  salesforce: 'Salesforce',
  pipedrive: 'Pipedrive',
  generic: 'CRM',
};

/** Words CRMs store in lower case that a reader expects in capitals (seniority picklists). */
const CAPITALS: Record<string, string> = {
  vp: 'VP',
  svp: 'SVP',
  evp: 'EVP',
  c_level: 'C-level',
  'c-level': 'C-level',
  ceo: 'CEO',
  cfo: 'CFO',
  cmo: 'CMO',
  cto: 'CTO',
  coo: 'COO',
  cro: 'CRO',
};

/** `paid_search` → `Paid search`, `no budget` → `No budget`, `vp` → `VP`; text with capitals is kept as written. */
export function readable(value: string): string {
  if (/[A-Z]/.test(value)) return value;
  const known = CAPITALS[value.trim()];
  if (known) return known;
  const words = value.replace(/[_-]+/g, ' ').trim();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** HubSpot's default sales pipeline: its internal stage ids and the labels HubSpot shows for them. */
const HUBSPOT_DEFAULT_STAGES: Record<string, string> = {
  appointmentscheduled: 'Appointment scheduled',
  qualifiedtobuy: 'Qualified to buy',
  presentationscheduled: 'Presentation scheduled',
  decisionmakerboughtin: 'Decision maker bought-in',
  contractsent: 'Contract sent',
  closedwon: 'Closed won',
  closedlost: 'Closed lost',
};

/** A deal stage in words: the client's label, HubSpot's label for its default stage ids, else readable. */
export function stageLabel(stage: string, config: LabelDefinitions): string {
  return config.labels.stages?.[stage] ?? HUBSPOT_DEFAULT_STAGES[stage] ?? readable(stage);
}

/** `Fri, Nov 27, 12:30` from an ISO instant with its offset (the client's local time). */
export function localTime(iso: string): string {
  return DateTime.fromISO(iso, { setZone: true }).toFormat('ccc, LLL d, HH:mm');
}

export function systemName(system: string): string {
  return SYSTEM_NAMES[system] ?? readable(system);
}

/** A segment value: the client's label, employee bands as `200–999 employees`, else readable. */
export function segmentValueLabel(dimension: IcpDimension, value: string, config: LabelDefinitions): string {
  const labelled = config.labels.values?.[value];
  if (labelled) return labelled;
  if (dimension === 'employees') return `${value.replace('-', '–')} employees`;
  return readable(value);
}

/** `hubspot:31000101` (an owner the roster does not know) → `HubSpot user 31000101`. */
export function unknownOwnerLabel(key: string): string {
  const separator = key.indexOf(':');
  return `${systemName(key.slice(0, separator))} user ${key.slice(separator + 1)}`;
}

/** `hubspot:12345678` (a deal stage no stage map names) → `HubSpot stage "12345678"`. */
export function unmappedStageLabel(key: string): string {
  const separator = key.indexOf(':');
  return `${systemName(key.slice(0, separator))} stage "${key.slice(separator + 1)}"`;
}

/** `EUR:plan-rate` → `EUR at the plan rate`; `EUR:home-amount` → `EUR by the CRM's home-currency amount`. */
export function conversionLabel(key: string): string {
  const [currency, how] = key.split(':');
  return `${currency} ${how === 'plan-rate' ? 'at the plan rate' : "by the CRM's home-currency amount"}`;
}

/** `hubspot:1002936` → `HubSpot contact 1002936`; a generic record is named by its id alone. */
export function recordName(entity: 'contact' | 'deal' | 'company', id: string): string {
  const separator = id.indexOf(':');
  const system = id.slice(0, separator);
  const own = id.slice(separator + 1);
  return system === 'generic' ? `${entity} ${own}` : `${systemName(system)} ${entity} ${own}`;
}

/**
 * The words for a breakdown key of the packet contract: `channel:paid_search` → `Paid search`,
 * `segment:region=North America` → `Region: North America`, `reason:(missing)` → `No reason given`,
 * `owner:Dana Reyes` → `Dana Reyes`, `owner:hubspot:31000101` → `HubSpot user 31000101`.
 */
export function keyLabel(key: string, config: LabelDefinitions): string {
  const separator = key.indexOf(':');
  const family = key.slice(0, separator);
  const value = key.slice(separator + 1);
  switch (family) {
    case 'channel':
      return config.labels.channels?.[value] ?? (value === UNMAPPED ? 'Unmapped source' : readable(value));
    case 'team':
      return (
        config.labels.teams?.[value] ??
        (value === UNMAPPED ? 'No team (unmapped source)' : `${readable(value)} team`)
      );
    case 'reason':
      return value === MISSING_REASON
        ? 'No reason given'
        : (config.labels.reasons?.[value] ?? readable(value));
    case 'owner':
      if (value === UNASSIGNED) return 'Unassigned';
      return isRosterName(value, config) ? value : unknownOwnerLabel(value);
    case 'segment': {
      const equals = value.indexOf('=');
      const dimension = value.slice(0, equals) as IcpDimension;
      return `${readable(DIMENSION_WORDS[dimension] ?? dimension)}: ${segmentValueLabel(dimension, value.slice(equals + 1), config)}`;
    }
    case 'amount':
      return 'Share of the qualified amount';
    case 'snapshot': {
      // `snapshot:weighted-mid` → "Weighted, mid-quarter"
      const [variant = '', moment = ''] = value.split('-');
      const when = { first: 'first day', mid: 'mid-quarter', late: 'week 12' }[moment] ?? moment;
      return `${readable(variant)}, ${when}`;
    }
    default:
      return readable(value);
  }
}

export function isRosterName(name: string, config: Pick<ClientConfig, 'people'>): boolean {
  return config.people.some((person) => person.name === name);
}

/** `Nov 9–15` for a week, `October 2026` for a month, the fiscal quarter's label for a quarter. */
export function shortPeriod(packet: Pick<Packet, 'cadence' | 'period'>): string {
  if (packet.cadence !== 'weekly') return packet.period.label.replace(/ \(.*\)$/, '');
  const start = DateTime.fromISO(packet.period.start, { setZone: true });
  const last = DateTime.fromISO(packet.period.end, { setZone: true }).minus({ days: 1 });
  const from = start.toFormat('LLL d');
  return start.month === last.month ? `${from}–${last.toFormat('d')}` : `${from}–${last.toFormat('LLL d')}`;
}

/**
 * A packet's period as a heading: `Week of Nov 23–29, 2026` (the year its last day is in: `Week of
 * Dec 28–Jan 3, 2027`), else its label (`October 2026`).
 */
export function periodHeading(packet: Pick<Packet, 'cadence' | 'period'>): string {
  if (packet.cadence !== 'weekly') return packet.period.label;
  const year = DateTime.fromISO(packet.period.end, { setZone: true }).minus({ days: 1 }).year;
  return `Week of ${shortPeriod(packet)}, ${year}`;
}

/** A local calendar date in words: `2026-10-03` → `Oct 3, 2026`. */
export function calendarDate(isoDate: string): string {
  const date = DateTime.fromISO(isoDate);
  return date.isValid ? date.toFormat('LLL d, yyyy') : isoDate;
}
