import { DateTime } from 'luxon';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { ContactStage, ForecastCategory } from '#shared/model/events.ts';
import {
  addBusinessMinutes,
  type BusinessCalendar,
  businessMinutesBetween,
} from '#shared/time/business-time.ts';
import { lastCompletePeriod } from '#shared/time/periods.ts';

/**
 * A seeded, neutral story of a B2B SaaS revenue team (issue 6): companies, contacts with their
 * lifecycle, deals through the client's stages, high-intent forms and first sales touches. Pure
 * and deterministic: the same options give the same story (a mulberry32 PRNG, no Math.random, no
 * clock). Which CRM holds a company is part of the story (`system`), so the deliveries and the
 * tests agree on where each record lives; the wire formats are made in deliveries.ts.
 */

export type StorySystem = 'hubspot' | 'salesforce' | 'pipedrive' | 'generic';
export const STORY_SYSTEMS: readonly StorySystem[] = ['hubspot', 'salesforce', 'pipedrive', 'generic'];

export type Channel =
  | 'paid_search'
  | 'paid_social'
  | 'organic_search'
  | 'events'
  | 'partner_referral'
  | 'outbound'
  | 'unmapped';

export interface StoryRep {
  id: string;
  name: string;
  /** Median business minutes from the SLA clock's start to the first touch. */
  medianTouchMinutes: number;
  /** Share of this rep's leads never touched. */
  neverTouchShare: number;
  hubspotOwnerId: string;
  salesforceUserId: string;
  pipedriveUserId: number;
}

export interface StoryCompany {
  /** 1-based, per entity type; deliveries derive each system's id from it. */
  n: number;
  system: StorySystem;
  name: string;
  domain: string;
  industry: string;
  employees: number;
  region: string;
  country: string;
  createdAt: number;
}

export interface ContactStageChange {
  stage: ContactStage;
  at: number;
  /** With `disqualified`: the reason, absent when the rep left it blank. */
  reason?: string;
}

export interface StoryContact {
  n: number;
  system: StorySystem;
  /** Delivered by the HubSpot workflow webhook (snapshots) instead of app webhooks. */
  viaWorkflow: boolean;
  company: number;
  firstName: string;
  lastName: string;
  email: string;
  title: string;
  seniority: string;
  channel: Channel;
  /** The raw source value the contact's CRM holds (mapped to `channel` by the config, or unmapped). */
  source: string;
  /** The UTM source a form of this contact carries. */
  utmSource: string;
  owner: string;
  createdAt: number;
  /** Oldest first; the first is `lead` at `createdAt`. */
  stages: ContactStageChange[];
}

export interface DealStageChange {
  stage: string;
  at: number;
  /** With a lost stage: the loss reason. */
  reason?: string;
  /**
   * The deal's forecast fields as the rep sets them with this stage change (they travel in the
   * same CRM event): the expected close as a local date (on a closing change, the day it closed),
   * the rep's own probability when it departs from the stage's (absent: the stage's default), and
   * the forecast category.
   */
  closeDate?: string;
  probability?: number;
  category?: ForecastCategory;
}

export interface StoryDeal {
  n: number;
  system: StorySystem;
  company: number;
  /** The first (and only) contact. */
  contact: number;
  owner: string;
  name: string;
  /** null: the deal has no amount (a data-health case). */
  amount: number | null;
  currency: string;
  source: string;
  createdAt: number;
  /** Oldest first, through the client's dealStages; ends in a won or lost stage when closed. */
  stages: DealStageChange[];
  /** No stage change for 30+ days before the as-of instant, still open. */
  stalled: boolean;
}

export interface StoryForm {
  n: number;
  contact: number;
  /** The canonical form id (`demo-request`, `pricing-contact`); deliveries map it to Typeform's. */
  formId: string;
  email: string;
  utmSource: string;
  at: number;
}

export interface StoryActivity {
  n: number;
  contact: number;
  kind: 'call' | 'email' | 'meeting';
  owner: string;
  at: number;
}

/**
 * An everyday edit the funnel does not see: a rep updates an account's phone number (`account`),
 * or the HubSpot workflow re-sends one of its contacts when a property changes (`workflow`).
 * Samepage maps no phone field and the workflow snapshot carries no stage, so nothing stored or
 * counted changes; they are what keeps a live CRM's webhooks firing on days the funnel stands still
 * (the story has them only where the funnel leaves a sender quiet).
 */
export type StoryEdit =
  | { kind: 'account'; system: StorySystem; company: number; phone: string; at: number }
  | { kind: 'workflow'; contact: number; at: number };

export interface StoryTruth {
  companies: number;
  contacts: number;
  deals: number;
  forms: number;
  activities: number;
  /** Entities per system (forms all go through Typeform). */
  bySystem: Record<StorySystem, { companies: number; contacts: number; deals: number; activities: number }>;
  workflowContacts: number;
  wonDeals: number;
  lostDeals: number;
  stalledDeals: number;
  dealsWithoutAmount: number;
  dealsInOtherCurrency: number;
  unmappedSourceContacts: number;
  disqualified: number;
  disqualifiedWithoutReason: number;
}

