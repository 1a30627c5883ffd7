import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { ClientConfig, SourceName } from '../config/schema.ts';
import { emailHashKeyName } from '../config/secrets.ts';
import { type FieldProblem, RequestTooLargeError, UnknownSourceError, ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Secrets } from '../ports/secrets.ts';
import type { Store } from '../ports/store.ts';
import { type EmailHasher, emailHasher, redactForQuarantine, redactText } from '../privacy.ts';
import { projectEvents } from '../projection/project.ts';
import { adapterFor } from '../sources/registry.ts';
import type {
  DeliveryOutcome,
  KeepContext,
  SourceAdapter,
  SourceAnswer,
  WebhookRequest,
} from '../sources/types.ts';
import { isoInZone } from '../time/periods.ts';
import { canonicalEvents, clip } from './canonical.ts';

/** API Gateway's own payload limit; a larger body cannot have come through it. */
export const MAX_BODY_BYTES = 1024 * 1024;

/*
 * A kept delivery and a projected entity are each one DynamoDB item, and an item holds at most
 * 400 KB: past that every write fails, so the sender retries the same bytes for ever and nothing
 * is kept. The bounds below keep both far under it, whatever a signed body carries.
 */
/** A body is kept gzipped; one that does not shrink under this (random bytes) is refused with 413. */
export const MAX_KEPT_COMPRESSED_BYTES = 320 * 1024;
/** Problems kept with a delivery: the first ones, each cut short (they may echo the body's values). */
const MAX_KEPT_PROBLEMS = 50;
const MAX_PROBLEM_CHARS = 500;
const MAX_ERROR_CHARS = 2000;

export interface IngestDeps {
  config: ClientConfig;
  store: Store;
  secrets: Secrets;
  clock: Clock;
}

export interface IngestResult {
  outcome: DeliveryOutcome;
  answer: SourceAnswer;
}

/** Same source and same bytes → same key; keyed so the key reveals nothing of the body. */
function deliveryKeyOf(source: string, body: Uint8Array, key: string): string {
  return createHmac('sha256', key).update(source).update('\n').update(body).digest('hex').slice(0, 40);
}

/**
 * What is kept of a body its adapter parsed: what the adapter reads (its allow-list), emails as
 * tokens, and an email or phone number typed into a kept free-text field redacted as
 * canonicalEvents redacts it, so the replayed events are the same.
 */
export function keptBody(adapter: SourceAdapter, text: string, context: KeepContext): string {
  return redactText(adapter.keep(text, context), context.hashEmail);
}

/**
 * What is kept of a body that did not parse: it has no structure to filter by, so it is kept
 * whole for a replay after a fix, with its emails and phone numbers redacted.
 */
export function quarantinedBody(text: string, hashEmail: EmailHasher): string {
  return redactForQuarantine(text, hashEmail);
}

/** The problems kept with a delivery: the first ones, cut short, with any email or phone in them redacted. */
export function keptProblems(problems: readonly FieldProblem[], hashEmail: EmailHasher): FieldProblem[] {
  return problems.slice(0, MAX_KEPT_PROBLEMS).map((problem) => ({
    path: redactText(clip(problem.path, MAX_PROBLEM_CHARS), hashEmail),
    message: redactText(clip(problem.message, MAX_PROBLEM_CHARS), hashEmail),
  }));
}

/**
 * The body to keep, when it fits one item: a large body is checked gzipped, as it is stored, and
 * one that does not shrink under the bound (random bytes) is refused with 413 before anything is
 * written.
 */
function keptWithin(body: string, receivedBytes: number): string {
  if (receivedBytes > MAX_KEPT_COMPRESSED_BYTES) {
    const compressed = gzipSync(body).length;
    if (compressed > MAX_KEPT_COMPRESSED_BYTES) {
      throw new RequestTooLargeError(compressed, MAX_KEPT_COMPRESSED_BYTES, 'Compressed body');
    }
  }
  return body;
}

/**
 * Takes one webhook delivery: verify on the raw bytes, parse, keep it (raw or in quarantine,
 * emails redacted), project its events. Throws AuthenticationError (401), UnknownSourceError
 * (404) or RequestTooLargeError (413) before anything is stored; store failures propagate so the
 * sender retries, and a retry converges to the same state.
 */
