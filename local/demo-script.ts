import { genericHeaders } from './senders/generic.ts';
import { hubspotHeaders, hubspotWorkflowHeaders } from './senders/hubspot.ts';
import { pipedriveBody, pipedriveHeaders } from './senders/pipedrive.ts';
import { salesforceHeaders, salesforceOutboundMessage } from './senders/salesforce.ts';
import { typeformBody, typeformHeaders } from './senders/typeform.ts';

/** One HTTP delivery as its sender would make it. */
export interface ScriptedDelivery {
  source: string;
  label: string;
  body: string;
  headers: Record<string, string>;
  /** What the twin should answer: the demo checks it, so a broken source is visible at once. */
  expect: 'accepted' | 'duplicate' | 'quarantined' | 'refused';
}

export interface DemoSecrets {
  hubspot: string;
  typeform: string;
  pipedriveCredentials: string;
  genericWhsec: string;
}

export interface DemoScriptOptions {
  baseUrl: string;
  secrets: DemoSecrets;
  hubspotPortalId: number;
  salesforceOrganizationId: string;
  /** Typeform's id of the form the config maps to `demo-request`. */
  demoRequestFormId: string;
  /** The story ends here; facts are dated in the week before it. */
  today: Date;
}

/**
 * A short, hand-written week of a B2B revenue team, delivered by every source in its own wire
 * format: a paid-search lead asks for a demo and becomes a qualified deal (HubSpot + Typeform),
 * an enterprise opportunity moves in Salesforce, a partner deal and a call in Pipedrive, a
 * workflow-sent SQL, a generic automation, and three deliveries that must not count (a replay,
 * a forged signature and a broken body).
 */