export interface Story {
  seed: number;
  asOf: number;
  /** The first instant of the story. */
  start: number;
  /** The quarter whose wins drift to `driftIndustry` (the last complete fiscal quarter before asOf). */
  drift: { start: number; end: number; industry: string };
  reps: StoryRep[];
  companies: StoryCompany[];
  contacts: StoryContact[];
  deals: StoryDeal[];
  /** The Typeform submissions delivered (none from `typeformQuietFrom` on). */
  forms: StoryForm[];
  activities: StoryActivity[];
  /** With `everydayEdits`, else none. */
  edits: StoryEdit[];
  /**
   * The forecasting bias: this rep's expected close dates run `earlyDays` ahead of when their deals
   * really close, their probabilities sit above their stage's, and they commit late-stage deals
   * that then slip or are lost. The other reps forecast honestly (near the real close, slipping a
   * month or two when a deal drags, sometimes pulled in).
   */
  forecastBias: { rep: string; earlyDays: readonly [number, number]; probabilityUplift: number };
  /**
   * Typeform's webhook stops delivering here, 4 business days before asOf (its secret expired):
   * the submissions of those days never reach samepage, so the story has none, and the packets
   * built as of asOf say Typeform is silent.
   */
  typeformQuietFrom: number;
  truth: StoryTruth;
}

export interface StoryOptions {
  seed: number;
  asOf: Date;
  /** Months of history before asOf (default 13). */
  months?: number;
  /** How many contacts (default 3000). */
  contacts?: number;
  config: ClientConfig;
  /**
   * The CRMs' everyday edits (`Story.edits`), so every source but the quiet Typeform is live at
   * asOf, as the demo's packets judge them (default: none).
   */
  everydayEdits?: boolean;
  /**
   * The deals' forecast fields (DealStageChange.closeDate/probability/category). HubSpot sends each
   * as an event of its own, so they are opt-in like the everyday edits, and on with them (the
   * demo's live story); default: as `everydayEdits`.
   */
  forecast?: boolean;
}

// --- seeded randomness ---

/** mulberry32: a tiny 32-bit PRNG, plenty for demo data. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  between(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
  pick<T>(items: readonly T[]): T {
    const item = items[Math.floor(this.next() * items.length)];
    if (item === undefined) throw new Error('pick from an empty list');
    return item;
  }
  weighted<T>(entries: readonly (readonly [T, number])[]): T {
    const total = entries.reduce((sum, [, weight]) => sum + weight, 0);
    let roll = this.next() * total;
    for (const [value, weight] of entries) {
      roll -= weight;
      if (roll < 0) return value;
    }
    const last = entries[entries.length - 1];
    if (!last) throw new Error('weighted pick from an empty list');
    return last[0];
  }
  normal(): number {
    const u = Math.max(this.next(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }
  /** A log-normal value with this median. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
}

// --- the story's parameters ---

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Relative lead volume by calendar month (1 = January): busy Mar–May and Sep–Nov, quiet Aug and Dec. */
export const SEASONALITY: Readonly<Record<number, number>> = {
  1: 0.95,
  2: 1.0,
  3: 1.25,
  4: 1.3,
  5: 1.2,
  6: 0.9,
  7: 0.85,
  8: 0.55,
  9: 1.3,
  10: 1.4,
  11: 1.25,
  12: 0.5,
};

interface ChannelProfile {
  share: number;
  /** Per-stage conversion: lead → mql, mql → sql, sql → opportunity. */
  mql: number;
  sql: number;
  opportunity: number;
  /** Raw source values: HubSpot's analytics source, and the value other systems hold. */
  hubspot: string;
  other: readonly string[];
  utm: string;
}

/** lead → opportunity ≈ mql × sql × opportunity: paid_social ~2%, partner_referral ~20%. */
export const CHANNELS: Readonly<Record<Channel, ChannelProfile>> = {
  paid_search: {
    share: 0.24,
    mql: 0.5,
    sql: 0.38,
    opportunity: 0.4,
    hubspot: 'PAID_SEARCH',
    other: ['google-ads', 'adwords'],
    utm: 'google-ads',
  },
  paid_social: {
    share: 0.22,
    mql: 0.35,
    sql: 0.26,
    opportunity: 0.25,
    hubspot: 'PAID_SOCIAL',
    other: ['linkedin-ads'],
    utm: 'linkedin-ads',
  },
  organic_search: {
    share: 0.19,
    mql: 0.45,
    sql: 0.34,
    opportunity: 0.4,
    hubspot: 'ORGANIC_SEARCH',
    other: ['seo'],
    utm: 'seo',
  },
  events: {
    share: 0.12,
    mql: 0.55,
    sql: 0.38,
    opportunity: 0.45,
    hubspot: 'EVENT',
    other: ['webinar'],
    utm: 'webinar',
  },
  partner_referral: {
    share: 0.08,
    mql: 0.8,
    sql: 0.55,
    opportunity: 0.42,
    hubspot: 'REFERRALS',
    other: ['partner'],
    utm: 'partner',
  },
  outbound: {
    share: 0.13,
    mql: 0.4,
    sql: 0.33,
    opportunity: 0.4,
    hubspot: 'OFFLINE',
    other: ['outbound', 'sdr'],
    utm: 'outbound',
  },
  unmapped: {
    share: 0.02,
    mql: 0.4,
    sql: 0.3,
    opportunity: 0.3,
    hubspot: 'tradeshow-2026',
    other: ['tradeshow-2026'],
    utm: 'tradeshow-2026',
  },
};

export const DRIFT_INDUSTRY = 'Retail';

