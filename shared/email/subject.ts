import { MEETINGS } from '../metrics/registry.ts';
import { compactMoney } from '../packets/format.ts';
import { shortPeriod } from '../packets/labels.ts';
import type { Packet } from '../packets/packet.ts';

const AVERAGE_UNITS: Record<Packet['cadence'], string> = { weekly: 'wk', monthly: 'mo', quarterly: 'qtr' };

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
