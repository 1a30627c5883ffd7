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

export function isDealStage(config: Pick<ClientConfig, 'dealStages'>, stage: string): boolean {
  return dealStageNames(config).includes(stage);
}

/**
 * A CRM's deal stage value → the client's stage: through the source's stage map, else as it is
 * when it already names a deal stage. A value neither maps is kept as it came (never dropped): it
 * counts as an open stage short of the bar, and data health lists it until the map names it.
 */
export function mapDealStage(stageMap: Readonly<Record<string, string>> | undefined, raw: string): string {
  return stageMap && Object.hasOwn(stageMap, raw) ? (stageMap[raw] as string) : raw;
}