const INDUSTRIES: readonly (readonly [string, number])[] = [
  ['Software', 0.28],
  ['Financial Services', 0.16],
  ['Healthcare', 0.14],
  ['Manufacturing', 0.12],
  ['Retail', 0.07],
  ['Education', 0.08],
  ['Media', 0.07],
  ['Logistics', 0.08],
];

const REGIONS: readonly (readonly [string, number, readonly string[]])[] = [
  ['North America', 0.58, ['United States', 'United States', 'Canada']],
  ['UK&I', 0.16, ['United Kingdom', 'Ireland']],
  ['DACH', 0.1, ['Germany', 'Austria', 'Switzerland']],
  ['Nordics', 0.06, ['Sweden', 'Denmark', 'Norway']],
  ['APAC', 0.06, ['Australia', 'Singapore']],
  ['LATAM', 0.04, ['Brazil', 'Mexico']],
];

const EMPLOYEE_BANDS: readonly (readonly [readonly [number, number], number])[] = [
  [[12, 49], 0.12],
  [[50, 199], 0.22],
  [[200, 999], 0.38],
  [[1000, 4999], 0.22],
  [[5000, 40000], 0.06],
];

const TITLES: readonly (readonly [string, string, number])[] = [
  ['CEO', 'c_level', 0.03],
  ['CFO', 'c_level', 0.03],
  ['CRO', 'c_level', 0.03],
  ['VP Marketing', 'vp', 0.07],
  ['VP Sales', 'vp', 0.07],
  ['VP Revenue Operations', 'vp', 0.04],
  ['Director of Demand Generation', 'director', 0.08],
  ['Director of Sales Operations', 'director', 0.07],
  ['Head of Growth', 'director', 0.05],
  ['Marketing Manager', 'manager', 0.14],
  ['Sales Operations Manager', 'manager', 0.1],
  ['RevOps Analyst', 'individual_contributor', 0.12],
  ['Account Executive', 'individual_contributor', 0.1],
  ['Marketing Specialist', 'individual_contributor', 0.07],
];

const FIRST_NAMES = [
  'Pat',
  'Kim',
  'Alex',
  'Sam',
  'Jordan',
  'Taylor',
  'Morgan',
  'Casey',
  'Riley',
  'Jamie',
  'Avery',
  'Quinn',
  'Drew',
  'Robin',
  'Sasha',
  'Noor',
  'Mateo',
  'Priya',
  'Lena',
  'Omar',
  'Yuki',
  'Ines',
  'Tomas',
  'Freya',
] as const;
const LAST_NAMES = [
  'Lee',
  'Garcia',
  'Smith',
  'Novak',
  'Okafor',
  'Chen',
  'Patel',
  'Kowalski',
  'Murphy',
  'Silva',
  'Nguyen',
  'Berg',
  'Haddad',
  'Romano',
  'Tanaka',
  'Fischer',
  'Dubois',
  'Walsh',
  'Costa',
  'Larsen',
] as const;
const NAME_FIRST = [
  'Globex',
  'Initech',
  'Vandelay',
  'Hooli',
  'Soylent',
  'Umbrella',
  'Stark',
  'Wayne',
  'Acme',
  'Cyberdyne',
  'Tyrell',
  'Wonka',
  'Gringotts',
  'Oscorp',
  'Pied Piper',
  'Aperture',
  'Massive',
  'Dunder',
  'Prestige',
  'Sterling',
  'Nakatomi',
  'Monarch',
  'Blue Sun',
  'Virtucon',
  'Zorg',
  'Bluth',
  'Kramerica',
  'Duff',
  'Octan',
  'Rekall',
] as const;
const NAME_SECOND = [
  'Systems',
  'Labs',
  'Group',
  'Partners',
  'Cloud',
  'Analytics',
  'Health',
  'Capital',
  'Logistics',
  'Media',
  'Retail',
  'Works',
  'Digital',
  'Holdings',
] as const;

const REASONS: readonly (readonly [string, number])[] = [
  ['wrong company size', 0.22],
  ['no budget', 0.2],
  ['student', 0.1],
  ['competitor', 0.08],
  ['no response', 0.22],
  ['bad timing', 0.18],
];
const LOSS_REASONS: readonly (readonly [string, number])[] = [
  ['price', 0.28],
  ['competitor', 0.24],
  ['no decision', 0.2],
  ['timing', 0.16],
  ['missing feature', 0.12],
];

const REPS: readonly Omit<StoryRep, 'hubspotOwnerId' | 'salesforceUserId' | 'pipedriveUserId'>[] = [
  { id: 'rep-ava', name: 'Ava Chen', medianTouchMinutes: 20, neverTouchShare: 0.02 },
  { id: 'rep-ben', name: 'Ben Okafor', medianTouchMinutes: 360, neverTouchShare: 0.15 },
  { id: 'rep-cara', name: 'Cara Novak', medianTouchMinutes: 75, neverTouchShare: 0.05 },
  { id: 'rep-dev', name: 'Dev Patel', medianTouchMinutes: 45, neverTouchShare: 0.04 },
  { id: 'rep-eli', name: 'Eli Murphy', medianTouchMinutes: 150, neverTouchShare: 0.08 },
  { id: 'rep-fay', name: 'Fay Silva', medianTouchMinutes: 60, neverTouchShare: 0.05 },
];
const REP_WEIGHTS = [0.2, 0.2, 0.15, 0.15, 0.15, 0.15];

