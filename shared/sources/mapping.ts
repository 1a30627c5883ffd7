import type { ClientConfig } from '../config/schema.ts';
import { CONTACT_STAGES, type ContactStage } from '../model/events.ts';

/**
 * A CRM lifecycle or lead-status value → the canonical milestone, through the config's
 * `lifecycle` lists (exact match); canonical names are accepted as they are.
 */
export function mapLifecycle(config: Pick<ClientConfig, 'lifecycle'>, raw: string): ContactStage | undefined {
  for (const stage of CONTACT_STAGES) {
    if (config.lifecycle[stage]?.includes(raw)) return stage;
  }
  return (CONTACT_STAGES as readonly string[]).includes(raw) ? (raw as ContactStage) : undefined;
}

export function dealStageNames(config: Pick<ClientConfig, 'dealStages'>): string[] {
  const { order, won, lost } = config.dealStages;
  return [...order, ...won, ...lost];
}

/** The stage maps of the system a deal comes from, first match wins (HubSpot's workflow map before its app map). */
function stageMapsOf(
  sources: ClientConfig['sources'],
  system: string,
): (Readonly<Record<string, string>> | undefined)[] {
  switch (system) {
    case 'hubspot':
      return [sources['hubspot-workflow']?.stages, sources.hubspot?.stages];
    case 'salesforce':
      return [sources.salesforce?.stages];
    case 'pipedrive':
      return [sources.pipedrive?.stages];
    default:
      return [];
  }
}

/**
 * A deal's stage value as its CRM sent it (stored as sent) → the client's stage, through the stage
 * map of the deal's system (its id's prefix: `hubspot:…`), else as it is. Mapping when facts are
 * read keeps the stored history the CRM's own, so a changed map needs no replay to be read (the
 * definitions version changes with it). A value no map names stays as it is: an open stage short of
 * the bar, listed in data health.
 */
export function canonicalDealStage(
  config: Pick<ClientConfig, 'sources'>,
  dealId: string,
  raw: string,
): string {
  const separator = dealId.indexOf(':');
  if (separator === -1) return raw;
  for (const map of stageMapsOf(config.sources, dealId.slice(0, separator))) {
    if (map && Object.hasOwn(map, raw)) return map[raw] as string;
  }
  return raw;
}
