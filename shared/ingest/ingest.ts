import { createHmac } from 'node:crypto';
import type { ClientConfig, SourceName } from '../config/schema.ts';
import { RequestTooLargeError, UnknownSourceError, ValidationError } from '../errors.ts';
import type { Clock } from '../ports/clock.ts';
import type { Secrets } from '../ports/secrets.ts';
import type { Store } from '../ports/store.ts';
import { emailHasher, redactEmails } from '../privacy.ts';
import { projectEvents } from '../projection/project.ts';
import { adapterFor } from '../sources/registry.ts';
import type { DeliveryOutcome, SourceAnswer, WebhookRequest } from '../sources/types.ts';

/** API Gateway's own payload limit; a larger body cannot have come through it. */
export const MAX_BODY_BYTES = 1024 * 1024;

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

/** The secret name of the key that hashes email addresses. */
export function emailHashKeyName(config: ClientConfig): string {
  return config.privacy.emailHashKey ?? `${config.client}/email-hash-key`;
}

/** Same source and same bytes → same key; keyed so the key reveals nothing of the body. */
function deliveryKeyOf(source: string, body: string, key: string): string {
  return createHmac('sha256', key).update(source).update('\n').update(body).digest('hex').slice(0, 40);
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
  const bytes = Buffer.byteLength(request.body, 'utf8');
  if (bytes > MAX_BODY_BYTES) throw new RequestTooLargeError(bytes, MAX_BODY_BYTES);

  await adapter.verify(request, { config: deps.config, secrets: deps.secrets, now: deps.clock() });

  const key = await deps.secrets.get(emailHashKeyName(deps.config));
  const hashEmail = emailHasher(key);
  const stored = {
    deliveryKey: deliveryKeyOf(adapter.name, request.body, key),
    source: adapter.name,
    receivedAt: request.receivedAt,
    contentType: request.headers['content-type'] ?? '',
    body: redactEmails(request.body, hashEmail),
  };

  let parsed: ReturnType<typeof adapter.parse>;
  try {
    parsed = adapter.parse(request.body, { config: deps.config, hashEmail, receivedAt: request.receivedAt });
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    await deps.store.putQuarantine({ ...stored, error: error.message, problems: [...error.problems] });
    const outcome: DeliveryOutcome = {
      status: 'quarantined',
      events: 0,
      problems: Math.max(1, error.problems.length),
      ignored: 0,
      reason: error.message,
    };
    return { outcome, answer: adapter.answer(outcome) };
  }

  const kept = await deps.store.putRawDelivery({ ...stored, problems: parsed.problems });
  if (kept === 'duplicate') {
    // Sources without a change time (e.g. Salesforce records lacking LastModifiedDate) fall back to
    // the receipt time: a repeat must use the first receipt's, or it would add history entries.
    const firstReceivedAt = await deps.store.rawDeliveryReceivedAt(stored.deliveryKey);
    if (firstReceivedAt !== undefined && firstReceivedAt !== request.receivedAt) {
      parsed = adapter.parse(request.body, { config: deps.config, hashEmail, receivedAt: firstReceivedAt });
      // A repeat whose first attempt failed before its quarantine write keeps the first receipt too.
      stored.receivedAt = firstReceivedAt;
    }
  }
  if (parsed.problems.length > 0) {
    await deps.store.putQuarantine({
      ...stored,
      error: `${parsed.problems.length} item(s) did not validate; the other ${parsed.events.length} were projected`,
      problems: parsed.problems,
    });
  }
  // Projected even when the bytes were seen before: an earlier attempt may have stopped half-way.
  await projectEvents(deps.store, deps.config, parsed.events);
  const outcome: DeliveryOutcome = {
    status: kept === 'duplicate' ? 'duplicate' : 'accepted',
    events: parsed.events.length,
    problems: parsed.problems.length,
    ignored: Object.values(parsed.ignored).reduce((sum, count) => sum + count, 0),
  };
  return { outcome, answer: adapter.answer(outcome) };
}

/** Rebuilds projections from kept deliveries (after a fix to an adapter or a mapping). */
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
      await projectEvents(deps.store, deps.config, parsed.events);
      events += parsed.events.length;
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
  for await (const quarantined of deps.store.quarantinedDeliveries(range)) {
    if (!(await replayOne(quarantined.source, quarantined.body, quarantined.receivedAt))) stillQuarantined++;
    onProgress(++deliveries);
  }
  return { deliveries, events, stillQuarantined };
}
