import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { ContactStage, ForecastCategory } from '#shared/model/events.ts';
import type { DemoSecrets, ScriptedDelivery } from '../delivery.ts';
import { genericHeaders } from '../senders/generic.ts';
import { hubspotHeaders, hubspotWorkflowHeaders } from '../senders/hubspot.ts';
import { pipedriveBody, pipedriveHeaders } from '../senders/pipedrive.ts';
import {
  type OutboundRecord,
  salesforceEndpointQuery,
  salesforceHeaders,
  salesforceOutboundMessage,
} from '../senders/salesforce.ts';
import { typeformBody, typeformHeaders } from '../senders/typeform.ts';
import {
  businessMinutesBefore,
  type ContactStageChange,
  type DealStageChange,
  type Story,
  type StoryActivity,
  type StoryContact,
  type StoryDeal,
  type StoryRep,
  type StorySystem,
} from './story.ts';

/**
 * A story (story.ts) as the HTTP deliveries its systems would make, each in its sender's own wire
 * format: HubSpot app webhooks (v3, batches of up to 100 thin events), a few HubSpot workflow
 * snapshots (v2), Salesforce outbound messages (up to 100 notifications, each with its
 * LastModifiedDate), one Pipedrive v2 webhook per change, Typeform responses, and the generic
 * event API (batches of up to 100) — which also carries what the other CRMs cannot send: activities
 * of HubSpot contacts, Salesforce disqualification reasons, Pipedrive lifecycle stages, seniority,
 * source and region (as a Zapier-style automation would, naming the CRM's own ids).
 *
 * Each delivery has its story time `at`: batching senders (HubSpot, Salesforce, the generic relay)
 * gather up to 100 items of at most 12 hours (BATCH_WINDOW: fewer deliveries for the demo than
 * HubSpot's seconds) and send when the last one has happened; the others send each change as it
 * happens. With the story's everyday edits (story.ts), every sender's last delivery before asOf is
 * within its limit of silence, except Typeform's, which goes quiet on purpose. Deliveries are ordered by `at`. Timestamped signatures (HubSpot v3,
 * Standard Webhooks) are made when `headers` is read: with `signAtStoryTime` they carry `at` (post
 * them to a twin whose clock reads `at`, as the demo does), else the time they are read, so a
 * delivery posted later than it was built is still inside the senders' 5-minute window.
 */

/** A delivery of the story; `at` is its story time (ScriptedDelivery). */
export type GeneratedDelivery = ScriptedDelivery;

export interface StoryDeliveryOptions {
  baseUrl: string;
  config: ClientConfig;
  secrets: DemoSecrets;
  /**
   * Most items a HubSpot, Salesforce or generic delivery carries (default and senders' limit: 100);
   * 1 makes one delivery per item, as a quiet portal sends them.
   */
  maxBatch?: number;
  /**
   * Sign HubSpot v3 and Standard Webhooks deliveries with their story time `at` (the demo posts
   * each one with the twin's clock at `at`); by default they are signed when `headers` is read.
   */
  signAtStoryTime?: boolean;
}

const MAX_BATCH = 100;

/** Canonical forecast categories as hs_manual_forecast_category's internal values. */
const HUBSPOT_CATEGORY: Readonly<Record<ForecastCategory, string>> = {
  pipeline: 'PIPELINE',
  best_case: 'BEST_CASE',
  commit: 'COMMIT',
  omitted: 'OMIT',
};
/** Canonical forecast categories as Salesforce's ForecastCategoryName. */
const SALESFORCE_CATEGORY: Readonly<Record<ForecastCategory, string>> = {
  pipeline: 'Pipeline',
  best_case: 'Best Case',
  commit: 'Commit',
  omitted: 'Omitted',
};
const MINUTE = 60_000;
/** A batching sender sends what happened within this long after a batch's first item. */
const BATCH_WINDOW = 12 * 60 * MINUTE;

// --- ids in each system ---

type Kind = 'company' | 'contact' | 'deal' | 'activity';

const HUBSPOT_BASE: Record<Exclude<Kind, 'activity'>, number> = {
  company: 8_100_000,
  contact: 1_000_000,
  deal: 7_000_000,
};
const PIPEDRIVE_BASE: Record<Kind, number> = { company: 1000, contact: 5000, deal: 300, activity: 20_000 };
const SALESFORCE_PREFIX: Record<Kind, string> = {
  company: '001',
  contact: '003',
  deal: '006',
  activity: '00T',
};
const GENERIC_PREFIX: Record<Kind, string> = { company: 'co', contact: 'c', deal: 'd', activity: 'a' };