const SYSTEM_SHARES: readonly (readonly [StorySystem, number])[] = [
  ['hubspot', 0.5],
  ['salesforce', 0.2],
  ['pipedrive', 0.12],
  ['generic', 0.18],
];

/** How long before asOf Typeform goes quiet, in business days. */
export const TYPEFORM_QUIET_BUSINESS_DAYS = 4;

/** The local hours of each business day's slots for an everyday edit: two per CRM, one for the workflow and the relay. */
const EDIT_SLOTS: Readonly<Record<'crm' | 'once', readonly number[]>> = {
  crm: [10, 15],
  once: [12.5],
};

/** HubSpot contacts sent by the workflow webhook instead of app webhooks. */
const WORKFLOW_CONTACTS = 8;

// --- helpers ---

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

interface Day {
  start: number;
  weight: number;
}

/** Days of the story in the client's zone, each weighted by month and weekday. */
function storyDays(start: number, asOf: number, timezone: string): Day[] {
  const days: Day[] = [];
  let day = DateTime.fromMillis(start, { zone: timezone }).startOf('day');
  while (day.toMillis() < asOf) {
    const weekend = day.weekday >= 6;
    days.push({ start: day.toMillis(), weight: (SEASONALITY[day.month] ?? 1) * (weekend ? 0.12 : 1) });
    day = day.plus({ days: 1 });
  }
  return days;
}

function cumulative(days: readonly Day[]): number[] {
  let total = 0;
  return days.map((day) => {
    total += day.weight;
    return total;
  });
}

/** The latest instant that is `minutes` business minutes before `to` (the start of a silence that long). */
export function businessMinutesBefore(to: number, minutes: number, calendar: BusinessCalendar): number {
  let low = to - 60 * DAY;
  let high = to;
  while (high - low > 1000) {
    const middle = Math.floor((low + high) / 2);
    if (businessMinutesBetween(middle, to, calendar) >= minutes) low = middle;
    else high = middle;
  }
  return second(low);
}

/** Every time of the story is clamped to [start, asOf]; a later change simply did not happen yet. */
/** Story times are whole seconds, as CRMs report them. */
function second(at: number): number {
  return Math.floor(at / 1000) * 1000;
}

function inStory(at: number, asOf: number): boolean {
  return at <= asOf;
}

