import { createHash } from 'node:crypto';

/**
 * What Salesforce sends for an outbound message: a SOAP envelope in the shape of the outbound
 * messaging WSDL (namespace http://soap.sforce.com/2005/09/outbound), one Notification per record,
 * each record an sObject typed `sf:<Type>` with its selected fields. No signature exists.
 */

export interface OutboundRecord {
  /** The sObject type: Lead, Contact, Account, Opportunity, Task, Event, or any other. */
  type: string;
  /** Field values by API name; `Id` is required. null is sent as xsi:nil, '' as an empty element. */
  fields: Readonly<Record<string, string | null>>;
  /** The Notification's own Id; derived from the record when absent, so a rebuilt body is identical. */
  notificationId?: string;
}

export interface OutboundMessageOptions {
  actionId?: string;
  sessionId?: string | null;
  instance?: string;
}

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function derivedId(prefix: string, seed: string): string {
  const digits = createHash('sha256')
    .update(seed)
    .digest('base64')
    .replace(/[^A-Za-z0-9]/g, '');
  return `${prefix}${digits.slice(0, 15)}`;
}

function element(name: string, value: string | null, indent: string): string {
  if (value === null) return `${indent}<${name} xsi:nil="true"/>`;
  if (value === '') return `${indent}<${name}/>`;
  return `${indent}<${name}>${escapeXml(value)}</${name}>`;
}

/** The SOAP body of one outbound message carrying these records for this org. */
export function salesforceOutboundMessage(
  organizationId: string,
  records: readonly OutboundRecord[],
  options: OutboundMessageOptions = {},
): string {
  const instance = options.instance ?? 'https://acme.my.salesforce.com';
  const org15 = organizationId.slice(0, 15);
  const notifications = records.map((record) => {
    const { Id, ...rest } = record.fields;
    if (typeof Id !== 'string') throw new Error(`a ${record.type} record needs an Id`);
    const notificationId =
      record.notificationId ?? derivedId('04l', `${record.type}\n${JSON.stringify(record.fields)}`);
    const fields = [element('sf:Id', Id, '     ')];
    for (const [name, value] of Object.entries(rest)) fields.push(element(`sf:${name}`, value, '     '));
    return [
      '   <Notification>',
      `    <Id>${escapeXml(notificationId)}</Id>`,
      `    <sObject xsi:type="sf:${escapeXml(record.type)}" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">`,
      ...fields,
      '    </sObject>',
      '   </Notification>',
    ].join('\n');
  });
  const sessionId =
    options.sessionId === undefined
      ? `   <SessionId xsi:nil="true"/>`
      : element('SessionId', options.sessionId, '   ');
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
    ' <soapenv:Body>',
    '  <notifications xmlns="http://soap.sforce.com/2005/09/outbound">',
    `   <OrganizationId>${escapeXml(organizationId)}</OrganizationId>`,
    `   <ActionId>${escapeXml(options.actionId ?? '04k000000000001AAA')}</ActionId>`,
    sessionId,
    `   <EnterpriseUrl>${instance}/services/Soap/c/62.0/${org15}</EnterpriseUrl>`,
    `   <PartnerUrl>${instance}/services/Soap/u/62.0/${org15}</PartnerUrl>`,
    ...notifications,
    '  </notifications>',
    ' </soapenv:Body>',
    '</soapenv:Envelope>',
    '',
  ].join('\n');
}

/** The headers Salesforce puts on an outbound message (there is no signature header). */
export function salesforceHeaders(): Record<string, string> {
  return { 'content-type': 'text/xml; charset=utf-8', soapaction: '""' };
}

/** The query the endpoint URL carries: the value of the secret named by `sources.salesforce.pathSecret`. */
export function salesforceEndpointQuery(token: string): string {
  return `?token=${encodeURIComponent(token)}`;
}