/** An 18-character Salesforce id: key prefix, a pod-like stem, the number in base 36, a checksum-like tail. */
export function salesforceId(kind: Kind, n: number, prefix = SALESFORCE_PREFIX[kind]): string {
  return `${prefix}5e00000${n.toString(36).toUpperCase().padStart(5, '0')}AAA`;
}

/** The record's id in its own system, as that system's wire format carries it. */
export function systemId(kind: Kind, system: StorySystem, n: number): string | number {
  switch (system) {
    case 'hubspot':
      // Activities of HubSpot contacts come through the generic API.
      return kind === 'activity' ? `${GENERIC_PREFIX.activity}-${n}` : HUBSPOT_BASE[kind] + n;
    case 'salesforce':
      return salesforceId(kind, n);
    case 'pipedrive':
      return PIPEDRIVE_BASE[kind] + n;
    case 'generic':
      return `${GENERIC_PREFIX[kind]}-${n}`;
  }
}

/** The canonical `<system>:<id>` samepage stores the record under (the key is `<entity>#<id>`). */
export function canonicalId(kind: Kind, system: StorySystem, n: number): string {
  const id = systemId(kind, system, n);
  const owner = kind === 'activity' && system === 'hubspot' ? 'generic' : system;
  return `${owner}:${id}`;
}

// --- the deliveries ---

interface Timed<T> {
  at: number;
  item: T;
}

const iso = (at: number) => new Date(at).toISOString();

/** The timestamp options of the timestamped senders: the story time, or none (signed when read). */
function signingTimes(options: Pick<StoryDeliveryOptions, 'signAtStoryTime'>) {
  const story = options.signAtStoryTime === true;
  return {
    hubspot: (at: number): { timestamp?: number } => (story ? { timestamp: at } : {}),
    generic: (at: number): { timestamp?: Date } => (story ? { timestamp: new Date(at) } : {}),
  };
}

/**
 * The sender's batches: in time order, a batch takes the items that happen within `window` of its
 * first one, up to `size` of them, and is sent when its last item has happened.
 */
function batchesInTime<T>(items: Timed<T>[], size: number, window: number): Timed<T>[][] {
  const result: Timed<T>[][] = [];
  let current: Timed<T>[] = [];
  for (const entry of byTime(items)) {
    const first = current[0];
    if (first && (current.length >= size || entry.at - first.at > window)) {
      result.push(current);
      current = [];
    }
    current.push(entry);
  }
  if (current.length > 0) result.push(current);
  return result;
}

function byTime<T>(items: Timed<T>[]): Timed<T>[] {
  return items
    .map((entry, index) => ({ entry, index }))
    .sort((a, b) => a.entry.at - b.entry.at || a.index - b.index)
    .map(({ entry }) => entry);
}

