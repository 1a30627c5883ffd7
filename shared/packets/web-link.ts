import { randomBytes } from 'node:crypto';
import { DateTime } from 'luxon';
import * as z from 'zod';
import type { ClientConfig } from '../config/schema.ts';
import type { PacketSnapshot, Store } from '../ports/store.ts';
import { constantTimeEqual } from '../sources/wire.ts';
import { CADENCES, isoInZone } from '../time/periods.ts';
import type { Packet } from './packet.ts';

/**
 * The web copy of a packet is reached by a capability URL: whoever holds the link may read that
 * one packet until the link expires, and nobody else. The token is 256 random bits (the issue asks
 * for at least 128), kept with the snapshot, and sent as a query parameter: API Gateway's access
 * log records the path, not the query string.
 */
export const WEB_PATH = '/packets/view';
const TOKEN_BYTES = 32;
const DAY_MS = 86_400_000;

export interface WebToken {
  token: string;
  expiresAt: number;
}

/** A new token for a snapshot built at `builtAt`, valid for the config's `web.linkDays`. */
export function newWebToken(config: Pick<ClientConfig, 'web'>, builtAt: number): WebToken {
  return {
    token: randomBytes(TOKEN_BYTES).toString('base64url'),
    expiresAt: builtAt + config.web.linkDays * DAY_MS,
  };
}

/** `weekly-2026-11-23`: the packet's cadence and the local date its period starts. */
export function packetId(snapshot: Pick<PacketSnapshot, 'cadence' | 'periodStart'>): string {
  return `${snapshot.cadence}-${snapshot.periodStart.slice(0, 10)}`;
}

/** The link to a snapshot's web copy, or none when it has no token (built before web copies). */
export function webUrlOf(
  baseUrl: string,
  snapshot: Pick<PacketSnapshot, 'cadence' | 'periodStart' | 'web'>,
): string | undefined {
  if (!snapshot.web) return undefined;
  const query = new URLSearchParams({ p: packetId(snapshot), t: snapshot.web.token });
  return `${baseUrl.replace(/\/+$/, '')}${WEB_PATH}?${query}`;
}

/** `weekly-2026-11-23`: a cadence and a local date (see packetId). */
const PACKET_ID = new RegExp(`^(${CADENCES.join('|')})-(\\d{4}-\\d{2}-\\d{2})$`);
/** Compared when no snapshot answers, so that path compares as long a token as the others. */
const NO_TOKEN = 'x'.repeat(Math.ceil((TOKEN_BYTES * 4) / 3));

const querySchema = z.object({
  p: z.string().regex(PACKET_ID),
  t: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/),
});

export type WebLookup =
  | { found: true; packet: Packet }
  | { found: false; reason: 'malformed' | 'unknown' | 'wrong-token' | 'expired' };

/**
 * The packet a link opens. A malformed link reads nothing; any other asks the store once for the
 * snapshot, whether its token turns out right, wrong or expired, so the answer's cost says nothing
 * about the token. The token is compared in constant time.
 */
export async function findWebPacket(
  store: Pick<Store, 'getPacketSnapshot'>,
  config: Pick<ClientConfig, 'timezone'>,
  query: Readonly<Record<string, string | undefined>>,
  now: number,
): Promise<WebLookup> {
  const parsed = querySchema.safeParse(query);
  if (!parsed.success) return { found: false, reason: 'malformed' };
  const key = snapshotKeyOf(parsed.data.p, config);
  if (!key) return { found: false, reason: 'malformed' };
  const snapshot = await store.getPacketSnapshot(key.cadence, key.periodStart);
  // Compared even without a snapshot, so every path does the same work.
  const expected = snapshot?.web?.token ?? NO_TOKEN;
  const matches = constantTimeEqual(parsed.data.t, expected);
  if (!snapshot?.web) return { found: false, reason: 'unknown' };
  if (!matches) return { found: false, reason: 'wrong-token' };
  if (now >= snapshot.web.expiresAt) return { found: false, reason: 'expired' };
  return { found: true, packet: JSON.parse(snapshot.packet) as Packet };
}

/** The snapshot key a packet id names (`weekly-2026-11-23`, in the client's time zone), as the build wrote it. */
export function snapshotKeyOf(
  id: string,
  config: Pick<ClientConfig, 'timezone'>,
): { cadence: string; periodStart: string } | undefined {
  const match = PACKET_ID.exec(id);
  const start = DateTime.fromISO(match?.[2] ?? '', { zone: config.timezone });
  if (!match?.[1] || !start.isValid) return undefined;
  return { cadence: match[1], periodStart: isoInZone(start.toMillis(), config.timezone) };
}
