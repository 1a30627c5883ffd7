import * as z from 'zod';
import { definitionsVersion } from '../config/parse.ts';
import { type ClientConfig, SOURCE_NAMES } from '../config/schema.ts';
import { problemsFromZod, ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { EventPublisher } from '../ports/publisher.ts';
import type { PacketHold, Store } from '../ports/store.ts';
import { CADENCES, type Cadence, isoInZone, lastCompletePeriod } from '../time/periods.ts';
import { isScheduledDay, scheduledBuildAfter } from '../time/schedule.ts';
import { brokenReason, brokenSources } from './freshness.ts';
import { loadFacts } from './load.ts';
import { buildPacket, earlierPacket, type Packet, trendPeriods } from './packet.ts';
import { newWebToken } from './web-link.ts';

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
  /**
   * Ops: send a packet held for a silent source now, naming who decided. Recorded in the hold and
   * in the packet's appendix. (`force` means "rebuild", so a release has a flag of its own.)
   */
  releaseHold: z.strictObject({ by: z.string().trim().min(1).max(80) }).optional(),
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

/** A packet not stored and not sent: a source it needs is broken and its policy is `hold`. */
export interface HeldPacketResult {
  status: 'held';
  cadence: Cadence;
  periodStart: string;
  hold: PacketHold;
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
): Promise<BuildPacketResult | HeldPacketResult> {
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
    const held = await holdOrRelease(deps, input, periodStart, packet);
    if (held) return held;
    const builtAt = deps.clock();
    const snapshot = {
      cadence: input.cadence,
      periodStart,
      builtAt,
      packet: JSON.stringify(packet),
      web: newWebToken(deps.config, builtAt),
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
 * The hold (DESIGN.md "never send a packet built on broken data"): a packet built while a source
 * whose policy is `hold` is silent or quarantining is not stored and not sent; the hold is recorded
 * (its `since` kept across the daily re-checks) and the caller alarms. A later run that finds the
 * sources fresh, or an ops release, sends the packet built then, as of that instant, and its
 * appendix says it was held, from when to when, why, and what released it.
 */
async function holdOrRelease(
  deps: Pick<BuildPacketDeps, 'store' | 'clock' | 'config'>,
  input: z.output<typeof buildPacketInputSchema>,
  periodStart: string,
  packet: Packet,
): Promise<HeldPacketResult | undefined> {
  const now = deps.clock();
  const holding = brokenSources(packet.dataHealth.sources ?? []).filter((source) => source.policy === 'hold');
  let hold = await deps.store.getHold(input.cadence, periodStart);
  if (holding.length > 0) {
    hold = await deps.store.recordHold({
      cadence: input.cadence,
      periodStart,
      since: hold?.since ?? now,
      checkedAt: now,
      reasons: holding.map(brokenReason),
    });
    if (!input.releaseHold) return { status: 'held', cadence: input.cadence, periodStart, hold };
  }
  if (!hold || hold.released) return undefined;
  const by = input.releaseHold ? { forcedBy: input.releaseHold.by } : ('fresh' as const);
  await deps.store.releaseHold(input.cadence, periodStart, { at: now, by });
  packet.definitions.held = {
    since: isoInZone(hold.since, deps.config.timezone),
    until: isoInZone(now, deps.config.timezone),
    reasons: hold.reasons,
    releasedBy:
      by === 'fresh'
        ? 'the sources delivering again'
        : `${by.forcedBy}, who sent it while a source was still broken`,
  };
  return undefined;
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
  const [facts, snapshots, sourceActivity] = await Promise.all([
    loadFacts(store, config, cadence, asOf),
    store.getPacketSnapshots(cadence, starts),
    store.sourceActivity(SOURCE_NAMES.filter((name) => config.sources[name] !== undefined)),
  ]);
  const earlier = snapshots.map((snapshot) => earlierPacket(JSON.parse(snapshot.packet) as Packet));
  return buildPacket(facts, config, cadence, asOf, { definitionsHistory, earlier, sourceActivity });
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
      {
        cadence,
        periodStart,
        builtAt: deps.clock(),
        packet: JSON.stringify(packet),
        web: newWebToken(config, deps.clock()),
      },
      false,
    );
    if (stored === 'new') built++;
    else kept++;
  }
  return { built, kept };
}

/**
 * The scheduler's entry: every schedule fires each business weekday at its hour (cron cannot name
 * "the first business day" with holidays); the configured day builds, and the other days retry a
 * packet held for a silent source.
 */
export async function runScheduledBuild(
  deps: BuildPacketDeps,
  rawInput: unknown,
): Promise<BuildPacketResult | HeldPacketResult | { status: 'not-scheduled-today' }> {
  const parsed = buildPacketInputSchema.safeParse(rawInput);
  if (parsed.success && parsed.data.onScheduledDay) {
    const { cadence } = parsed.data;
    const asOf = parsed.data.asOf ? Date.parse(parsed.data.asOf) : deps.clock();
    if (!isScheduledDay(cadence, asOf, deps.config)) {
      // On other business days the schedule only re-checks a packet held for a silent source.
      const periodStart = isoInZone(
        lastCompletePeriod(cadence, asOf, deps.config).start,
        deps.config.timezone,
      );
      const hold = await deps.store.getHold(cadence, periodStart);
      if (!hold || hold.released) return { status: 'not-scheduled-today' };
    }
  }
  return buildAndPublishPacket(deps, rawInput);
}
