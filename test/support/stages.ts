import type { ClientConfig } from '#shared/config/schema.ts';
import type { EntityState } from '#shared/projection/state.ts';
import { canonicalDealStage } from '#shared/sources/mapping.ts';

/**
 * A deal's milestones by the client's stage names: stored stage values are the CRM's own (a
 * Pipedrive stage id "3"), read through the source's stage map as a packet reads them.
 */
export function dealMilestones(
  state: EntityState,
  config: Pick<ClientConfig, 'sources'>,
): Record<string, number> {
  const milestones: Record<string, number> = {};
  for (const [raw, at] of Object.entries(state.milestones)) {
    const stage = canonicalDealStage(config, state.id, raw);
    milestones[stage] = Math.min(at, milestones[stage] ?? at);
  }
  return milestones;
}
