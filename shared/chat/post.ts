import { createHash } from 'node:crypto';
import type { ClientConfig } from '../config/schema.ts';
import type { RecipientReport } from '../email/send.ts';
import type { Packet } from '../packets/packet.ts';
import { packetId } from '../packets/web-link.ts';
import { type ChatAnswer, type ChatPoster, ChatUnreachableError } from '../ports/chat.ts';
import type { Clock } from '../ports/clock.ts';
import type { PacketReady } from '../ports/publisher.ts';
import type { Secrets } from '../ports/secrets.ts';
import { refusedClaimOutcome, type Store } from '../ports/store.ts';
import { chatDigest } from './digest.ts';
import { slackMessage } from './slack.ts';
import { teamsMessage } from './teams.ts';

export type ChatKind = 'slack' | 'teams';

export interface ChatDeps {
  config: ClientConfig;
  store: Store;
  clock: Clock;
  secrets: Secrets;
  poster: ChatPoster;
  /** Waits between attempts; tests pass one that records instead of sleeping. */
  sleep?: (ms: number) => Promise<void>;
}

/**
 * Attempts per destination within one invocation: a throttled or failing webhook is tried again
 * after Retry-After (capped) or a doubling backoff; past that the claim is released and the
 * PacketReady event's own retries (EventBridge, then the dead-letter queue) take over.
 */
export const CHAT_ATTEMPTS = 4;
const BACKOFF_MS = 1_000;
/** Slack's Retry-After is usually seconds; a longer ask is left to the event's next retry. */
const MAX_WAIT_MS = 20_000;
/** A deleted or disabled webhook: posting again cannot succeed (Slack 404/410, Teams 404). */
const GONE = new Set([404, 410]);

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The delivery record's key for a chat destination: the same claim as a recipient's mail. */
function destinationHash(kind: ChatKind, name: string): string {
  return createHash('sha256').update(`chat:${kind}:${name}`).digest('hex').slice(0, 32);
}

/** The payload a destination gets: the same digest, laid out for the platform. */
export function chatPayload(kind: ChatKind, packet: Packet, webUrl?: string): string {
  const digest = chatDigest(packet, webUrl ? { webUrl } : {});
  return JSON.stringify(kind === 'slack' ? slackMessage(digest) : teamsMessage(digest));
}

/**
 * Posts the packet to each configured Slack and Teams destination for its cadence, once each,
 * with the mail's guarantees: a conditional claim before posting and a record after, so a
 * redelivered PacketReady never posts twice. Throttling (429) and 5xx are retried with backoff;
 * a deleted webhook (404, 410) or another refusal is recorded as permanent. Reports name the
 * destination (`Slack #revenue`), never its URL.
 */
export async function postToChats(
  deps: ChatDeps,
  packet: Packet,
  event: PacketReady,
  webUrl?: string,
): Promise<RecipientReport[]> {
  const sleep = deps.sleep ?? defaultSleep;
  const report: RecipientReport[] = [];
  for (const kind of ['slack', 'teams'] as const) {
    for (const destination of deps.config.chat[kind]) {
      if (destination.cadences && !destination.cadences.includes(event.cadence)) continue;
      const recipient = `${kind === 'slack' ? 'Slack' : 'Teams'} ${destination.name}`;
      const lists = [recipient];
      const key = {
        cadence: event.cadence,
        periodStart: event.periodStart,
        recipientHash: destinationHash(kind, destination.name),
      };
      const claim = await deps.store.claimMail(key, deps.clock());
      if (claim !== 'claimed') {
        report.push({ recipient, via: kind, lists, outcome: refusedClaimOutcome(claim) });
        continue;
      }
      const outcome = await deliver(
        deps,
        destination.webhook,
        chatPayload(kind, packet, webUrl),
        packet,
        sleep,
      );
      try {
        await deps.store.finishMail(key, { ...outcome, at: deps.clock() });
        report.push({
          recipient,
          via: kind,
          lists,
          outcome: outcome.state,
          detail: outcome.detail,
        });
      } catch (error) {
        // Posted (or refused) but not recorded: the claim stays "sending", so it is never posted again.
        report.push({
          recipient,
          via: kind,
          lists,
          outcome: 'in-flight',
          detail: `${outcome.state}, not recorded: ${error instanceof Error ? error.message : 'store error'}`,
        });
      }
    }
  }
  return report;
}

type Outcome = { state: 'sent' | 'failed' | 'failed-permanent'; detail: string };

/** An https URL, or an http one on this machine (the twin's capture endpoint). */
function isWebhookUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (
    url.protocol === 'https:' ||
    (url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname))
  );
}

/** Reads the destination's URL from its secret and posts: the outcome to record. */
async function deliver(
  deps: ChatDeps,
  secretName: string,
  payload: string,
  packet: Packet,
  sleep: (ms: number) => Promise<void>,
): Promise<Outcome> {
  let url: string;
  try {
    url = await deps.secrets.get(secretName);
  } catch (error) {
    // A secret not set yet or not readable: tried again on the event's next retry.
    return { state: 'failed', detail: error instanceof Error ? `${error.name}: ${error.message}` : 'failed' };
  }
  if (!isWebhookUrl(url)) {
    // The placeholder the stack creates, or a value pasted wrong: no retry can fix it.
    return {
      state: 'failed-permanent',
      detail: `the secret ${secretName} does not hold an https webhook URL (README "Chat")`,
    };
  }
  // Lets the local twin file what it captured under the packet; Slack and Teams ignore it.
  const headers = {
    'x-samepage-packet': packetId({ cadence: packet.cadence, periodStart: packet.period.start }),
  };
  return postWithRetries(() => deps.poster.post(url, payload, headers), sleep);
}

/** One destination's attempts: the outcome to record, with the webhook's status and words. */
async function postWithRetries(
  post: () => Promise<ChatAnswer>,
  sleep: (ms: number) => Promise<void>,
): Promise<Outcome> {
  let last = '';
  for (let attempt = 1; attempt <= CHAT_ATTEMPTS; attempt++) {
    let wait = BACKOFF_MS * 2 ** (attempt - 1);
    try {
      const answer = await post();
      const said = `HTTP ${answer.status}${answer.detail ? ` ${answer.detail}` : ''}`;
      if (answer.status >= 200 && answer.status < 300) return { state: 'sent', detail: said };
      if (GONE.has(answer.status))
        return { state: 'failed-permanent', detail: `${said} (the webhook is gone)` };
      if (answer.status !== 429 && answer.status < 500) return { state: 'failed-permanent', detail: said };
      last = said;
      if (answer.retryAfterSeconds !== undefined) wait = answer.retryAfterSeconds * 1000;
    } catch (error) {
      // The poster says only what kind of failure it was (ChatUnreachableError), never the URL.
      last = error instanceof ChatUnreachableError ? error.message : 'the post failed';
    }
    if (attempt < CHAT_ATTEMPTS) {
      if (wait > MAX_WAIT_MS) break;
      await sleep(wait);
    }
  }
  return { state: 'failed', detail: `${last} after retries` };
}
