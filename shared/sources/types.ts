import type { ClientConfig, SourceName } from '../config/schema.ts';
import type { FieldProblem } from '../errors.ts';
import type { CanonicalEvent } from '../model/events.ts';
import type { Secrets } from '../ports/secrets.ts';
import type { EmailHasher } from '../privacy.ts';

/** An HTTP delivery as it reached us, before anything was parsed. */
export interface WebhookRequest {
  method: string;
  /** The full URL the sender called, scheme and query included. */
  url: string;
  /** Header names lower-cased. */
  headers: Readonly<Record<string, string>>;
  /**
   * The body's bytes exactly as they arrived: signatures are checked on them, never on a decoded
   * or re-serialised copy (a body that is not valid UTF-8 must still verify).
   */
  body: Buffer;
  receivedAt: number;
}

export interface VerifyContext {
  config: ClientConfig;
  secrets: Secrets;
  now: number;
}

export interface ParseContext {
  config: ClientConfig;
  hashEmail: EmailHasher;
  receivedAt: number;
}

/** What `keep` needs: the config's maps (which fields it reads) and the email hasher. */
export interface KeepContext {
  config: ClientConfig;
  hashEmail: EmailHasher;
}

/** What a body held: events to project, per-item problems (quarantined), and items deliberately ignored. */
export interface ParsedDelivery {
  events: CanonicalEvent[];
  problems: FieldProblem[];
  /** Counts of items that are valid but carry nothing samepage uses (e.g. ticket events). */
  ignored: Record<string, number>;
}

export interface DeliveryOutcome {
  status: 'accepted' | 'duplicate' | 'quarantined';
  events: number;
  problems: number;
  ignored: number;
  reason?: string;
}

export interface SourceAnswer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/** One item of a batched delivery: a body the adapter parses on its own, and the value to put back. */
export interface DeliveryItem {
  body: string;
  part: unknown;
}

/** A delivery split into its items, and how to write the delivery back with only some of them. */
export interface SplitDelivery {
  items: DeliveryItem[];
  join(items: readonly DeliveryItem[]): string;
}

/** One webhook source: checks who sent it, turns its wire format into canonical events, answers. */
export interface SourceAdapter {
  readonly name: SourceName;
  /**
   * The names of the secrets `verify` reads, from this source's config (undefined when not
   * configured): the stack creates them and `samepage serve` checks them, from this one list.
   */
  secretNames(config: ClientConfig): (string | undefined)[];
  /** Throws AuthenticationError with the reason when the delivery is not from the configured sender. */
  verify(request: WebhookRequest, context: VerifyContext): Promise<void>;
  /**
   * Parses a verified body. Throws ValidationError when nothing in it can be used (the delivery
   * is quarantined); item-level problems are returned so the valid items still count.
   */
  parse(body: string, context: ParseContext): ParsedDelivery;
  /**
   * The body reduced to what this adapter reads today or the client's config tells it to read
   * (its mapped fields, the config's `properties` / `fields` and stage maps), in the same wire
   * format, each email replaced by its `emailhash:` token: what is kept for replay. Parsing the
   * kept body gives the same events as parsing the body. Names, phone numbers, street addresses and
   * free text are not kept. Derived from the adapter's own schemas and maps, never a second list.
   * Called only on a body `parse` accepted (an item that did not validate keeps its allowed keys).
   */
  keep(body: string, context: KeepContext): string;
  /** The answer the sender expects for a delivery it should not send again. */
  answer(outcome: DeliveryOutcome): SourceAnswer;
  /**
   * For a source that batches records in one delivery: its items, so erasing one person keeps
   * everyone else's. Undefined when the body is one item (or does not parse).
   */
  split?(body: string): SplitDelivery | undefined;
}

/** A JSON body's array of items (`[…]` or `{"events": […]}`) as a SplitDelivery. */
export function jsonItems(
  body: string,
  itemsOf: (parsed: unknown) => unknown[] | undefined,
  withItems: (parsed: unknown, parts: unknown[]) => unknown,
): SplitDelivery | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  const parts = itemsOf(parsed);
  if (!parts) return undefined;
  return {
    items: parts.map((part) => ({ body: JSON.stringify(withItems(parsed, [part])), part })),
    join: (items) =>
      JSON.stringify(
        withItems(
          parsed,
          items.map((item) => item.part),
        ),
      ),
  };
}

/** The JSON answer most senders get. */
export function jsonAnswer(outcome: DeliveryOutcome): SourceAnswer {
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(outcome) };
}
