import type { ClientConfig } from '../config/schema.ts';
import { oncePerRecord } from './fact-index.ts';
import type { FactSet } from './facts.ts';
import type { IcpDimension } from './registry.ts';
import type { CompanyView, ContactView, DealView } from './views.ts';

/** Employee bands for mixes (DESIGN.md): both ends included. */
export const EMPLOYEE_BANDS = [
  { label: '1-49', min: 0, max: 49 },
  { label: '50-199', min: 50, max: 199 },
  { label: '200-999', min: 200, max: 999 },
  { label: '1000-4999', min: 1000, max: 4999 },
  { label: '5000+', min: 5000, max: Number.POSITIVE_INFINITY },
] as const;

export function employeeBand(employees: number | undefined): string | undefined {
  if (employees === undefined) return undefined;
  return EMPLOYEE_BANDS.find((band) => employees >= band.min && employees <= band.max)?.label;
}

/** The ICP-relevant attributes of a lead or a deal: its company's firmographics and a person's seniority. */
export interface Profile {
  industry?: string;
  employees?: number;
  region?: string;
  seniority?: string;
}

/**
 * A contact's profile: its company's firmographics, each missing one taken from the company facts
 * the contact carries inline (a Salesforce lead has no Account before conversion).
 */
export function contactProfile(contact: ContactView, facts: FactSet): Profile {
  return oncePerRecord(facts, 'contactProfile', contact, (record) => workOutContactProfile(record, facts));
}

function workOutContactProfile(contact: ContactView, facts: FactSet): Profile {
  const company: CompanyView | undefined = contact.companyId
    ? facts.companies.get(contact.companyId)
    : undefined;
  return {
    industry: company?.industry ?? contact.inlineCompany.industry,
    employees: company?.employees ?? contact.inlineCompany.employees,
    region: company?.region ?? contact.inlineCompany.region,
    seniority: contact.seniority,
  };
}

/**
 * A deal's profile: its company, and its first contact's seniority. A firmographic the deal's
 * company lacks (or a deal without a company) is its first contact's.
 */
export function dealProfile(deal: DealView, facts: FactSet): Profile {
  return oncePerRecord(facts, 'dealProfile', deal, (record) => workOutDealProfile(record, facts));
}

function workOutDealProfile(deal: DealView, facts: FactSet): Profile {
  const company = deal.companyId ? facts.companies.get(deal.companyId) : undefined;
  const firstContact = deal.contactIds[0] ? facts.contacts.get(deal.contactIds[0]) : undefined;
  const person = firstContact ? contactProfile(firstContact, facts) : undefined;
  return {
    industry: company?.industry ?? person?.industry,
    employees: company?.employees ?? person?.employees,
    region: company?.region ?? person?.region,
    seniority: firstContact?.seniority,
  };
}

/** The value a profile shows in a dimension's mix (employees as a band); undefined when missing. */
export function segmentValue(profile: Profile, dimension: IcpDimension): string | undefined {
  return dimension === 'employees' ? employeeBand(profile.employees) : profile[dimension];
}

/**
 * Segment keys by dimensions and values: a quarterly packet asks for them for every lead of every
 * period compared, and a few hundred lists serve them all.
 */
const knownSegmentKeys = new Map<string, readonly string[]>();

export function segmentKeys(profile: Profile, dimensions: readonly IcpDimension[]): readonly string[] {
  const values = dimensions.map((dimension) => segmentValue(profile, dimension));
  // A missing value is written as a character no value has (values are trimmed, non-empty text).
  const name = `${dimensions.join(',')}\u0000${values.map((value) => value ?? '\u0001').join('\u0000')}`;
  let keys = knownSegmentKeys.get(name);
  if (!keys) {
    keys = dimensions.flatMap((dimension, index) => {
      const value = values[index];
      return value === undefined ? [] : [`segment:${dimension}=${value}`];
    });
    knownSegmentKeys.set(name, keys);
  }
  return keys;
}

/** Whether a value matches the ICP in one dimension (a missing value never does). */
export function fitsDimension(profile: Profile, dimension: IcpDimension, icp: ClientConfig['icp']): boolean {
  switch (dimension) {
    case 'employees': {
      const range = icp.employees;
      return (
        range !== undefined &&
        profile.employees !== undefined &&
        profile.employees >= range.min &&
        profile.employees <= range.max
      );
    }
    default: {
      const allowed = icp[dimension];
      const value = profile[dimension];
      return allowed !== undefined && value !== undefined && allowed.includes(value);
    }
  }
}

export const FIRMOGRAPHIC_DIMENSIONS = [
  'industry',
  'employees',
  'region',
] as const satisfies readonly IcpDimension[];

/** The ICP dimensions the client lists, in a fixed order. */
export function icpDimensions(
  icp: ClientConfig['icp'],
  only: readonly IcpDimension[] = ['industry', 'employees', 'region', 'seniority'],
) {
  return only.filter((dimension) => icp[dimension] !== undefined);
}

/** Fits when every listed dimension matches (DESIGN.md "ICP fit"); with no dimension listed nothing fits. */
export function fitsIcp(profile: Profile, icp: ClientConfig['icp'], only?: readonly IcpDimension[]): boolean {
  const dimensions = icpDimensions(icp, only);
  return dimensions.length > 0 && dimensions.every((dimension) => fitsDimension(profile, dimension, icp));
}

/**
 * Whether a value of a mix lies inside the ICP: names by membership, employee bands when they
 * overlap the ICP's employee range.
 */
export function mixValueFits(dimension: IcpDimension, value: string, icp: ClientConfig['icp']): boolean {
  if (dimension !== 'employees') return fitsDimension({ [dimension]: value }, dimension, icp);
  const band = EMPLOYEE_BANDS.find((candidate) => candidate.label === value);
  const range = icp.employees;
  return band !== undefined && range !== undefined && band.min <= range.max && band.max >= range.min;
}
