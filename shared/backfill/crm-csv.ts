import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import type { ClientConfig } from '../config/schema.ts';
import type { ImportRow } from '../ingest/import.ts';
import { mapLifecycle } from '../sources/mapping.ts';
import { enumName, exportNumber, exportTime, internalName, salesforceId18 } from './values.ts';

/**
 * CRM report exports (CSV) as backfill rows of generic events. Column names follow the CRMs'
 * default export headers; each can be renamed with a column map. Ids keep their CRM system
 * (`hubspot:123`, `salesforce:0015…`), so live webhooks of the same records land on the same
 * entities, and the same facts at the same times change nothing.
 */

export const CSV_KINDS = [
  'hubspot-contacts',
  'hubspot-companies',
  'hubspot-deals',
  'salesforce-leads',
  'salesforce-contacts',
  'salesforce-accounts',
  'salesforce-opportunities',
  'salesforce-stage-history',
] as const;
export type CsvKind = (typeof CSV_KINDS)[number];

/** Default column headers per kind: the key is samepage's, the value the export's header. */
export const DEFAULT_COLUMNS: Record<CsvKind, Record<string, string>> = {
  'hubspot-contacts': {
    id: 'Record ID',
    created: 'Create Date',
    modified: 'Last Modified Date',
    email: 'Email',
    title: 'Job Title',
    seniority: 'Seniority',
    source: 'Original Source',
    owner: 'Contact owner',
    companyId: 'Associated Company ID',
    lifecycle: 'Lifecycle Stage',
    leadStatus: 'Lead Status',
    reason: 'Disqualification Reason',
    'milestone:lead': 'Became a Lead Date',
    'milestone:mql': 'Became a Marketing Qualified Lead Date',
    'milestone:sql': 'Became a Sales Qualified Lead Date',
    'milestone:opportunity': 'Became an Opportunity Date',
    'milestone:customer': 'Became a Customer Date',
  },
  'hubspot-companies': {
    id: 'Record ID',
    created: 'Create Date',
    modified: 'Last Modified Date',
    name: 'Company name',
    domain: 'Company Domain Name',
    industry: 'Industry',
    employees: 'Number of Employees',
    country: 'Country/Region',
    region: 'Region',
  },
  'hubspot-deals': {
    id: 'Record ID',
    created: 'Create Date',
    modified: 'Last Modified Date',
    closed: 'Close Date',
    stage: 'Deal Stage',
    amount: 'Amount',
    currency: 'Currency',
    pipeline: 'Pipeline',
    owner: 'Deal owner',
    source: 'Original Source',
    reason: 'Closed Lost Reason',
    companyId: 'Associated Company IDs',
    contactIds: 'Associated Contact IDs',
  },
  'salesforce-leads': {
    id: 'Lead ID',
    created: 'Created Date',
    modified: 'Last Modified Date',
    email: 'Email',
    title: 'Title',
    source: 'Lead Source',
    owner: 'Lead Owner',
    lifecycle: 'Lead Status',
    reason: 'Disqualification Reason',
  },
  'salesforce-contacts': {
    id: 'Contact ID',
    created: 'Created Date',
    modified: 'Last Modified Date',
    email: 'Email',
    title: 'Title',
    source: 'Lead Source',
    owner: 'Contact Owner',
    companyId: 'Account ID',
  },
  'salesforce-accounts': {
    id: 'Account ID',
    created: 'Created Date',
    modified: 'Last Modified Date',
    name: 'Account Name',
    domain: 'Website',
    industry: 'Industry',
    employees: 'Employees',
    country: 'Billing Country',
    region: 'Region',
  },
  'salesforce-opportunities': {
    id: 'Opportunity ID',
    created: 'Created Date',
    modified: 'Last Modified Date',
    closed: 'Close Date',
    stage: 'Stage',
    amount: 'Amount',
    currency: 'Opportunity Currency',
    owner: 'Opportunity Owner',
    source: 'Lead Source',
    reason: 'Loss Reason',
    companyId: 'Account ID',
    contactIds: 'Contact ID',
  },
  'salesforce-stage-history': {
    id: 'Opportunity ID',
    stage: 'To Stage',
    at: 'Last Modified',
  },
};