export async function ingestDelivery(
  deps: IngestDeps,
  sourceName: string,
  request: WebhookRequest,
): Promise<IngestResult> {
  const adapter = adapterFor(sourceName);
  if (!adapter || deps.config.sources[adapter.name] === undefined) throw new UnknownSourceError(sourceName);
  const bytes = request.body.length;
  if (bytes > MAX_BODY_BYTES) throw new RequestTooLargeError(bytes, MAX_BODY_BYTES);

  // Verified over the bytes that arrived; only a verified body is decoded (a byte that is not
  // UTF-8 becomes U+FFFD in what is parsed and kept; the delivery key still covers the bytes).
  await adapter.verify(request, { config: deps.config, secrets: deps.secrets, now: deps.clock() });
  const text = request.body.toString('utf8');

  const key = await deps.secrets.get(emailHashKeyName(deps.config));
  const hashEmail = emailHasher(key);
  const delivery = {
    deliveryKey: deliveryKeyOf(adapter.name, request.body, key),
    source: adapter.name,
    receivedAt: request.receivedAt,
    contentType: clip(request.headers['content-type'] ?? '', MAX_PROBLEM_CHARS),
  };

  let parsed: ReturnType<typeof adapter.parse>;
  try {
    parsed = adapter.parse(text, { config: deps.config, hashEmail, receivedAt: request.receivedAt });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    const body = keptWithin(quarantinedBody(text, hashEmail), bytes);
    const reason = redactText(clip(error.message, MAX_ERROR_CHARS), hashEmail);
    await deps.store.putQuarantine({
      ...delivery,
      body,
      error: reason,
      problems: keptProblems(error.problems, hashEmail),
    });
    await noteDelivery(deps, adapter.name, request.receivedAt, 'quarantined');
    const outcome: DeliveryOutcome = {
      status: 'quarantined',
      events: 0,
      problems: Math.max(1, error.problems.length),
      ignored: 0,
      reason,
    };
    return { outcome, answer: adapter.answer(outcome) };
  }

  const kept = keptBody(adapter, text, { config: deps.config, hashEmail });
  const stored = { ...delivery, body: keptWithin(kept, bytes) };

  let bounded = canonicalEvents(parsed.events, parsed.problems, hashEmail);
  const written = await deps.store.putRawDelivery({
    ...stored,
    problems: keptProblems(bounded.problems, hashEmail),
  });
  if (written === 'duplicate') {
    // Sources without a change time (e.g. Salesforce records lacking LastModifiedDate) fall back to
    // the receipt time: a repeat must use the first receipt's, or it would add history entries.
    const firstReceivedAt = await deps.store.rawDeliveryReceivedAt(stored.deliveryKey);
    if (firstReceivedAt !== undefined && firstReceivedAt !== request.receivedAt) {
      parsed = adapter.parse(text, { config: deps.config, hashEmail, receivedAt: firstReceivedAt });
      bounded = canonicalEvents(parsed.events, parsed.problems, hashEmail);
      // A repeat whose first attempt failed before its quarantine write keeps the first receipt too.
      stored.receivedAt = firstReceivedAt;
    }
  }
  if (bounded.problems.length > 0) {
    await deps.store.putQuarantine({
      ...stored,
      error: `${bounded.problems.length} item(s) did not validate; the other ${bounded.events.length} were projected`,
      problems: keptProblems(bounded.problems, hashEmail),
    });
  }
  // Projected even when the bytes were seen before: an earlier attempt may have stopped half-way.
  await projectEvents(deps.store, deps.config, bounded.events);
  const newestEventAt = bounded.events.reduce<number | undefined>(
    (newest, event) => (newest === undefined || event.at > newest ? event.at : newest),
    undefined,
  );
  await noteDelivery(deps, adapter.name, request.receivedAt, 'accepted', newestEventAt);
  const outcome: DeliveryOutcome = {
    status: written === 'duplicate' ? 'duplicate' : 'accepted',
    events: bounded.events.length,
    problems: bounded.problems.length,
    ignored: Object.values(parsed.ignored).reduce((sum, count) => sum + count, 0),
  };
  return { outcome, answer: adapter.answer(outcome) };
}

/**
 * Counts a kept delivery on its source's freshness marker, on the client's local day of receipt
 * (the store writes the marker at most once a minute). A repeat counts too: the source delivered.
 */
function noteDelivery(
  deps: IngestDeps,
  source: SourceName,
  receivedAt: number,
  outcome: 'accepted' | 'quarantined',
  newestEventAt?: number,
): Promise<void> {
  return deps.store.noteSourceDelivery({
    source,
    receivedAt,
    outcome,
    newestEventAt,
    day: isoInZone(receivedAt, deps.config.timezone).slice(0, 10),
  });
}

/**
 * Rebuilds projections from kept deliveries (after a fix to an adapter or a mapping). The range
 * filters the raw deliveries rather than seeking them: every kept raw delivery is read, and those
 * received in the range are replayed, in no particular order (projection does not depend on it).
 * Quarantined ones are read by receipt month, from the first quarantined receipt at the earliest.
 */
export async function replayDeliveries(
  deps: Omit<IngestDeps, 'clock'>,
  range: { from: number; to: number },
  onProgress: (done: number) => void = () => {},
): Promise<{ deliveries: number; events: number; stillQuarantined: number }> {
  const hashEmail = emailHasher(await deps.secrets.get(emailHashKeyName(deps.config)));
  let deliveries = 0;
  let events = 0;
  let stillQuarantined = 0;
  const replayOne = async (source: SourceName, body: string, receivedAt: number) => {
    const adapter = adapterFor(source);
    if (!adapter) return false;
    try {
      const parsed = adapter.parse(body, { config: deps.config, hashEmail, receivedAt });
      const { events: projected } = canonicalEvents(parsed.events, [], hashEmail);
      await projectEvents(deps.store, deps.config, projected, { reindex: true });
      events += projected.length;
      return true;
    } catch (error) {
      if (error instanceof ValidationError) return false;
      throw error;
    }
  };
  for await (const raw of deps.store.rawDeliveries(range)) {
    await replayOne(raw.source, raw.body, raw.receivedAt);
    onProgress(++deliveries);
  }
  const firstQuarantinedAt = await deps.store.firstQuarantinedAt();
  const quarantine = { from: Math.max(range.from, firstQuarantinedAt ?? range.to), to: range.to };
  for await (const quarantined of deps.store.quarantinedDeliveries(quarantine)) {
    if (!(await replayOne(quarantined.source, quarantined.body, quarantined.receivedAt))) stillQuarantined++;
    onProgress(++deliveries);
  }
  return { deliveries, events, stillQuarantined };
}
