import type { SourceName } from '../config/schema.ts';
import type { FieldProblem } from '../errors.ts';
import type { EntityType } from '../model/events.ts';
import type { EntityState } from '../projection/state.ts';

/** A verified delivery as it arrived, email addresses replaced by their keyed hash. */
export interface RawDelivery {
  /** Keyed hash of the source and the raw body: the same bytes delivered twice share it. */
  deliveryKey: string;
  source: SourceName;
  receivedAt: number;
  contentType: string;
  body: string;
  /** Events the delivery held that did not validate (the rest were projected). */
  problems: FieldProblem[];
}

/** A verified delivery that did not validate at all; kept with its error for a later replay. */
export interface QuarantinedDelivery {
  deliveryKey: string;
  source: SourceName;
  receivedAt: number;
  contentType: string;
  body: string;
  error: string;
  problems: FieldProblem[];
}

/** Where a delivery is kept: with the raw deliveries, or in quarantine. */
export type DeliveryKind = 'raw' | 'quarantine';

/** One (packet, recipient): the recipient is kept as a hash, never as an address. */
export interface MailKey {
  cadence: string;
  periodStart: string;
  recipientHash: string;
}

export type MailState = 'sending' | 'sent' | 'failed' | 'failed-permanent';

/**
 * What a refused claim means for this run (a mail or a chat post): sent before, claimed by a run
 * that never recorded its end (not resent: a possible miss is safer than a double send), refused
 * for good, or failed for now.
 */
export function refusedClaimOutcome(
  state: MailState,
): 'already-sent' | 'in-flight' | 'failed-permanent' | 'failed' {
  return state === 'sent' ? 'already-sent' : state === 'sending' ? 'in-flight' : state;
}

export interface MailRecord extends MailKey {
  state: MailState;
  attempts: number;
  /** The message id once sent, the error otherwise. */
  detail?: string;
  updatedAt: number;
}

/** A definitions version and when a packet first used it. */
export interface DefinitionsRecord {
  version: string;
  since: number;
}

/** A built packet as kept: the JSON that was (or will be) sent, and when it was built. */
export interface PacketSnapshot {
  cadence: string;
  periodStart: string;
  builtAt: number;
  /** The packet JSON (shared/packets/packet.ts), kept whole so a resend sends the same numbers. */
  packet: string;
  /** The capability token of its web copy (shared/packets/web-link.ts); none on older snapshots. */
  web?: { token: string; expiresAt: number };
}

/** One delivery of a source, as its freshness marker counts it. */
export interface SourceDeliveryNote {
  source: SourceName;
  receivedAt: number;
  /** The newest event time the delivery carried (none for a quarantined body). */
  newestEventAt?: number;
  outcome: 'accepted' | 'quarantined';
  /** The client's local date of `receivedAt` ("2026-11-30"): the day the delivery is counted on. */
  day: string;
}

/**
 * What a source delivered, from its marker item: written at most once a minute per source by each
 * ingest container (shared/store/table.ts), so reading it costs one item per source and ingest
 * adds no write per event. Times and counts may lag the last minute's deliveries.
 */
export interface SourceActivity {
  source: SourceName;
  lastDeliveryAt?: number;
  /** The newest event time among the deliveries of the marker's last write. */
  lastEventAt?: number;
  /** Deliveries per local day ("2026-11-30"). */
  acceptedByDay: Record<string, number>;
  quarantinedByDay: Record<string, number>;
}

/** A packet held because a source it needs went silent (DESIGN.md "hold"). */
export interface PacketHold {
  cadence: string;
  periodStart: string;
  /** When the packet was first held. */
  since: number;
  /** The last scheduled check that found it still held. */
  checkedAt: number;
  /** Why, in words (one per broken source). */
  reasons: string[];
  /** Set once the packet is released: by the source being fresh again, or forced by ops. */
  released?: { at: number; by: 'fresh' | { forcedBy: string } };
}

/** One entity as the store finds it: its type and its `<system>:<id>`. */
export interface EntityRef {
  entity: EntityType;
  id: string;
}

/**
 * The instants an entity is found by when a packet reads its period without a Scan (computed in
 * shared/projection/index-times.ts; the adapter turns them into index keys).
 */
export interface IndexTimes {
  /**
   * contacts: creation; deals: creation; companies: first seen; forms and activities: their time.
   * Only companies, forms and activities are listed by it (contacts and deals are found by
   * milestone, open deals by `open`); a deal's creation orders the open deals.
   */
  created: number;
  /**
   * contacts: the latest of creation, first entry into mql and first disqualification, so one
   * range query from a window's start finds every contact with any of them in the window, once;
   * deals: first entry into a won or lost stage; forms: their time when the form is one of
   * `sla.highIntentForms` (an SLA clock may start there, long before a packet's window).
   */
  milestone?: number;
  /** deals only: still open (not closed, not deleted) — they are listed for stalled-deal checks. */
  open?: boolean;
}

export interface StoredEntity {
  state: EntityState;
  /** Optimistic-concurrency version; writes are conditional on it. */
  version: number;
  /** The index times the item was written with (absent on items written before they were kept). */
  indexed?: IndexTimes;
}

export type TimeIndex = 'created' | 'milestone';

/** Half-open interval of epoch milliseconds `[from, to)`. */
export interface TimeRange {
  from: number;
  to: number;
}

export interface StoreCounters {
  /** Items returned by reads (Get, BatchGet, Query): what a packet pays for. */
  itemsRead: number;
  /** Write requests (Put, Update, Delete). */
  writes: number;
}

/**
 * Everything samepage keeps. Implemented over DynamoDB (dynalite locally); domain code
 * only sees this interface.
 */
