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