export function demoScript(options: DemoScriptOptions): ScriptedDelivery[] {
  const day = (offset: number, time: string) =>
    new Date(
      `${new Date(options.today.getTime() + offset * 86_400_000).toISOString().slice(0, 10)}T${time}Z`,
    );
  const ms = (offset: number, time: string) => day(offset, time).getTime();
  const iso = (offset: number, time: string) => day(offset, time).toISOString();
  const url = (source: string) => `${options.baseUrl}/webhooks/${source}`;
  const { secrets } = options;

  const hubspotEvent = (
    kind: string,
    objectId: number,
    occurredAt: number,
    extra: Record<string, unknown> = {},
  ) => ({
    eventId: objectId + occurredAt,
    subscriptionId: 2041,
    portalId: options.hubspotPortalId,
    appId: 771_001,
    occurredAt,
    subscriptionType: kind,
    attemptNumber: 0,
    objectId,
    changeSource: 'CRM_UI',
    ...extra,
  });
  const property = (kind: string, objectId: number, occurredAt: number, name: string, value: string) =>
    hubspotEvent(kind, objectId, occurredAt, { propertyName: name, propertyValue: value });

  const hubspotBatch = JSON.stringify([
    hubspotEvent('company.creation', 501, ms(-6, '13:58:00')),
    property('company.propertyChange', 501, ms(-6, '13:58:00'), 'name', 'Globex'),
    property('company.propertyChange', 501, ms(-6, '13:58:00'), 'industry', 'Software'),
    property('company.propertyChange', 501, ms(-6, '13:58:00'), 'numberofemployees', '850'),
    property('company.propertyChange', 501, ms(-6, '13:58:00'), 'region', 'North America'),
    hubspotEvent('contact.creation', 1001, ms(-6, '14:03:00')),
    property('contact.propertyChange', 1001, ms(-6, '14:03:00'), 'email', 'pat.lee@globex.example'),
    property('contact.propertyChange', 1001, ms(-6, '14:03:00'), 'hs_analytics_source', 'PAID_SEARCH'),
    property('contact.propertyChange', 1001, ms(-6, '14:03:00'), 'jobtitle', 'VP Marketing'),
    property('contact.propertyChange', 1001, ms(-6, '14:03:00'), 'hs_seniority', 'vp'),
    property('contact.propertyChange', 1001, ms(-6, '14:03:00'), 'associatedcompanyid', '501'),
    property('contact.propertyChange', 1001, ms(-6, '14:05:00'), 'lifecyclestage', 'marketingqualifiedlead'),
    property('contact.propertyChange', 1001, ms(-5, '09:12:00'), 'lifecyclestage', 'salesqualifiedlead'),
    hubspotEvent('deal.creation', 7001, ms(-4, '10:30:00')),
    property('deal.propertyChange', 7001, ms(-4, '10:30:00'), 'dealstage', 'appointmentscheduled'),
    property('deal.propertyChange', 7001, ms(-4, '10:30:00'), 'amount', '42000'),
    property('deal.propertyChange', 7001, ms(-4, '10:30:00'), 'deal_currency_code', 'USD'),
    property('deal.propertyChange', 7001, ms(-2, '16:00:00'), 'dealstage', 'qualifiedtobuy'),
    hubspotEvent('deal.associationChange', 7001, ms(-4, '10:31:00'), {
      fromObjectId: 7001,
      toObjectId: 1001,
      associationType: 'DEAL_TO_CONTACT',
      associationRemoved: false,
    }),
    hubspotEvent('deal.associationChange', 7001, ms(-4, '10:31:00'), {
      fromObjectId: 7001,
      toObjectId: 501,
      associationType: 'DEAL_TO_COMPANY',
      associationRemoved: false,
      isPrimaryAssociation: true,
    }),
  ]);

  const typeform = typeformBody({
    formId: options.demoRequestFormId,
    token: 'x71for1wr6irs2rx71fotn12b3izh25v',
    submittedAt: iso(-6, '14:01:00'),
    email: 'pat.lee@globex.example',
    hidden: { utm_source: 'google-ads' },
  });

  const salesforce = salesforceOutboundMessage(options.salesforceOrganizationId, [
    {
      type: 'Account',
      fields: {
        Id: '0015e00000InitecAA',
        Name: 'Initech',
        Industry: 'Financial Services',
        NumberOfEmployees: '1200',
        Region__c: 'North America',
        LastModifiedDate: iso(-5, '15:00:00'),
      },
    },
    {
      type: 'Contact',
      fields: {
        Id: '0035e00000BoltonAA',
        AccountId: '0015e00000InitecAA',
        Email: 'michael.bolton@initech.example',
        Title: 'Director of IT',
        LeadSource: 'webinar',
        Seniority__c: 'director',
        LastModifiedDate: iso(-5, '15:00:00'),
      },
    },
    {
      type: 'Opportunity',
      fields: {
        Id: '0065e00000OppIniAA',
        AccountId: '0015e00000InitecAA',
        ContactId: '0035e00000BoltonAA',
        StageName: 'presentationscheduled',
        Amount: '65000',
        CurrencyIsoCode: 'USD',
        LeadSource: 'webinar',
        LastModifiedDate: iso(-3, '11:20:00'),
      },
    },
  ]);

  const pipedrive = [
    pipedriveBody({
      action: 'create',
      entity: 'organization',
      id: 42,
      timestamp: iso(-4, '08:00:00'),
      data: {
        id: 42,
        name: 'Vandelay Industries',
        industry: 'Healthcare',
        employee_count: 310,
        address_country: 'United States',
      },
    }),
    pipedriveBody({
      action: 'create',
      entity: 'person',
      id: 77,
      timestamp: iso(-4, '08:05:00'),
      data: {
        id: 77,
        org_id: 42,
        owner_id: 9001,
        job_title: 'COO',
        emails: [{ value: 'art@vandelay.example', primary: true }],
      },
    }),
    pipedriveBody({
      action: 'create',
      entity: 'deal',
      id: 9,
      timestamp: iso(-3, '09:00:00'),
      data: {
        id: 9,
        title: 'Vandelay rollout',
        value: 18000,
        currency: 'USD',
        status: 'open',
        stage_id: 2,
        org_id: 42,
        person_id: 77,
        owner_id: 9001,
        source_channel: 'partner',
      },
    }),
    pipedriveBody({
      action: 'create',
      entity: 'activity',
      id: 555,
      timestamp: iso(-4, '09:30:00'),
      data: { id: 555, type: 'call', person_id: 77, owner_id: 9001 },
    }),
  ];

  const workflow = JSON.stringify({
    objectId: 1002,
    properties: {
      lifecyclestage: 'salesqualifiedlead',
      hs_analytics_source: 'REFERRALS',
      jobtitle: 'Head of Finance',
      email: 'kim@hooli.example',
      lastmodifieddate: String(ms(-2, '12:00:00')),
    },
  });

  const generic = JSON.stringify({
    events: [
      {
        type: 'contact',
        id: 'c-1',
        at: iso(-3, '14:03:00'),
        title: 'VP Sales',
        seniority: 'vp',
        source: 'linkedin-ads',
        owner: 'rep-7',
        stage: 'mql',
      },
      {
        type: 'form',
        id: 'f-77',
        at: iso(-3, '14:01:00'),
        formId: 'pricing-contact',
        contactId: 'c-1',
        email: 'sam@soylent.example',
        source: 'linkedin-ads',
      },
      {
        type: 'activity',
        id: 'a-3',
        at: iso(-3, '15:10:00'),
        contactId: 'c-1',
        kind: 'call',
        owner: 'rep-7',
      },
      {
        type: 'contact',
        id: 'c-2',
        at: iso(-2, '10:00:00'),
        source: 'tradeshow-2026',
        stage: 'disqualified',
        reason: 'student',
      },
    ],
  });
  const forged = JSON.stringify({
    events: [{ type: 'deal', id: 'd-forged', at: iso(-1, '10:00:00'), amount: 1_000_000 }],
  });
  const broken =
    '{"event_id":"01EK4R5PFZ","event_type":"form_response","form_response":{"form_id":"Xq2mDemo"}}';

  return [
    {
      source: 'hubspot',
      label: 'HubSpot app webhooks: company, contact, deal',
      body: hubspotBatch,
      headers: hubspotHeaders(hubspotBatch, secrets.hubspot, { uri: url('hubspot') }),
      expect: 'accepted',
    },
    {
      source: 'hubspot',
      label: 'HubSpot retries the same batch',
      body: hubspotBatch,
      headers: hubspotHeaders(hubspotBatch, secrets.hubspot, { uri: url('hubspot') }),
      expect: 'duplicate',
    },
    {
      source: 'typeform',
      label: 'Typeform demo request',
      body: typeform,
      headers: typeformHeaders(typeform, secrets.typeform),
      expect: 'accepted',
    },
    {
      source: 'salesforce',
      label: 'Salesforce outbound message: account, contact, opportunity',
      body: salesforce,
      headers: salesforceHeaders(),
      expect: 'accepted',
    },
    ...pipedrive.map(
      (body): ScriptedDelivery => ({
        source: 'pipedrive',
        label: `Pipedrive ${JSON.parse(body).meta.entity}`,
        body,
        headers: pipedriveHeaders(secrets.pipedriveCredentials),
        expect: 'accepted',
      }),
    ),
    {
      source: 'hubspot-workflow',
      label: 'HubSpot workflow webhook (SQL)',
      body: workflow,
      headers: hubspotWorkflowHeaders(workflow, secrets.hubspot, { uri: url('hubspot-workflow') }),
      expect: 'accepted',
    },
    {
      source: 'generic',
      label: 'Generic events from an automation',
      body: generic,
      headers: genericHeaders(generic, secrets.genericWhsec),
      expect: 'accepted',
    },
    {
      source: 'generic',
      label: 'Forged delivery (wrong secret)',
      body: forged,
      headers: genericHeaders(forged, 'whsec_Zm9yZ2VkLXNlY3JldC1mb3JnZWQtc2VjcmV0'),
      expect: 'refused',
    },
    {
      source: 'typeform',
      label: 'Typeform body missing its answers and times',
      body: broken,
      headers: typeformHeaders(broken, secrets.typeform),
      expect: 'quarantined',
    },
  ];
}
