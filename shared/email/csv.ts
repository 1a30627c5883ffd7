import { stringify } from 'csv-stringify/sync';
import type { Packet } from '../packets/packet.ts';

/**
 * Every number of the packet as one table, uncapped: metrics, their breakdown rows and their
 * listed items, each key also in words with its unit (a count of breaches under a rate says so). Sent as the email's attachment, so the body can cap long lists.
 */
export function packetCsv(packet: Packet): string {
  const rows: (string | number | null | undefined)[][] = [
    [
      'metric',
      'label',
      'kind',
      'key',
      'value',
      'n',
      'interval_low',
      'interval_high',
      'status',
      'owner',
      'owner_of_item',
      'link',
      'in_words',
      'unit',
    ],
  ];
  for (const metric of packet.metrics) {
    rows.push([
      metric.id,
      metric.label,
      'metric',
      '',
      metric.value,
      metric.n,
      metric.interval?.[0],
      metric.interval?.[1],
      metric.status,
      metric.owner,
      '',
      '',
      metric.label,
      metric.unit,
    ]);
    for (const row of metric.breakdown ?? []) {
      rows.push([
        metric.id,
        metric.label,
        'breakdown',
        row.key,
        row.value,
        row.n,
        row.interval?.[0],
        row.interval?.[1],
        '',
        '',
        '',
        '',
        row.label,
        row.unit,
      ]);
    }
    for (const item of metric.items ?? []) {
      rows.push([
        metric.id,
        metric.label,
        'item',
        `${item.id}: ${item.label}`,
        item.value,
        '',
        '',
        '',
        '',
        '',
        item.ownerName ?? item.owner,
        item.link,
        `${item.name}: ${item.text}`,
        '',
      ]);
    }
  }
  return stringify(rows);
}