/** HubSpot's "Original Source" labels → the values its webhooks send (and channels match). */
const HUBSPOT_SOURCES: Record<string, string> = {
  'Organic Search': 'ORGANIC_SEARCH',
  'Paid Search': 'PAID_SEARCH',
  'Email Marketing': 'EMAIL_MARKETING',
  'Organic Social': 'SOCIAL_MEDIA',
  'Social Media': 'SOCIAL_MEDIA',
  Referrals: 'REFERRALS',
  'Other Campaigns': 'OTHER_CAMPAIGNS',
  'Direct Traffic': 'DIRECT_TRAFFIC',
  'Offline Sources': 'OFFLINE',
  'Paid Social': 'PAID_SOCIAL',
  'AI Referrals': 'AI_REFERRALS',
};

/** Guesses the kind from the header row; undefined when no kind's id and creation columns are all there. */
export function detectKind(headers: readonly string[]): CsvKind | undefined {
  const has = (column: string) => headers.includes(column);
  if (has('Record ID')) {
    if (has('Deal Stage')) return 'hubspot-deals';
    if (has('Company name') || has('Company Domain Name')) return 'hubspot-companies';
    if (has('Email') || has('Lifecycle Stage')) return 'hubspot-contacts';
  }
  if (has('Opportunity ID')) return has('To Stage') ? 'salesforce-stage-history' : 'salesforce-opportunities';
  if (has('Lead ID')) return 'salesforce-leads';
  if (has('Contact ID')) return 'salesforce-contacts';
  if (has('Account ID') && has('Account Name')) return 'salesforce-accounts';
  return undefined;
}

type Record_ = Readonly<Record<string, string>>;
type GenericEvent = Record<string, unknown>;

interface RowContext {
  config: Pick<ClientConfig, 'timezone' | 'lifecycle'>;
  columns: Record<string, string>;
}

class RowError extends Error {}

function reader(record: Record_, context: RowContext) {
  const cell = (key: string): string | undefined => {
    const column = context.columns[key];
    const value = column === undefined ? undefined : record[column]?.trim();
    return value === '' ? undefined : value;
  };
  const time = (key: string): string | undefined => {
    const value = cell(key);
    if (value === undefined) return undefined;
    const iso = exportTime(value, context.config.timezone);
    if (!iso) throw new RowError(`${context.columns[key]}: "${value}" is not a date`);
    return iso;
  };
  const number = (key: string): number | undefined => {
    const value = exportNumber(cell(key));
    if (value !== undefined && Number.isNaN(value))
      throw new RowError(`${context.columns[key]}: "${cell(key)}" is not a number`);
    return value;
  };
  return { cell, time, number };
}

