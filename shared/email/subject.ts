import { DateTime } from 'luxon';
import { MEETINGS } from '../metrics/registry.ts';
import { compactMoney } from '../packets/format.ts';
import type { Packet } from '../packets/packet.ts';

const AVERAGE_UNITS: Record<Packet['cadence'], string> = { weekly: 'wk', monthly: 'mo', quarterly: 'qtr' };

/** `Nov 9–15` for a week, `October 2026` for a month, the fiscal quarter's label for a quarter. */
export function shortPeriod(packet: Pick<Packet, 'cadence' | 'period'>): string {
  if (packet.cadence !== 'weekly') return packet.period.label.replace(/ \(.*\)$/, '');
  const start = DateTime.fromISO(packet.period.start, { setZone: true });
  const last = DateTime.fromISO(packet.period.end, { setZone: true }).minus({ days: 1 });
  const from = start.toFormat('LLL d');
  return start.month === last.month ? `${from}–${last.toFormat('d')}` : `${from}–${last.toFormat('LLL d')}`;
}

/**
 * `Acme Analytics weekly pipeline council, Nov 9–15: QPC $412K, +12% vs 4-wk avg`; a packet built on
 * a silent source says so first, so nobody forwards the number without the caveat.
 */
export function packetSubject(packet: Packet, currency: string): string {
  const { headline } = packet;
  const qpc = packet.metrics.find((metric) => metric.id === 'qpc.created.amount');
  const comparison =
    headline.change !== undefined && qpc?.previous
      ? `${headline.change >= 0 ? '+' : ''}${Math.round(headline.change * 100)}% vs ${qpc.previous.periods}-${AVERAGE_UNITS[packet.cadence]} avg`
      : 'no earlier periods yet';
  const caveat = packet.banner ? 'Data may be incomplete: ' : '';
  return `${caveat}${packet.displayName} ${packet.cadence} ${MEETINGS[packet.cadence]}, ${shortPeriod(packet)}: QPC ${compactMoney(headline.value ?? 0, currency)}, ${comparison}`;
}
