import * as z from 'zod';
import { definitionsVersion } from '../config/parse.ts';
import type { ClientConfig } from '../config/schema.ts';
import { problemsFromZod, ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventPublisher } from '../ports/publisher.ts';
import type { Store } from '../ports/store.ts';
import { CADENCES, isoInZone, lastCompletePeriod } from '../time/periods.ts';
import { isScheduledDay } from '../time/schedule.ts';
import { loadFacts } from './load.ts';
import { buildPacket, type Packet } from './packet.ts';

/** What EventBridge Scheduler (or `samepage serve`'s scheduler) sends to build-packet. */
export const buildPacketInputSchema = z.strictObject({
  client: z.string().min(1),
  cadence: z.enum(CADENCES as [string, ...string[]]).transform((value) => value as (typeof CADENCES)[number]),
  asOf: z.iso.datetime({ offset: true }).optional(),
  force: z.boolean().optional(),
  /** Set by the schedules that fire every weekday: build only on the configured business day. */
  onScheduledDay: z.boolean().optional(),
});
export type BuildPacketInput = z.input<typeof buildPacketInputSchema>;

export interface BuildPacketDeps {
  config: ClientConfig;
  store: Store;
  publisher: EventPublisher;
  clock: Clock;
}

export interface BuildPacketResult {
  status: 'built' | 'rebuilt' | 'exists';
  packet: Packet;
}

/**
 * Builds the packet of the last complete period once per (client, cadence, period): a second run
 * finds the stored snapshot and does not rebuild unless forced. PacketReady is published every
 * time, so a run that stored the snapshot but failed before publishing is completed by its retry;
 * sending is idempotent per recipient.
 */
export async function buildAndPublishPacket(
  deps: BuildPacketDeps,
  rawInput: unknown,
): Promise<BuildPacketResult> {
  const parsed = buildPacketInputSchema.safeParse(rawInput);
  if (!parsed.success)
    throw new ValidationError('invalid build-packet input', problemsFromZod(parsed.error.issues));
  const input = parsed.data;
  if (input.client !== deps.config.client) {
    throw new ValidationError(`this stack builds packets for "${deps.config.client}", not "${input.client}"`);
  }
  const asOf = input.asOf ? Date.parse(input.asOf) : deps.clock();
  const periodStart = isoInZone(
    lastCompletePeriod(input.cadence, asOf, deps.config).start,
    deps.config.timezone,
  );

  let result: BuildPacketResult | undefined;
  if (!input.force) {
    const kept = await deps.store.getPacketSnapshot(input.cadence, periodStart);
    if (kept) result = { status: 'exists', packet: JSON.parse(kept.packet) as Packet };
  }
  if (!result) {
    const history = await deps.store.recordDefinitions(definitionsVersion(deps.config), deps.clock());
    const facts = await loadFacts(deps.store, deps.config, input.cadence, asOf);
    const packet = buildPacket(facts, deps.config, input.cadence, asOf, history);
    const snapshot = {
      cadence: input.cadence,
      periodStart,
      builtAt: deps.clock(),
      packet: JSON.stringify(packet),
    };
    const stored = await deps.store.putPacketSnapshot(snapshot, input.force === true);
    if (stored === 'exists') {
      // Another run kept its snapshot first: that one is the packet of record.
      const kept = await deps.store.getPacketSnapshot(input.cadence, periodStart);
      result = { status: 'exists', packet: kept ? (JSON.parse(kept.packet) as Packet) : packet };
    } else {
      result = { status: input.force ? 'rebuilt' : 'built', packet };
    }
  }
  await deps.publisher.publish({
    type: 'PacketReady',
    client: deps.config.client,
    cadence: input.cadence,
    periodStart,
    definitionsVersion: result.packet.definitionsVersion,
  });
  return result;
}

/**
 * The scheduler's entry: monthly and quarterly schedules fire every weekday morning (cron cannot
 * name "the first business day" with holidays), and only the configured business day builds.
 */
export async function runScheduledBuild(
  deps: BuildPacketDeps,
  rawInput: unknown,
): Promise<BuildPacketResult | { status: 'not-scheduled-today' }> {
  const parsed = buildPacketInputSchema.safeParse(rawInput);
  if (parsed.success && parsed.data.onScheduledDay) {
    const asOf = parsed.data.asOf ? Date.parse(parsed.data.asOf) : deps.clock();
    if (!isScheduledDay(parsed.data.cadence, asOf, deps.config)) return { status: 'not-scheduled-today' };
  }
  return buildAndPublishPacket(deps, rawInput);
}