export function generateStory(options: StoryOptions): Story {
  const { config } = options;
  const random = new Random(options.seed);
  const asOf = options.asOf.getTime();
  const months = options.months ?? 13;
  const contactCount = options.contacts ?? 3000;
  const zone = config.timezone;
  const start = DateTime.fromMillis(asOf, { zone }).minus({ months }).startOf('day').toMillis();
  const calendar = { timezone: zone, businessHours: config.businessHours };
  const quarter = lastCompletePeriod('quarterly', asOf, config);
  const drift = { start: quarter.start, end: quarter.end, industry: DRIFT_INDUSTRY };
  // Retail leads arrive from ~100 days before the drift quarter until ~40 days before its end.
  const rampStart = drift.start - 100 * DAY;
  const rampEnd = drift.end - 40 * DAY;

  const reps: StoryRep[] = REPS.map((rep, index) => ({
    ...rep,
    hubspotOwnerId: String(31_000_100 + index),
    salesforceUserId: `0055e00000Rep${String(index + 1).padStart(2, '0')}AAA`,
    pipedriveUserId: 9001 + index,
  }));
  const repEntries = reps.map((rep, index) => [rep.id, REP_WEIGHTS[index] ?? 0.1] as const);
  const repById = new Map(reps.map((rep) => [rep.id, rep]));

  const dealStages = config.dealStages;
  const wonStage = dealStages.won[0] ?? 'closedwon';
  const lostStage = dealStages.lost[0] ?? 'closedlost';
  const icp = config.icp;
  const companyFits = (company: StoryCompany) => storyCompanyFits(company, config);

  // Contact creation times, seasonal, in business-ish hours of the client's zone.
  const days = storyDays(start, asOf, zone);
  const weights = cumulative(days);
  const totalWeight = weights[weights.length - 1] ?? 1;
  const createdTimes: number[] = [];
  for (let i = 0; i < contactCount; i++) {
    const roll = random.float() * totalWeight;
    let low = 0;
    let high = weights.length - 1;
    while (low < high) {
      const middle = (low + high) >> 1;
      if ((weights[middle] ?? 0) > roll) high = middle;
      else low = middle + 1;
    }
    const day = days[low] ?? days[0];
    if (!day) break;
    const local = DateTime.fromMillis(day.start, { zone });
    const hour = Math.min(21, Math.max(6, random.normal() * 2.3 + 12.5));
    const at = local.plus({ minutes: Math.floor(hour * 60) }).toMillis();
    createdTimes.push(second(Math.min(at, asOf - random.int(1, 120) * MINUTE)));
  }
  createdTimes.sort((a, b) => a - b);

  const companies: StoryCompany[] = [];
  const contacts: StoryContact[] = [];
  const deals: StoryDeal[] = [];
  /** Each deal's real close (won or lost), also when it lies after asOf: what an honest forecast aims at. */
  const plannedClose = new Map<number, number>();
  const forms: StoryForm[] = [];
  const activities: StoryActivity[] = [];
  const companyContacts = new Map<number, number>();
  const usedNames = new Set<string>();

  const newCompany = (firstContactAt: number, industry?: string): StoryCompany => {
    const n = companies.length + 1;
    let name = `${random.pick(NAME_FIRST)} ${random.pick(NAME_SECOND)}`;
    if (usedNames.has(name)) name = `${name} ${n}`;
    usedNames.add(name);
    const band = random.weighted(EMPLOYEE_BANDS);
    const region = random.weighted(REGIONS.map(([value, weight]) => [value, weight] as const));
    const countries = REGIONS.find(([value]) => value === region)?.[2] ?? ['United States'];
    const company: StoryCompany = {
      n,
      system: random.weighted(SYSTEM_SHARES),
      name,
      domain: `${slug(name)}.example`,
      industry: industry ?? random.weighted(INDUSTRIES),
      employees: random.int(band[0], band[1]),
      region,
      country: random.pick(countries),
      createdAt: Math.max(start, firstContactAt - random.int(2, 60) * MINUTE),
    };
    companies.push(company);
    return company;
  };

  const companyFor = (at: number): StoryCompany => {
    // Late in the story a wave of retail accounts arrives: the ICP drift the quarterly packet shows.
    if (at >= rampStart && at < rampEnd && random.chance(0.22)) {
      const recent = companies.filter(
        (company) => company.industry === DRIFT_INDUSTRY && company.createdAt >= rampStart,
      );
      if (recent.length > 0 && random.chance(0.5)) return random.pick(recent);
      return newCompany(at, DRIFT_INDUSTRY);
    }
    // About one contact in six starts a new account; the rest join a known one, larger ones more often.
    if (companies.length === 0 || random.chance(0.16)) return newCompany(at);
    for (let attempt = 0; attempt < 4; attempt++) {
      const candidate = random.pick(companies);
      if (candidate.industry === DRIFT_INDUSTRY && candidate.createdAt >= rampStart) continue;
      if (random.chance(Math.min(1, 0.35 + candidate.employees / 4000))) return candidate;
    }
    return newCompany(at);
  };

  const channelEntries = (Object.keys(CHANNELS) as Channel[]).map(
    (channel) => [channel, CHANNELS[channel].share] as const,
  );
  const highIntentForms = config.sla.highIntentForms.length
    ? config.sla.highIntentForms
    : ['demo-request', 'pricing-contact'];

  for (const createdAt of createdTimes) {
    const company = companyFor(createdAt);
    companyContacts.set(company.n, (companyContacts.get(company.n) ?? 0) + 1);
    const n = contacts.length + 1;
    const channel = random.weighted(channelEntries);
    const profile = CHANNELS[channel];
    const [title, seniority] = random.weighted(TITLES.map(([t, s, w]) => [[t, s] as const, w] as const));
    const firstName = random.pick(FIRST_NAMES);
    const lastName = random.pick(LAST_NAMES);
    const owner = random.weighted(repEntries);
    const contact: StoryContact = {
      n,
      system: company.system,
      viaWorkflow: false,
      company: company.n,
      firstName,
      lastName,
      email: `${firstName}.${lastName}.${n}@${company.domain}`.toLowerCase(),
      title,
      seniority,
      channel,
      source: company.system === 'hubspot' ? profile.hubspot : random.pick(profile.other),
      utmSource: profile.utm,
      owner,
      createdAt,
      stages: [{ stage: 'lead', at: createdAt }],
    };
    contacts.push(contact);
    const push = (stage: ContactStage, at: number, reason?: string) => {
      if (!inStory(at, asOf)) return false;
      contact.stages.push(reason === undefined ? { stage, at } : { stage, at, reason });
      return true;
    };
    const disqualify = (after: number, minDays: number, maxDays: number) => {
      const at = second(after + random.between(minDays, maxDays) * DAY);
      const reason = random.chance(0.15) ? undefined : random.weighted(REASONS);
      if (push('disqualified', at, reason) && random.chance(0.12)) {
        push('recycled', second(at + random.between(30, 90) * DAY));
      }
    };

    // ICP-fit leads convert better; so do the late retail accounts (the drift).
    const fits =
      companyFits(company) && (icp.seniority?.includes(seniority) ?? true)
        ? 1.3
        : company.industry === DRIFT_INDUSTRY && createdAt >= rampStart
          ? 1.2
          : 1;
    if (!random.chance(profile.mql)) {
      if (random.chance(0.15)) disqualify(createdAt, 2, 20);
      continue;
    }
    const mqlAt = second(
      createdAt + (random.chance(0.5) ? random.int(1, 10) * MINUTE : random.between(1, 96) * HOUR),
    );
    if (!push('mql', mqlAt)) continue;

    // A high-intent form for about 30% of MQLs, a few minutes before the MQL it triggers.
    let clockStart = mqlAt;
    if (random.chance(0.3)) {
      const at = Math.max(start, mqlAt - random.int(1, 8) * MINUTE);
      forms.push({
        n: forms.length + 1,
        contact: n,
        formId: (random.chance(0.65)
          ? highIntentForms[0]
          : (highIntentForms[1] ?? highIntentForms[0])) as string,
        email: contact.email,
        utmSource: profile.utm,
        at,
      });
      clockStart = at;
    }
    // The owner's first touch, in business minutes from the clock's start.
    const rep = repById.get(owner);
    if (rep && !random.chance(rep.neverTouchShare)) {
      const minutes = Math.max(1, random.logNormal(rep.medianTouchMinutes, 0.7));
      const at = second(addBusinessMinutes(clockStart, minutes, calendar));
      if (inStory(at, asOf)) {
        activities.push({
          n: activities.length + 1,
          contact: n,
          kind: random.weighted([
            ['call', 0.55],
            ['email', 0.35],
            ['meeting', 0.1],
          ] as const),
          owner,
          at,
        });
      }
    }

    if (!random.chance(Math.min(0.95, profile.sql * fits))) {
      if (random.chance(0.5)) disqualify(mqlAt, 3, 25);
      continue;
    }
    const sqlAt = second(mqlAt + random.between(1, 10) * DAY);
    if (!push('sql', sqlAt)) continue;
    if (!random.chance(Math.min(0.95, profile.opportunity * fits))) {
      if (random.chance(0.6)) disqualify(sqlAt, 5, 30);
      continue;
    }
    const opportunityAt = second(sqlAt + random.between(2, 12) * DAY);
    if (!push('opportunity', opportunityAt)) continue;

    // The deal, moving through the client's stages.
    const deal: StoryDeal = {
      n: deals.length + 1,
      system: company.system,
      company: company.n,
      contact: n,
      owner,
      name: `${company.name} ${random.pick(['platform', 'rollout', 'expansion', 'pilot', 'renewal'])}`,
      amount: null,
      currency: config.currency,
      source: contact.source,
      createdAt: opportunityAt,
      stages: [],
      stalled: false,
    };
    const fit = companyFits(company);
    const base = random.logNormal(fit ? 32_000 : 20_000, 0.55) * (1 + company.employees / 20_000);
    deal.amount = random.chance(0.05) ? random.int(15, 48) * 100 : Math.round(base / 500) * 500;
    // Data health: a few deals without an amount, a few in euros.
    if (deal.n % 41 === 17) deal.amount = null;
    else if (deal.n % 37 === 11) deal.currency = 'EUR';
    deals.push(deal);

    const order = dealStages.order;
    const stageTimes: number[] = [opportunityAt];
    for (let index = 1; index <= order.length; index++) {
      stageTimes.push(second((stageTimes[index - 1] as number) + random.logNormal(7, 0.5) * DAY));
    }
    const closeIfWon = stageTimes[order.length] as number;
    const inDrift = closeIfWon >= drift.start && closeIfWon < drift.end;
    const retail = company.industry === DRIFT_INDUSTRY;
    const winChance = inDrift ? (retail ? 0.85 : fit ? 0.3 : 0.2) : retail ? 0.08 : fit ? 0.5 : 0.3;
    const stalls = random.chance(0.18);
    const won = !stalls && random.chance(winChance);
    // Lost deals drop out at some stage; stalled ones stop moving and are closed lost months later.
    const lastIndex = won ? order.length - 1 : stalls ? random.int(1, 3) : random.int(0, order.length - 1);
    for (let index = 0; index <= lastIndex; index++) {
      const at = stageTimes[index] as number;
      if (!inStory(at, asOf)) break;
      deal.stages.push({ stage: order[index] as string, at });
    }
    const lastAt = stageTimes[lastIndex] as number;
    if (won) {
      plannedClose.set(deal.n, closeIfWon);
      if (inStory(closeIfWon, asOf)) {
        deal.stages.push({ stage: wonStage, at: closeIfWon });
        push('customer', closeIfWon + random.int(5, 240) * MINUTE);
      }
    } else {
      const closeAt = second(lastAt + (stalls ? random.between(75, 150) : random.logNormal(6, 0.5)) * DAY);
      plannedClose.set(deal.n, closeAt);
      if (inStory(closeAt, asOf)) {
        deal.stages.push({
          stage: lostStage,
          at: closeAt,
          reason: stalls ? 'no decision' : random.weighted(LOSS_REASONS),
        });
      } else if (stalls && asOf - lastAt >= 30 * DAY) {
        deal.stalled = true;
      }
    }
  }

  if (options.forecast ?? options.everydayEdits ?? false) {
    forecastDeals({ seed: options.seed, deals, plannedClose, config });
  }

  // A few HubSpot contacts are sent by a workflow instead (contacts without deals keep it simple).
  const dealContacts = new Set(deals.map((deal) => deal.contact));
  let workflow = 0;
  for (const contact of contacts) {
    if (workflow >= WORKFLOW_CONTACTS) break;
    if (contact.system !== 'hubspot' || dealContacts.has(contact.n) || contact.stages.length < 2) continue;
    if (contact.n % 7 !== 0) continue;
    contact.viaWorkflow = true;
    workflow++;
  }

  // Typeform goes quiet before asOf: the submissions of those days are never delivered.
  const [openHour = 0, openMinute = 0] = config.businessHours.start.split(':').map(Number);
  const [closeHour = 0, closeMinute = 0] = config.businessHours.end.split(':').map(Number);
  const businessDayMinutes = closeHour * 60 + closeMinute - (openHour * 60 + openMinute);
  const typeformQuietFrom = businessMinutesBefore(
    asOf,
    TYPEFORM_QUIET_BUSINESS_DAYS * businessDayMinutes,
    calendar,
  );
  const delivered = forms.filter((form) => form.at < typeformQuietFrom);

  const edits = options.everydayEdits
    ? everydayEdits({ seed: options.seed, asOf, days, calendar, companies, contacts, deals, activities })
    : [];

  // Companies nobody joined do not exist in the story (they never do: one is made per first contact).
  const bySystem = Object.fromEntries(
    STORY_SYSTEMS.map((system) => [system, { companies: 0, contacts: 0, deals: 0, activities: 0 }]),
  ) as StoryTruth['bySystem'];
  for (const company of companies) bySystem[company.system].companies++;
  for (const contact of contacts) bySystem[contact.system].contacts++;
  for (const deal of deals) bySystem[deal.system].deals++;
  const contactSystem = new Map(contacts.map((contact) => [contact.n, contact.system]));
  for (const activity of activities) bySystem[contactSystem.get(activity.contact) ?? 'generic'].activities++;
  const disqualifications = contacts.flatMap((contact) =>
    contact.stages.filter((change) => change.stage === 'disqualified'),
  );
  const closedWith = (stage: string) =>
    deals.filter((deal) => deal.stages.some((change) => change.stage === stage)).length;

  return {
    seed: options.seed,
    asOf,
    start,
    drift,
    reps,
    companies,
    contacts,
    deals,
    forms: delivered,
    activities,
    edits,
    forecastBias: FORECAST_BIAS,
    typeformQuietFrom,
    truth: {
      companies: companies.length,
      contacts: contacts.length,
      deals: deals.length,
      forms: delivered.length,
      activities: activities.length,
      bySystem,
      workflowContacts: workflow,
      wonDeals: closedWith(wonStage),
      lostDeals: closedWith(lostStage),
      stalledDeals: deals.filter((deal) => deal.stalled).length,
      dealsWithoutAmount: deals.filter((deal) => deal.amount === null).length,
      dealsInOtherCurrency: deals.filter((deal) => deal.currency !== config.currency).length,
      unmappedSourceContacts: contacts.filter((contact) => contact.channel === 'unmapped').length,
      disqualified: disqualifications.length,
      disqualifiedWithoutReason: disqualifications.filter((change) => change.reason === undefined).length,
    },
  };
}

