import type { ClientConfig } from '../config/schema.ts';

/**
 * A link to the record in its CRM, so a packet's lists can be worked from the email. Salesforce
 * ids resolve through the login host's record redirect (the org's own domain is not configured).
 */
export function crmLink(
  entity: 'contact' | 'deal' | 'company',
  id: string,
  config: Pick<ClientConfig, 'sources'>,
): string | undefined {
  const separator = id.indexOf(':');
  const system = id.slice(0, separator);
  const recordId = encodeURIComponent(id.slice(separator + 1));
  switch (system) {
    case 'hubspot': {
      const portal = config.sources.hubspot?.portalId;
      return portal === undefined
        ? undefined
        : `https://app.hubspot.com/contacts/${portal}/${entity}/${recordId}`;
    }
    case 'salesforce':
      return `https://login.salesforce.com/${recordId}`;
    case 'pipedrive':
      return `https://app.pipedrive.com/${entity === 'contact' ? 'person' : entity === 'company' ? 'organization' : 'deal'}/${recordId}`;
    default:
      return undefined;
  }
}
