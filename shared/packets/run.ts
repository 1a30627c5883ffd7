import * as z from 'zod';
import { definitionsVersion } from '../config/parse.ts';
import type { ClientConfig } from '../config/schema.ts';
import { problemsFromZod, ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventPublisher } from '../ports/publisher.ts';
import type { Store } from '../ports/store.ts';
import { CADENCES, type Cadence, isoInZone, lastCompletePeriod } from '../time/periods.ts';
import { isScheduledDay, scheduledBuildAfter } from '../time/schedule.ts';
import { loadFacts } from './load.ts';
import { buildPacket, earlierPacket, type Packet, trendPeriods } from './packet.ts';

/** What EventBridge Scheduler (or `samepage serve`'s scheduler) sends to build-packet. */
export const buildPacketInputSchema = z.strictObject({
  client: z.string().min(1),
  cadence: z.enum(CADENCES as [string, ...string[]]).transform((value) => value as (typeof CADENCES)[number]),
  asOf: z.iso.datetime({ offset: true }).optional(),
  force: z.boolean().optional(),
  /** Set by the schedules that fire every weekday: build only on the configured business day. */
  onScheduledDay: z.boolean().optional(),
  /**
   * Also build and keep the packets of the earlier periods the trends show that have none (after
   * a backfill), so trends are full from the first packet. They are not sent.
   */
  history: z.boolean().optional(),
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
  /** With `history`: how many earlier periods' packets were built now, and how many were kept already. */
  history?: { built: number; kept: number };
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

  const history = input.history ? await buildEarlierPackets(deps, input.cadence, asOf) : undefined;
  let result: BuildPacketResult | undefined;
  if (!input.force) {
    const kept = await deps.store.getPacketSnapshot(input.cadence, periodStart);
    if (kept) result = { status: 'exists', packet: JSON.parse(kept.packet) as Packet };
  }
  if (!result) {
    const packet = await buildFromStore(deps, input.cadence, asOf);
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
  if (history) result.history = history;
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
 * Builds one packet from the store: its facts, the definitions versions seen, and the stored
 * packets of the earlier periods its trends show (one BatchGetItem). A preview (`record: false`)
 * writes nothing, so it does not record the definitions version as in use.
 */
export async function buildFromStore(
  deps: Pick<BuildPacketDeps, 'config' | 'store' | 'clock'>,
  cadence: Cadence,
  asOf: number,
  { record = true }: { record?: boolean } = {},
): Promise<Packet> {
  const { config, store } = deps;
  const definitionsHistory = record
    ? await store.recordDefinitions(definitionsVersion(config), deps.clock())
    : [];
  const starts = trendPeriods(cadence, asOf, config).map((period) =>
    isoInZone(period.start, config.timezone),
  );
  const [facts, snapshots] = await Promise.all([
    loadFacts(store, config, cadence, asOf),
    store.getPacketSnapshots(cadence, starts),
  ]);
  const earlier = snapshots.map((snapshot) => earlierPacket(JSON.parse(snapshot.packet) as Packet));
  return buildPacket(facts, config, cadence, asOf, { definitionsHistory, earlier });
}

/**
 * Builds and keeps, oldest first, the packets of the earlier periods this packet's trends show
 * (12 weeks, 11 months or 7 quarters) that have facts and no snapshot yet, each as of its
 * scheduled build instant. Nothing is published: they are not sent. Bounded by the trend, so one
 * call stays within the build function's timeout however long the backfilled history is.
 */
export async function buildEarlierPackets(
  deps: Pick<BuildPacketDeps, 'config' | 'store' | 'clock'>,
  cadence: Cadence,
  asOf: number,
): Promise<{ built: number; kept: number }> {
  const { config, store } = deps;
  const first = await store.firstFactAt();
  if (first === undefined) return { built: 0, kept: 0 };
  const periods = trendPeriods(cadence, asOf, config)
    .filter((period) => period.end > first)
    .reverse();
  let built = 0;
  let kept = 0;
  for (const period of periods) {
    const periodStart = isoInZone(period.start, config.timezone);
    if (await store.getPacketSnapshot(cadence, periodStart)) {
      kept++;
      continue;
    }
    const packet = await buildFromStore(deps, cadence, scheduledBuildAfter(cadence, period, config));
    const stored = await store.putPacketSnapshot(
      { cadence, periodStart, builtAt: deps.clock(), packet: JSON.stringify(packet) },
      false,
    );
    if (stored === 'new') built++;
    else kept++;
  }
  return { built, kept };
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
