import { createHash } from 'node:crypto';
import { type ChatDeps, postToChats } from '../chat/post.ts';
import type { ClientConfig } from '../config/schema.ts';
import type { Packet } from '../packets/packet.ts';
import { webUrlOf } from '../packets/web-link.ts';
import type { Clock } from '../ports/clock.ts';
import { type Mailer, PermanentMailError } from '../ports/mailer.ts';
import type { PacketReady } from '../ports/publisher.ts';
import { refusedClaimOutcome, type Store } from '../ports/store.ts';
import { packetMime } from './mime.ts';
import { type RenderedPacket, renderPacketEmail } from './render.ts';

export interface SendDeps {
  config: ClientConfig;
  store: Store;
  mailer: Mailer;
  clock: Clock;
  /** The stack's public URL: mails and chat posts link to the packet's web copy under it. */
  webBaseUrl?: string;
  /** Where the config's Slack and Teams webhooks are posted: their secrets and the poster. */
  chat?: Pick<ChatDeps, 'secrets' | 'poster' | 'sleep'>;
  /** Called once per send with the rendered packet (the local twin writes outbox/ files). */
  onRendered?: (packet: Packet, rendered: RenderedPacket) => Promise<void>;
}

export interface RecipientReport {
  /** An email address, or a chat destination (`Slack #revenue`). */
  recipient: string;
  via: 'email' | 'slack' | 'teams';
  lists: string[];
  outcome: 'sent' | 'already-sent' | 'in-flight' | 'failed' | 'failed-permanent';
  detail?: string;
}

/** The stored snapshot PacketReady names is missing: the event is retried until it is there. */
export class PacketNotFoundError extends Error {
  override readonly name = 'PacketNotFoundError';
}

/**
 * Some recipients failed for now: thrown after the others were sent, so the event is retried.
 * Its message names the lists and the count. The report, addresses included, is for the caller
 * and is not an own enumerable property: the Lambda runtime logs those of a thrown error.
 */
export class RetryableSendError extends Error {
  override readonly name = 'RetryableSendError';
  readonly #report: RecipientReport[];

  constructor(report: RecipientReport[]) {
    const failed = report.filter((entry) => entry.outcome === 'failed');
    const lists = [...new Set(failed.flatMap((entry) => entry.lists))];
    super(
      `${failed.length} ${failed.length === 1 ? 'recipient' : 'recipients'} on ${lists.join(', ')} failed and will be retried`,
    );
    this.#report = report;
  }

  /** Every recipient's outcome, this run. */
  get report(): RecipientReport[] {
    return this.#report;
  }
}

const REGEXP_SPECIAL = /[.*+?^${}()|[\]\\]/g;

/**
 * An error as text for the report and the mail record, which are logged: each recipient address
 * in it (SES names a refused identity) becomes the lists it is on.
 */
function describeError(error: unknown, recipients: { address: string; lists: string[] }[]): string {
  let text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // Longest first, so an address inside a longer one is not half replaced.
  for (const { address, lists } of [...recipients].sort((a, b) => b.address.length - a.address.length)) {
    const pattern = new RegExp(address.replace(REGEXP_SPECIAL, '\\$&'), 'gi');
    text = text.replace(pattern, `<${lists.join(', ')} recipient>`);
  }
  return text;
}

/** Not a secret, just not an address: delivery records name recipients by this hash. */
export function recipientHash(address: string): string {
  return createHash('sha256').update(address.trim().toLowerCase()).digest('hex').slice(0, 32);
}

/** Every address once, with the lists it is on (marketing, sales, leadership get the same packet). */
export function recipientsOf(
  config: Pick<ClientConfig, 'recipients'>,
): { address: string; lists: string[] }[] {
  const byAddress = new Map<string, { address: string; lists: string[] }>();
  for (const [list, addresses] of Object.entries(config.recipients)) {
    for (const address of addresses) {
      const key = address.toLowerCase();
      const entry = byAddress.get(key) ?? { address, lists: [] };
      entry.lists.push(list);
      byAddress.set(key, entry);
    }
  }
  return [...byAddress.values()];
}

/**
 * Sends a stored packet to every recipient, then posts it to every chat destination (postToChats),
 * once each: a conditional claim before sending and a
 * "sent" mark after, so a retried event never sends twice and a recipient that failed for now is
 * retried without resending to the others. A claim left "sending" (a crash or a store failure
 * between send and mark) is reported as in-flight, not resent: a possible miss is safer than a double send. Permanent failures
 * are recorded and reported; retryable ones make this throw after everyone else was served.
 */
export async function sendPacket(deps: SendDeps, event: PacketReady): Promise<RecipientReport[]> {
  const snapshot = await deps.store.getPacketSnapshot(event.cadence, event.periodStart);
  if (!snapshot) throw new PacketNotFoundError(`no ${event.cadence} packet stored for ${event.periodStart}`);
  const packet = JSON.parse(snapshot.packet) as Packet;
  const webUrl = deps.webBaseUrl ? webUrlOf(deps.webBaseUrl, snapshot) : undefined;
  const rendered = await renderPacketEmail(packet, deps.config.currency, webUrl);
  await deps.onRendered?.(packet, rendered);

  const report: RecipientReport[] = [];
  const recipients = recipientsOf(deps.config);
  for (const { address, lists } of recipients) {
    const key = {
      cadence: event.cadence,
      periodStart: event.periodStart,
      recipientHash: recipientHash(address),
    };
    const claim = await deps.store.claimMail(key, deps.clock());
    if (claim !== 'claimed') {
      report.push({
        recipient: address,
        via: 'email',
        lists,
        outcome: refusedClaimOutcome(claim),
      });
      continue;
    }
    let messageId: string;
    try {
      const raw = await packetMime(rendered, deps.config.from, address);
      ({ messageId } = await deps.mailer.send({ from: deps.config.from, to: address, raw }));
    } catch (error) {
      const permanent = error instanceof PermanentMailError;
      const detail = describeError(error, recipients);
      await deps.store.finishMail(key, {
        state: permanent ? 'failed-permanent' : 'failed',
        detail,
        at: deps.clock(),
      });
      report.push({
        recipient: address,
        via: 'email',
        lists,
        outcome: permanent ? 'failed-permanent' : 'failed',
        detail,
      });
      continue;
    }
    try {
      await deps.store.finishMail(key, { state: 'sent', detail: messageId, at: deps.clock() });
      report.push({ recipient: address, via: 'email', lists, outcome: 'sent', detail: messageId });
    } catch (error) {
      // The mail went out: recording it as failed would resend it. The claim stays "sending", so it
      // is never resent, and the store's error goes into the report for the caller to log.
      report.push({
        recipient: address,
        via: 'email',
        lists,
        outcome: 'in-flight',
        detail: `sent as ${messageId}, not recorded: ${describeError(error, recipients)}`,
      });
    }
  }
  if (deps.chat) report.push(...(await postToChats({ ...deps, ...deps.chat }, packet, event, webUrl)));
  if (report.some((entry) => entry.outcome === 'failed')) throw new RetryableSendError(report);
  return report;
}