export function storyDeliveries(story: Story, options: StoryDeliveryOptions): GeneratedDelivery[] {
  const { config, secrets, baseUrl } = options;
  const maxBatch = Math.min(MAX_BATCH, Math.max(1, options.maxBatch ?? MAX_BATCH));
  const url = (source: string) => `${baseUrl}/webhooks/${source}`;
  const signing = signingTimes(options);
  const portalId = config.sources.hubspot?.portalId ?? 0;
  const organizationId = config.sources.salesforce?.organizationId ?? '00D000000000000AAA';
  const reps = new Map<string, StoryRep>(story.reps.map((rep) => [rep.id, rep]));
  const contacts = new Map<number, StoryContact>(story.contacts.map((contact) => [contact.n, contact]));
  const rep = (id: string): StoryRep => {
    const found = reps.get(id);
    if (!found) throw new Error(`unknown rep ${id}`);
    return found;
  };
  const lifecycleValue = (stage: ContactStage) => config.lifecycle[stage]?.[0] ?? stage;
  const pipedriveStageIds = new Map<string, number>(
    Object.entries(config.sources.pipedrive?.stages ?? {}).map(([id, stage]) => [stage, Number(id)]),
  );
  const typeformIds = new Map<string, string>(
    Object.entries(config.sources.typeform?.forms ?? {}).map(([id, form]) => [form, id]),
  );
  const wonStages = new Set(config.dealStages.won);
  const lostStages = new Set(config.dealStages.lost);

  const hubspot: Timed<Record<string, unknown>>[] = [];
  const salesforce: Timed<OutboundRecord>[] = [];
  const generic: Timed<Record<string, unknown>>[] = [];
  const single: Timed<GeneratedDelivery>[] = [];

  // HubSpot thin events.
  let hubspotEventId = 0;
  const hubspotEvent = (kind: string, objectId: number, at: number, extra: Record<string, unknown> = {}) => {
    hubspot.push({
      at,
      item: {
        eventId: 100_000 + ++hubspotEventId,
        subscriptionId: 2041,
        portalId,
        appId: 771_001,
        occurredAt: at,
        subscriptionType: kind,
        attemptNumber: 0,
        objectId,
        changeSource: 'CRM_UI',
        ...extra,
      },
    });
  };
  const hubspotProperty = (object: string, objectId: number, at: number, name: string, value: string) =>
    hubspotEvent(`${object}.propertyChange`, objectId, at, { propertyName: name, propertyValue: value });
  const hubspotStage = (id: number, change: ContactStageChange) => {
    if (change.stage === 'disqualified') {
      hubspotProperty(
        'contact',
        id,
        change.at,
        'hs_lead_status',
        change.reason === 'bad timing' ? 'BAD_TIMING' : 'UNQUALIFIED',
      );
      if (change.reason) hubspotProperty('contact', id, change.at, 'disqualification_reason', change.reason);
    } else hubspotProperty('contact', id, change.at, 'lifecyclestage', lifecycleValue(change.stage));
  };

  // Pipedrive: one webhook per change.
  let pipedriveCount = 0;
  const pipedrive = (
    at: number,
    action: 'create' | 'change',
    entity: string,
    id: number,
    data: Record<string, unknown>,
  ) => {
    pipedriveCount++;
    const body = pipedriveBody({
      action,
      entity,
      id,
      timestamp: iso(at),
      data,
      meta: { id: `5f0c1a2e-0000-4000-8000-${String(pipedriveCount).padStart(12, '0')}` },
    });
    single.push({
      at,
      item: {
        at,
        source: 'pipedrive',
        label: `Pipedrive ${entity} ${action} ${id}`,
        body,
        headers: pipedriveHeaders(secrets.pipedriveCredentials),
        expect: 'accepted',
      },
    });
  };

  // --- companies ---
  for (const company of story.companies) {
    const at = company.createdAt;
    switch (company.system) {
      case 'hubspot': {
        const id = systemId('company', 'hubspot', company.n) as number;
        hubspotEvent('company.creation', id, at);
        hubspotProperty('company', id, at, 'name', company.name);
        hubspotProperty('company', id, at, 'domain', company.domain);
        hubspotProperty('company', id, at, 'industry', company.industry);
        hubspotProperty('company', id, at, 'numberofemployees', String(company.employees));
        hubspotProperty('company', id, at, 'country', company.country);
        hubspotProperty('company', id, at, 'region', company.region);
        break;
      }
      case 'salesforce':
        salesforce.push({
          at,
          item: {
            type: 'Account',
            fields: {
              Id: salesforceId('company', company.n),
              Name: company.name,
              Website: `https://www.${company.domain}`,
              Industry: company.industry,
              NumberOfEmployees: String(company.employees),
              BillingCountry: company.country,
              Region__c: company.region,
              CreatedDate: iso(at),
              LastModifiedDate: iso(at),
            },
          },
        });
        break;
      case 'pipedrive': {
        const id = systemId('company', 'pipedrive', company.n) as number;
        pipedrive(at, 'create', 'organization', id, {
          id,
          name: company.name,
          industry: company.industry,
          employee_count: company.employees,
          address_country: company.country,
        });
        // Pipedrive has no region field: an enrichment automation posts it.
        generic.push({
          at,
          item: { type: 'company', id: `pipedrive:${id}`, at: iso(at), region: company.region },
        });
        break;
      }
      case 'generic':
        generic.push({
          at,
          item: {
            type: 'company',
            id: systemId('company', 'generic', company.n),
            at: iso(at),
            name: company.name,
            domain: company.domain,
            industry: company.industry,
            employees: company.employees,
            region: company.region,
            country: company.country,
          },
        });
        break;
    }
  }

  // --- contacts ---
  for (const contact of story.contacts) {
    const owner = rep(contact.owner);
    const companyId = systemId('company', contact.system, contact.company);
    const [first, ...later] = contact.stages;
    if (!first) continue;
    switch (contact.system) {
      case 'hubspot': {
        const id = systemId('contact', 'hubspot', contact.n) as number;
        if (contact.viaWorkflow) {
          for (const change of contact.stages) {
            const stageProperties: Record<string, string> =
              change.stage === 'disqualified'
                ? {
                    hs_lead_status: change.reason === 'bad timing' ? 'BAD_TIMING' : 'UNQUALIFIED',
                    ...(change.reason ? { disqualification_reason: change.reason } : {}),
                  }
                : { lifecyclestage: lifecycleValue(change.stage) };
            const body = JSON.stringify({
              objectId: id,
              properties: {
                email: contact.email,
                hs_analytics_source: contact.source,
                jobtitle: contact.title,
                hs_seniority: contact.seniority,
                associatedcompanyid: String(companyId),
                hubspot_owner_id: owner.hubspotOwnerId,
                ...stageProperties,
                createdate: String(contact.createdAt),
                lastmodifieddate: String(change.at),
              },
            });
            single.push({
              at: change.at,
              item: {
                at: change.at,
                source: 'hubspot-workflow',
                label: `HubSpot workflow webhook: contact ${id} ${change.stage}`,
                body,
                get headers() {
                  return hubspotWorkflowHeaders(body, secrets.hubspot, { uri: url('hubspot-workflow') });
                },
                expect: 'accepted',
              },
            });
          }
          break;
        }
        const at = contact.createdAt;
        hubspotEvent('contact.creation', id, at);
        hubspotProperty('contact', id, at, 'email', contact.email);
        hubspotProperty('contact', id, at, 'hs_analytics_source', contact.source);
        hubspotProperty('contact', id, at, 'jobtitle', contact.title);
        hubspotProperty('contact', id, at, 'hs_seniority', contact.seniority);
        hubspotProperty('contact', id, at, 'associatedcompanyid', String(companyId));
        hubspotProperty('contact', id, at, 'hubspot_owner_id', owner.hubspotOwnerId);
        for (const change of contact.stages) hubspotStage(id, change);
        break;
      }
      case 'salesforce': {
        const id = salesforceId('contact', contact.n);
        for (const change of contact.stages) {
          salesforce.push({
            at: change.at,
            item: {
              type: 'Contact',
              fields: {
                Id: id,
                AccountId: String(companyId),
                FirstName: contact.firstName,
                LastName: contact.lastName,
                Email: contact.email,
                Title: contact.title,
                LeadSource: contact.source,
                OwnerId: owner.salesforceUserId,
                Seniority__c: contact.seniority,
                Lifecycle_Stage__c: lifecycleValue(change.stage),
                CreatedDate: iso(contact.createdAt),
                LastModifiedDate: iso(change.at),
              },
            },
          });
          // Contacts carry no disqualification reason field: a Flow posts it to the generic API.
          if (change.stage === 'disqualified' && change.reason) {
            generic.push({
              at: change.at,
              item: { type: 'contact', id: `salesforce:${id}`, at: iso(change.at), reason: change.reason },
            });
          }
        }
        break;
      }
      case 'pipedrive': {
        const id = systemId('contact', 'pipedrive', contact.n) as number;
        pipedrive(contact.createdAt, 'create', 'person', id, {
          id,
          name: `${contact.firstName} ${contact.lastName}`,
          org_id: companyId,
          owner_id: owner.pipedriveUserId,
          job_title: contact.title,
          emails: [{ value: contact.email, primary: true, label: 'work' }],
        });
        // Pipedrive persons have no lifecycle, seniority or source: an automation posts them.
        generic.push({
          at: first.at,
          item: {
            type: 'contact',
            id: `pipedrive:${id}`,
            at: iso(first.at),
            seniority: contact.seniority,
            source: contact.source,
            stage: first.stage,
          },
        });
        for (const change of later) {
          generic.push({
            at: change.at,
            item: {
              type: 'contact',
              id: `pipedrive:${id}`,
              at: iso(change.at),
              stage: change.stage,
              ...(change.reason ? { reason: change.reason } : {}),
            },
          });
        }
        break;
      }
      case 'generic': {
        const id = systemId('contact', 'generic', contact.n);
        generic.push({
          at: first.at,
          item: {
            type: 'contact',
            id,
            at: iso(first.at),
            companyId,
            title: contact.title,
            seniority: contact.seniority,
            source: contact.source,
            owner: owner.id,
            stage: first.stage,
            email: contact.email,
          },
        });
        for (const change of later) {
          generic.push({
            at: change.at,
            item: {
              type: 'contact',
              id,
              at: iso(change.at),
              stage: change.stage,
              ...(change.reason ? { reason: change.reason } : {}),
            },
          });
        }
        break;
      }
    }
  }

  // --- deals ---
  // The forecast fields of a stage change in each wire format (story.ts DealStageChange).
  const stageProbabilities = config.forecast?.stageProbabilities ?? {};
  const localMidnight = (date: string) => DateTime.fromISO(date, { zone: config.timezone }).toMillis();
  /** A percent field: the rep's own probability, else the stage's (CRMs with probabilities always hold one). */
  const percentOf = (change: DealStageChange): number | undefined => {
    const probability = change.probability ?? stageProbabilities[change.stage];
    return probability === undefined ? undefined : Math.round(probability * 100);
  };
  /** The generic relay sends the close date, the category and only a probability the rep set. */
  const genericForecast = (change: DealStageChange): Record<string, unknown> => ({
    ...(change.closeDate ? { closeDate: change.closeDate } : {}),
    ...(change.probability === undefined ? {} : { probability: change.probability }),
    ...(change.category ? { forecastCategory: change.category } : {}),
  });
  for (const deal of story.deals) {
    dealDeliveries(deal);
  }
  function dealDeliveries(deal: StoryDeal) {
    const owner = rep(deal.owner);
    const companyId = systemId('company', deal.system, deal.company);
    const contactId = systemId('contact', deal.system, deal.contact);
    const [first] = deal.stages;
    if (!first) return;
    switch (deal.system) {
      case 'hubspot': {
        const id = systemId('deal', 'hubspot', deal.n) as number;
        const at = first.at;
        hubspotEvent('deal.creation', id, at);
        hubspotProperty('deal', id, at, 'dealname', deal.name);
        hubspotProperty('deal', id, at, 'pipeline', 'default');
        if (deal.amount !== null) hubspotProperty('deal', id, at, 'amount', String(deal.amount));
        hubspotProperty('deal', id, at, 'deal_currency_code', deal.currency);
        hubspotProperty('deal', id, at, 'hubspot_owner_id', owner.hubspotOwnerId);
        hubspotEvent('deal.associationChange', id, at, {
          fromObjectId: id,
          toObjectId: contactId,
          associationType: 'DEAL_TO_CONTACT',
          associationRemoved: false,
        });
        hubspotEvent('deal.associationChange', id, at, {
          fromObjectId: id,
          toObjectId: companyId,
          associationType: 'DEAL_TO_COMPANY',
          associationRemoved: false,
          isPrimaryAssociation: true,
        });
        // The forecast fields change with the stage; HubSpot sends each change of its own. The stage
        // probability follows the stage in HubSpot (the client's stageProbabilities); only a rep's own
        // probability is sent, as hs_forecast_probability. A closed deal is out of the forecast.
        let sent: { closeDate?: string; probability?: number; category?: string } = {};
        for (const change of deal.stages) {
          hubspotProperty('deal', id, change.at, 'dealstage', change.stage);
          if (change.reason) hubspotProperty('deal', id, change.at, 'closed_lost_reason', change.reason);
          if (wonStages.has(change.stage) || lostStages.has(change.stage)) continue;
          if (change.closeDate && change.closeDate !== sent.closeDate) {
            hubspotProperty('deal', id, change.at, 'closedate', String(localMidnight(change.closeDate)));
          }
          if (change.probability !== undefined && change.probability !== sent.probability) {
            hubspotProperty('deal', id, change.at, 'hs_forecast_probability', String(change.probability));
          }
          if (change.category && change.category !== sent.category) {
            hubspotProperty(
              'deal',
              id,
              change.at,
              'hs_manual_forecast_category',
              HUBSPOT_CATEGORY[change.category],
            );
          }
          sent = { closeDate: change.closeDate, probability: change.probability, category: change.category };
        }
        return;
      }
      case 'salesforce': {
        const id = salesforceId('deal', deal.n);
        for (const change of deal.stages) {
          salesforce.push({
            at: change.at,
            item: {
              type: 'Opportunity',
              fields: {
                Id: id,
                Name: deal.name,
                AccountId: String(companyId),
                ContactId: String(contactId),
                StageName: change.stage,
                Amount: deal.amount === null ? null : String(deal.amount),
                CurrencyIsoCode: deal.currency,
                LeadSource: deal.source,
                OwnerId: owner.salesforceUserId,
                ...(change.reason ? { Loss_Reason__c: change.reason } : {}),
                // Salesforce always holds a close date, a percent and a category on an Opportunity.
                ...(change.closeDate ? { CloseDate: change.closeDate } : {}),
                ...(percentOf(change) === undefined ? {} : { Probability: String(percentOf(change)) }),
                ForecastCategoryName: wonStages.has(change.stage)
                  ? 'Closed'
                  : SALESFORCE_CATEGORY[change.category ?? 'pipeline'],
                CreatedDate: iso(deal.createdAt),
                LastModifiedDate: iso(change.at),
              },
            },
          });
        }
        return;
      }
      case 'pipedrive': {
        const id = systemId('deal', 'pipedrive', deal.n) as number;
        let stageId = pipedriveStageIds.get(first.stage) ?? 1;
        deal.stages.forEach((change, index) => {
          if (pipedriveStageIds.has(change.stage)) stageId = pipedriveStageIds.get(change.stage) as number;
          const status = wonStages.has(change.stage) ? 'won' : lostStages.has(change.stage) ? 'lost' : 'open';
          pipedrive(change.at, index === 0 ? 'create' : 'change', 'deal', id, {
            id,
            title: deal.name,
            value: deal.amount,
            currency: deal.currency,
            status,
            stage_id: stageId,
            org_id: companyId,
            person_id: contactId,
            owner_id: owner.pipedriveUserId,
            source_channel: deal.source,
            ...(change.reason ? { lost_reason: change.reason } : {}),
            // Pipedrive has no forecast category; its pipeline has deal probability on.
            ...(change.closeDate ? { expected_close_date: change.closeDate } : {}),
            ...(percentOf(change) === undefined ? {} : { probability: percentOf(change) }),
          });
        });
        return;
      }
      case 'generic': {
        const id = systemId('deal', 'generic', deal.n);
        deal.stages.forEach((change, index) => {
          generic.push({
            at: change.at,
            item:
              index === 0
                ? {
                    type: 'deal',
                    id,
                    at: iso(change.at),
                    companyId,
                    contactIds: [contactId],
                    ...(deal.amount === null ? {} : { amount: deal.amount }),
                    currency: deal.currency,
                    stage: change.stage,
                    source: deal.source,
                    owner: owner.id,
                    ...genericForecast(change),
                  }
                : {
                    type: 'deal',
                    id,
                    at: iso(change.at),
                    stage: change.stage,
                    ...(change.reason ? { reason: change.reason } : {}),
                    ...genericForecast(change),
                  },
          });
        });
        return;
      }
    }
  }

  // --- first touches ---
  for (const activity of story.activities) activityDeliveries(activity);
  function activityDeliveries(activity: StoryActivity) {
    const contact = contacts.get(activity.contact);
    if (!contact) return;
    const owner = rep(activity.owner);
    const at = activity.at;
    switch (contact.system) {
      case 'salesforce': {
        const meeting = activity.kind === 'meeting';
        salesforce.push({
          at,
          item: {
            type: meeting ? 'Event' : 'Task',
            fields: {
              Id: salesforceId('activity', activity.n, meeting ? '00U' : '00T'),
              WhoId: salesforceId('contact', contact.n),
              OwnerId: owner.salesforceUserId,
              ...(meeting
                ? { EventSubtype: 'Event', Type: 'Meeting' }
                : { TaskSubtype: activity.kind === 'call' ? 'Call' : 'Email' }),
              Subject: meeting ? 'Intro meeting' : activity.kind === 'call' ? 'Intro call' : 'Intro email',
              CreatedDate: iso(at),
              LastModifiedDate: iso(at),
            },
          },
        });
        return;
      }
      case 'pipedrive': {
        const id = systemId('activity', 'pipedrive', activity.n) as number;
        pipedrive(at, 'create', 'activity', id, {
          id,
          type: activity.kind,
          subject: `Intro ${activity.kind}`,
          done: true,
          person_id: systemId('contact', 'pipedrive', contact.n),
          owner_id: owner.pipedriveUserId,
        });
        return;
      }
      default: {
        // HubSpot engagements and generic CRMs: the generic API, naming the contact's own id.
        generic.push({
          at,
          item: {
            type: 'activity',
            id: `${GENERIC_PREFIX.activity}-${activity.n}`,
            at: iso(at),
            contactId:
              contact.system === 'hubspot'
                ? canonicalId('contact', 'hubspot', contact.n)
                : systemId('contact', 'generic', contact.n),
            kind: activity.kind,
            owner: contact.system === 'hubspot' ? owner.hubspotOwnerId : owner.id,
          },
        });
      }
    }
  }

  // --- forms: Typeform ---
  for (const form of story.forms) {
    const token = createHash('sha256')
      .update(`samepage-demo:${story.seed}:form:${form.n}`)
      .digest('hex')
      .slice(0, 32);
    const body = typeformBody({
      formId: typeformIds.get(form.formId) ?? form.formId,
      token,
      submittedAt: iso(form.at),
      email: form.email,
      hidden: { utm_source: form.utmSource },
    });
    single.push({
      at: form.at,
      item: {
        at: form.at,
        source: 'typeform',
        label: `Typeform ${form.formId} response`,
        body,
        headers: typeformHeaders(body, secrets.typeform),
        expect: 'accepted',
      },
    });
  }

  // --- everyday edits: nothing samepage counts changes, but the CRMs' webhooks fire ---
  const companies = new Map(story.companies.map((company) => [company.n, company]));
  for (const edit of story.edits) {
    const at = edit.at;
    if (edit.kind === 'workflow') {
      const contact = contacts.get(edit.contact);
      if (!contact) continue;
      const id = systemId('contact', 'hubspot', contact.n) as number;
      // The workflow re-enrols the contact on a property change; its snapshot names no stage.
      const body = JSON.stringify({
        objectId: id,
        properties: {
          email: contact.email,
          jobtitle: contact.title,
          hs_seniority: contact.seniority,
          associatedcompanyid: String(systemId('company', 'hubspot', contact.company)),
          hubspot_owner_id: rep(contact.owner).hubspotOwnerId,
          createdate: String(contact.createdAt),
          lastmodifieddate: String(at),
        },
      });
      single.push({
        at,
        item: {
          at,
          source: 'hubspot-workflow',
          label: `HubSpot workflow webhook: contact ${id} re-enrolled`,
          body,
          get headers() {
            return hubspotWorkflowHeaders(body, secrets.hubspot, { uri: url('hubspot-workflow') });
          },
          expect: 'accepted',
        },
      });
      continue;
    }
    const company = companies.get(edit.company);
    if (!company) continue;
    const id = systemId('company', edit.system, company.n);
    switch (edit.system) {
      case 'hubspot':
        hubspotProperty('company', id as number, at, 'phone', edit.phone);
        break;
      case 'salesforce':
        salesforce.push({
          at,
          item: {
            type: 'Account',
            fields: {
              Id: id as string,
              Name: company.name,
              Website: `https://www.${company.domain}`,
              Industry: company.industry,
              NumberOfEmployees: String(company.employees),
              BillingCountry: company.country,
              Region__c: company.region,
              Phone: edit.phone,
              CreatedDate: iso(company.createdAt),
              LastModifiedDate: iso(at),
            },
          },
        });
        break;
      case 'pipedrive':
        pipedrive(at, 'change', 'organization', id as number, {
          id,
          name: company.name,
          industry: company.industry,
          employee_count: company.employees,
          address_country: company.country,
          phone: edit.phone,
        });
        break;
      case 'generic':
        // The client's relay re-posts the account; its schema has no phone, so nothing changes.
        generic.push({ at, item: { type: 'company', id, at: iso(at), name: company.name } });
        break;
    }
  }

  // --- batches ---
  const deliveries: Timed<GeneratedDelivery>[] = [...single];
  for (const batch of batchesInTime(hubspot, maxBatch, BATCH_WINDOW)) {
    const at = batch.at(-1)?.at ?? story.start;
    const body = JSON.stringify(batch.map((entry) => entry.item));
    deliveries.push({
      at,
      item: {
        at,
        source: 'hubspot',
        label: `HubSpot app webhooks: ${batch.length} events`,
        body,
        get headers() {
          return hubspotHeaders(body, secrets.hubspot, { uri: url('hubspot'), ...signing.hubspot(at) });
        },
        expect: 'accepted',
      },
    });
  }
  for (const batch of batchesInTime(salesforce, maxBatch, BATCH_WINDOW)) {
    const at = batch.at(-1)?.at ?? story.start;
    deliveries.push({
      at,
      item: {
        at,
        source: 'salesforce',
        label: `Salesforce outbound message: ${batch.length} notifications`,
        body: salesforceOutboundMessage(
          organizationId,
          batch.map((entry) => entry.item),
        ),
        headers: salesforceHeaders(),
        query: salesforceEndpointQuery(secrets.salesforceToken),
        expect: 'accepted',
      },
    });
  }
  for (const batch of batchesInTime(generic, maxBatch, BATCH_WINDOW)) {
    const at = batch.at(-1)?.at ?? story.start;
    const body = JSON.stringify({ events: batch.map((entry) => entry.item) });
    deliveries.push({
      at,
      item: {
        at,
        source: 'generic',
        label: `Generic events: ${batch.length}`,
        body,
        get headers() {
          return genericHeaders(body, secrets.genericWhsec, signing.generic(at));
        },
        expect: 'accepted',
      },
    });
  }
  const ordered = byTime(deliveries).map((entry) => entry.item);
  // Stable: the HubSpot retry stays right after its first attempt.
  return byTime(withBadDeliveries(ordered, story, options).map((item) => ({ at: item.at, item }))).map(
    (entry) => entry.item,
  );
}