export interface Store {
  readonly counters: StoreCounters;
  /** Keeps a raw delivery; 'duplicate' when the same bytes were kept before. */
  putRawDelivery(delivery: RawDelivery): Promise<'new' | 'duplicate'>;
  putQuarantine(delivery: QuarantinedDelivery): Promise<'new' | 'duplicate'>;
  /** When a kept raw delivery was first received (undefined when it was never kept). */
  rawDeliveryReceivedAt(deliveryKey: string): Promise<number | undefined>;
  /** Reads entities; the answer holds those found, by `entityKey` (shared/model/events.ts). */
  getEntities(refs: readonly EntityRef[]): Promise<Map<string, StoredEntity>>;
  /**
   * Writes a state if its stored version is still `expectedVersion` (null: must not exist yet).
   * Returns false when someone else wrote first; the caller re-reads and merges again.
   */
  putEntity(state: EntityState, times: IndexTimes, expectedVersion: number | null): Promise<boolean>;
  /**
   * The raw deliveries received in `range`, in no particular order. The range filters, it does
   * not seek: every kept raw delivery is read whatever the range (only replay, forget and minimize
   * list them, and ingest pays no index write for them).
   */
  rawDeliveries(range: TimeRange): AsyncIterable<RawDelivery>;
  /** The quarantined deliveries received in `range`, by receipt month (a packet counts them). */
  quarantinedDeliveries(range: TimeRange): AsyncIterable<QuarantinedDelivery>;
  /**
   * Replaces a kept delivery's body (erasure: the forgotten person's items taken out), and its
   * reason and problems when given (minimising what an older version kept).
   */
  replaceDeliveryBody(
    kind: DeliveryKind,
    deliveryKey: string,
    body: string,
    notes?: { error?: string; problems: FieldProblem[] },
  ): Promise<void>;
  /** Deletes a kept delivery (erasure: every item in it was about the forgotten person). */
  deleteDelivery(kind: DeliveryKind, deliveryKey: string): Promise<void>;
  /** Companies, forms and activities by 'created'; contacts, deals and forms by 'milestone'. */
  entitiesByTime(entity: EntityType, index: TimeIndex, range: TimeRange): AsyncIterable<EntityState>;
  openDeals(): AsyncIterable<EntityState>;
  /**
   * Records that facts as old as `at` exist; only an instant earlier than the known first fact is
   * written, so live traffic costs no write.
   */
  noteFactTime(at: number): Promise<void>;
  /** The earliest fact the client has, if any. */
  firstFactAt(): Promise<number | undefined>;
  /**
   * No quarantined delivery was received before this instant (none is kept when undefined):
   * where erasure and minimising start reading quarantine. Kept by `putQuarantine`; a table from
   * before it was kept gets it from `samepage migrate-table`.
   */
  firstQuarantinedAt(): Promise<number | undefined>;
  /**
   * Keeps a packet snapshot once per (cadence, period): 'exists' when one is already kept and
   * `replace` is false. With `replace` the snapshot is overwritten (a forced rebuild).
   */
  putPacketSnapshot(snapshot: PacketSnapshot, replace: boolean): Promise<'new' | 'exists'>;
  getPacketSnapshot(cadence: string, periodStart: string): Promise<PacketSnapshot | undefined>;
  /**
   * Makes a packet's web link expire at `at` (revocation): the link then opens nothing. False when
   * no snapshot of that packet has a web link.
   */
  expireWebLink(cadence: string, periodStart: string, at: number): Promise<boolean>;
  /** The kept snapshots among these periods of a cadence (one BatchGetItem per 100), oldest first. */
  getPacketSnapshots(cadence: string, periodStarts: readonly string[]): Promise<PacketSnapshot[]>;
  /**
   * Records a definitions version the first time a packet is built with it (one write per
   * version, ever) and returns every version known, oldest first.
   */
  recordDefinitions(version: string, at: number): Promise<DefinitionsRecord[]>;
  /**
   * Claims the sending of a packet to one recipient with a conditional write: 'claimed' when this
   * caller may send (never sent, or a retryable failure); otherwise the state that stops it.
   */
  claimMail(mail: MailKey, at: number): Promise<'claimed' | MailState>;
  /** Records how the claimed send ended. */
  finishMail(
    mail: MailKey,
    outcome: { state: 'sent' | 'failed' | 'failed-permanent'; detail: string; at: number },
  ): Promise<void>;
  /** Every recipient's state for one packet. */
  mailsOf(packet: Omit<MailKey, 'recipientHash'>): Promise<MailRecord[]>;
  /**
   * Counts a delivery on its source's marker. Buffered per store instance: the marker is written
   * at most once a minute per source (with what was buffered since), so ingest adds no write per
   * event; `flushSourceNotes` writes what is buffered (the twin on close, tests).
   */
  noteSourceDelivery(note: SourceDeliveryNote): Promise<void>;
  flushSourceNotes(): Promise<void>;
  /** The markers of these sources (one BatchGetItem); a source that never delivered has empty counts. */
  sourceActivity(sources: readonly SourceName[]): Promise<SourceActivity[]>;
  /** Records a hold, or a later check of it (its `since` never moves). */
  recordHold(hold: Omit<PacketHold, 'released'>): Promise<PacketHold>;
  getHold(cadence: string, periodStart: string): Promise<PacketHold | undefined>;
  /** Marks a hold released (idempotent: the first release is kept). */
  releaseHold(
    cadence: string,
    periodStart: string,
    released: NonNullable<PacketHold['released']>,
  ): Promise<void>;
}