/** Drops undefined fields, so "absent" keeps the last value (contract 2). */
function event(fields: GenericEvent): GenericEvent {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

function convert(kind: CsvKind, record: Record_, context: RowContext): GenericEvent[] {
  const { cell, time, number } = reader(record, context);
  const system = kind.startsWith('hubspot') ? 'hubspot' : 'salesforce';
  const rawId = cell('id');
  if (!rawId) throw new RowError(`${context.columns.id}: missing`);
  // Salesforce reports export 15-character ids; its outbound messages send the 18-character form.
  const normal = (value: string) => (system === 'salesforce' ? salesforceId18(value.trim()) : value.trim());
  const id = `${system}:${normal(rawId)}`;
  const ref = (value: string | undefined) => {
    const first = value?.split(/[;,]/)[0]?.trim();
    return first ? `${system}:${normal(first)}` : undefined;
  };
  const created = time('created');
  const at = time('modified') ?? created;
  const source = (value: string | undefined) =>
    value && system === 'hubspot' ? (HUBSPOT_SOURCES[value] ?? value) : value;

  switch (kind) {
    case 'hubspot-companies':
    case 'salesforce-accounts': {
      if (!at) throw new RowError(`${context.columns.created}: missing`);
      const domain = cell('domain')
        ?.replace(/^https?:\/\//, '')
        .replace(/^www\./, '')
        .replace(/\/.*$/, '');
      return [
        ...(created && created !== at ? [{ type: 'company', id, at: created }] : []),
        event({
          type: 'company',
          id,
          at,
          name: cell('name'),
          domain,
          industry: cell('industry'),
          employees: number('employees'),
          country: cell('country'),
          region: cell('region'),
        }),
      ];
    }
    case 'hubspot-contacts':
    case 'salesforce-leads':
    case 'salesforce-contacts': {
      if (!at || !created) throw new RowError(`${context.columns.created}: missing`);
      const events: GenericEvent[] = [
        { type: 'contact', id, at: created },
        event({
          type: 'contact',
          id,
          at,
          email: cell('email'),
          title: cell('title'),
          seniority: cell('seniority'),
          source: source(cell('source')),
          owner: cell('owner'),
          companyId: ref(cell('companyId')),
          reason: cell('reason'),
        }),
      ];
      for (const [key] of Object.entries(context.columns).filter(([key]) => key.startsWith('milestone:'))) {
        const entered = time(key);
        if (entered) events.push({ type: 'contact', id, at: entered, stage: key.slice('milestone:'.length) });
      }
      // The current lifecycle or lead status, when it maps to a stage, as of the last change.
      for (const label of [cell('lifecycle'), cell('leadStatus')]) {
        if (!label) continue;
        const stage =
          mapLifecycle(context.config, label) ??
          mapLifecycle(context.config, internalName(label)) ??
          mapLifecycle(context.config, enumName(label));
        if (stage && !events.some((item) => item.stage === stage))
          events.push({ type: 'contact', id, at, stage });
      }
      return events;
    }
    case 'hubspot-deals':
    case 'salesforce-opportunities': {
      if (!at || !created) throw new RowError(`${context.columns.created}: missing`);
      const label = cell('stage');
      const stage = label === undefined ? undefined : system === 'hubspot' ? internalName(label) : label;
      const closing = stage !== undefined && time('closed');
      const contacts = cell('contactIds')
        ?.split(/[;,]/)
        .filter((value) => value.trim() !== '')
        .map((value) => `${system}:${normal(value)}`);
      return [
        { type: 'deal', id, at: created },
        event({
          type: 'deal',
          id,
          at,
          amount: number('amount'),
          currency: cell('currency'),
          pipeline: cell('pipeline'),
          owner: cell('owner'),
          source: source(cell('source')),
          reason: cell('reason'),
          companyId: ref(cell('companyId')),
          contactIds: contacts,
        }),
        // A closed stage enters at its close date, any other at the last change.
        ...(stage
          ? [{ type: 'deal', id, at: closing && /closed|won|lost/i.test(stage) ? closing : at, stage }]
          : []),
      ];
    }
    case 'salesforce-stage-history': {
      const entered = time('at');
      const stage = cell('stage');
      if (!entered || !stage)
        throw new RowError(`${context.columns.at} and ${context.columns.stage} are required`);
      return [{ type: 'deal', id, at: entered, stage }];
    }
  }
}

/**
 * Reads a CRM export as import rows. Columns the kind does not use are reported once, so a
 * RevOps lead sees what was ignored; a row that cannot be read is kept out with its line number.
 */
export async function* crmCsvRows(
  input: Readable,
  options: {
    kind?: CsvKind;
    config: Pick<ClientConfig, 'timezone' | 'lifecycle'>;
    columns?: Record<string, string>;
    onIgnoredColumns?: (columns: string[]) => void;
  },
): AsyncIterable<ImportRow> {
  const parser = input.pipe(
    parse({
      columns: true,
      bom: true,
      skip_empty_lines: true,
      relax_column_count: true,
      info: true,
      trim: true,
    }),
  );
  let context: RowContext | undefined;
  let kind = options.kind;
  for await (const { record, info } of parser as AsyncIterable<{
    record: Record_;
    info: { lines: number };
  }>) {
    if (!context) {
      const headers = Object.keys(record);
      kind ??= detectKind(headers);
      if (!kind)
        throw new Error(
          `cannot tell which CRM export this is from its columns (${headers.slice(0, 6).join(', ')}…): pass --kind`,
        );
      const columns = { ...DEFAULT_COLUMNS[kind], ...options.columns };
      const used = new Set(Object.values(columns));
      options.onIgnoredColumns?.(headers.filter((header) => !used.has(header)));
      context = { config: options.config, columns };
    }
    try {
      yield { line: info.lines, events: convert(kind as CsvKind, record, context) };
    } catch (error) {
      if (!(error instanceof RowError)) throw error;
      yield { line: info.lines, problem: error.message };
    }
  }
}