/**
 * Three deliveries that must not count, so data health has something to say: HubSpot retrying a
 * batch (duplicate), a forged generic delivery (refused, for its signature) in the middle of the
 * story, and a Typeform body missing its answers and times (quarantined), posted 50 business
 * minutes before Typeform goes quiet (`story.typeformQuietFrom`).
 */
function withBadDeliveries(
  deliveries: GeneratedDelivery[],
  story: Story,
  options: StoryDeliveryOptions,
): GeneratedDelivery[] {
  const { secrets, baseUrl } = options;
  const signing = signingTimes(options);
  const result = [...deliveries];
  const hubspotIndex = result.findIndex((delivery) => delivery.source === 'hubspot');
  const original = result[hubspotIndex];
  if (original) {
    const body = original.body;
    result.splice(hubspotIndex + 1, 0, {
      at: original.at,
      source: 'hubspot',
      label: 'HubSpot retries the same batch',
      body,
      get headers() {
        return hubspotHeaders(body, secrets.hubspot, {
          uri: `${baseUrl}/webhooks/hubspot`,
          ...signing.hubspot(original.at),
        });
      },
      expect: 'duplicate',
    });
  }
  const middle = Math.floor(result.length / 2);
  // Posted among its neighbours, at their time: refused for its secret, not for its timestamp.
  const at = result[middle - 1]?.at ?? story.start;
  const forged = JSON.stringify({
    events: [{ type: 'deal', id: 'd-forged', at: iso(at), amount: 1_000_000, currency: 'USD' }],
  });
  const typeformFormId = Object.keys(options.config.sources.typeform?.forms ?? {})[0] ?? 'Xq2mDemo';
  const broken = `{"event_id":"01EK4R5PFZBROKEN","event_type":"form_response","form_response":{"form_id":"${typeformFormId}"}}`;
  result.splice(middle, 0, {
    at,
    source: 'generic',
    label: 'Forged delivery (wrong secret)',
    body: forged,
    get headers() {
      return genericHeaders(forged, 'whsec_Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0', signing.generic(at));
    },
    expect: 'refused',
  });
  const calendar = { timezone: options.config.timezone, businessHours: options.config.businessHours };
  result.push({
    at: businessMinutesBefore(story.typeformQuietFrom, 50, calendar),
    source: 'typeform',
    label: 'Typeform body missing its answers and times',
    body: broken,
    headers: typeformHeaders(broken, secrets.typeform),
    expect: 'quarantined',
  });
  return result;
}

/** Deliveries per source and expected outcome, for progress lines and tests. */
export function deliverySummary(deliveries: readonly ScriptedDelivery[]): Record<string, number> {
  const summary: Record<string, number> = {};
  for (const delivery of deliveries) {
    summary[delivery.source] = (summary[delivery.source] ?? 0) + 1;
    summary[`expect:${delivery.expect}`] = (summary[`expect:${delivery.expect}`] ?? 0) + 1;
  }
  return summary;
}