/** The optimistic rep of the story's forecast (Story.forecastBias). */
const FORECAST_BIAS = { rep: 'rep-eli', earlyDays: [21, 35], probabilityUplift: 0.15 } as const;
/** Each open stage's probability (by its place in dealStages.order) where the config sets none. */
const DEFAULT_STAGE_PROBABILITIES = [0.1, 0.2, 0.35, 0.55, 0.75];

/**
 * The deals' forecast fields (DealStageChange.closeDate/probability/category), set with each stage
 * change, so they travel in the deal events the story already has. An honest rep's first expected
 * close is the creation plus a drawn cycle; at later stage changes it slips by one or two months
 * once it has passed, or is re-estimated toward the real close (pulled in or pushed out). The
 * optimistic rep (FORECAST_BIAS) always expects the close 3–5 weeks before it really comes, sets
 * probabilities above the stage's and commits from decisionmakerboughtin on. A random stream of its
 * own keeps the funnel the same.
 */
function forecastDeals(story: {
  seed: number;
  deals: StoryDeal[];
  plannedClose: ReadonlyMap<number, number>;
  config: ClientConfig;
}): void {
  const { config } = story;
  const random = new Random(story.seed ^ 0x0f0c_a57e);
  const order = config.dealStages.order;
  const won = new Set(config.dealStages.won);
  const lost = new Set(config.dealStages.lost);
  const localDate = (at: number) => DateTime.fromMillis(at, { zone: config.timezone }).toISODate() as string;
  const stageProbability = (stage: string) =>
    config.forecast?.stageProbabilities[stage] ?? DEFAULT_STAGE_PROBABILITIES[order.indexOf(stage)] ?? 0.1;
  const [earliest, latest] = FORECAST_BIAS.earlyDays;
  for (const deal of story.deals) {
    const optimistic = deal.owner === FORECAST_BIAS.rep;
    const realClose = story.plannedClose.get(deal.n) ?? deal.createdAt + 40 * DAY;
    const early = () => realClose - random.between(earliest, latest) * DAY;
    let expected = optimistic ? early() : deal.createdAt + random.logNormal(38, 0.35) * DAY;
    deal.stages.forEach((change, index) => {
      if (won.has(change.stage) || lost.has(change.stage)) {
        const isWon = won.has(change.stage);
        change.closeDate = localDate(change.at);
        change.probability = isWon ? 1 : 0;
        change.category = isWon ? 'commit' : 'omitted';
        return;
      }
      if (optimistic) expected = early();
      else if (index > 0) {
        if (expected < change.at + 2 * DAY) {
          // The expected close has come and gone: the deal slips by one or two months.
          expected += (random.chance(0.6) ? 30 : 60) * DAY;
        } else if (random.chance(0.35)) {
          // Re-estimated with the buyer: pulled in or pushed out toward the real close.
          expected = realClose + random.normal() * 6 * DAY;
        }
      }
      // Nobody expects a deal to close before the next few days.
      expected = Math.max(expected, change.at + random.between(2, 6) * DAY);
      change.closeDate = localDate(expected);
      const stage = order.indexOf(change.stage);
      if (optimistic) {
        change.probability =
          Math.round(Math.min(0.95, stageProbability(change.stage) + FORECAST_BIAS.probabilityUplift) * 100) /
          100;
      }
      if (stage >= order.length - 2) {
        // Honest reps commit most deals at the last open stage and some a stage earlier.
        const commitChance = stage === order.length - 1 ? 0.85 : 0.35;
        change.category = optimistic || random.chance(commitChance) ? 'commit' : 'best_case';
      } else if (stage >= 1)
        change.category = optimistic && stage >= order.length - 3 ? 'best_case' : 'pipeline';
    });
  }
}

type EditFeed = StorySystem | 'workflow';

/** The longest silence, in business hours, the everyday edits leave a feed (under its default limit). */
const EDIT_MAX_SILENCE_HOURS: Readonly<Record<EditFeed, number>> = {
  hubspot: 6,
  salesforce: 6,
  pipedrive: 6,
  generic: 20,
  workflow: 20,
};

/**
 * The CRMs' everyday edits (StoryEdit), only where the funnel leaves a sender quiet: each business
 * day has its slots (EDIT_SLOTS), and a slot gets an edit when, without it, the sender would be
 * silent for longer than EDIT_MAX_SILENCE_HOURS by the next slot. A random stream of its own keeps
 * the funnel the same with or without them.
 */
function everydayEdits(story: {
  seed: number;
  asOf: number;
  days: readonly Day[];
  calendar: BusinessCalendar;
  companies: readonly StoryCompany[];
  contacts: readonly StoryContact[];
  deals: readonly StoryDeal[];
  activities: readonly StoryActivity[];
}): StoryEdit[] {
  const { asOf, calendar } = story;
  const random = new Random(story.seed ^ 0x5eed_ed17);
  // When each sender sends an item of the funnel (as deliveries.ts routes them).
  const natural: Record<EditFeed, number[]> = {
    hubspot: [],
    salesforce: [],
    pipedrive: [],
    generic: [],
    workflow: [],
  };
  for (const company of story.companies) {
    natural[company.system].push(company.createdAt);
    if (company.system === 'pipedrive') natural.generic.push(company.createdAt);
  }
  const systemOf = new Map<number, StorySystem>();
  for (const contact of story.contacts) {
    systemOf.set(contact.n, contact.system);
    const times = contact.stages.map((change) => change.at);
    if (contact.viaWorkflow) natural.workflow.push(...times);
    else if (contact.system === 'pipedrive') {
      natural.pipedrive.push(contact.createdAt);
      natural.generic.push(...times);
    } else natural[contact.system].push(...times);
    if (contact.system === 'salesforce') {
      for (const change of contact.stages) if (change.reason) natural.generic.push(change.at);
    }
  }
  for (const deal of story.deals) natural[deal.system].push(...deal.stages.map((change) => change.at));
  for (const activity of story.activities) {
    const system = systemOf.get(activity.contact) ?? 'generic';
    natural[system === 'hubspot' ? 'generic' : system].push(activity.at);
  }

  const bySystem = new Map<StorySystem, StoryCompany[]>();
  for (const company of story.companies) {
    bySystem.set(company.system, [...(bySystem.get(company.system) ?? []), company]);
  }
  const workflowContacts = story.contacts.filter((contact) => contact.viaWorkflow);
  const existing = <T extends { createdAt: number }>(items: readonly T[], at: number) => {
    const known = items.filter((item) => item.createdAt < at);
    return known.length > 0 ? random.pick(known) : undefined;
  };
  const edits: StoryEdit[] = [];
  for (const feed of [...STORY_SYSTEMS, 'workflow'] as const) {
    const hours = feed === 'generic' || feed === 'workflow' ? EDIT_SLOTS.once : EDIT_SLOTS.crm;
    const slots: number[] = [];
    for (const day of story.days) {
      if (businessMinutesBetween(day.start, day.start + DAY, calendar) === 0) continue;
      const local = DateTime.fromMillis(day.start, { zone: calendar.timezone });
      for (const hour of hours) {
        const at = second(
          local.plus({ minutes: Math.round((hour + random.between(-0.75, 0.75)) * 60) }).toMillis(),
        );
        if (inStory(at, asOf)) slots.push(at);
      }
    }
    const times = [...natural[feed]].sort((a, b) => a - b);
    let next = 0;
    let last: number | undefined;
    const limit = EDIT_MAX_SILENCE_HOURS[feed] * 60;
    slots.forEach((at, index) => {
      while (next < times.length && (times[next] as number) <= at) last = times[next++];
      const following = slots[index + 1] ?? asOf;
      if (last !== undefined && businessMinutesBetween(last, following, calendar) <= limit) return;
      let edit: StoryEdit | undefined;
      if (feed === 'workflow') {
        const contact = existing(workflowContacts, at);
        if (contact) edit = { kind: 'workflow', contact: contact.n, at };
      } else {
        const company = existing(bySystem.get(feed) ?? [], at);
        const phone = `+1 312 555 ${String(random.int(0, 9999)).padStart(4, '0')}`;
        if (company) edit = { kind: 'account', system: feed, company: company.n, phone, at };
      }
      if (edit) {
        edits.push(edit);
        last = at;
      }
    });
  }
  return edits.sort((a, b) => a.at - b.at);
}

/** The story's ICP fit of a company (firmographic dimensions of the config's ICP). */
export function storyCompanyFits(company: StoryCompany, config: ClientConfig): boolean {
  const { icp } = config;
  return (
    (icp.industry?.includes(company.industry) ?? true) &&
    (icp.region?.includes(company.region) ?? true) &&
    (icp.employees === undefined ||
      (company.employees >= icp.employees.min && company.employees <= icp.employees.max))
  );
}
