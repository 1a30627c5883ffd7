import { MEETINGS } from '../metrics/registry.ts';
import { formatMetric, laneName, ownerLine } from '../packets/format.ts';
import { periodHeading } from '../packets/labels.ts';
import type { Packet } from '../packets/packet.ts';
import type { Status } from '../packets/thresholds.ts';

/**
 * What a chat message says of a packet, the same for Slack and Teams: the headline, the status
 * rows, the findings and the actions by lane, in the packet's own words. Each renderer only lays
 * it out and keeps to its platform's limits.
 */
export interface ChatDigest {
  /** `Northwind Cloud · weekly pipeline council` */
  title: string;
  /** `Week of Nov 23–29, 2026` */
  period: string;
  /** Set when a source the packet is built on went silent: said before anything else. */
  banner?: string;
  headline: string;
  status: {
    label: string;
    status: Status;
    /** `30.0% (n 40, 95% CI 18.1%–45.4%)` */
    value: string;
    /** `Marketing · Grace Whitfield` */
    owner: string;
  }[];
  /** Metrics the meeting reads without an agreed threshold, by label. */
  noThreshold: string[];
  findings: string[];
  actions: { lane: string; owners: string[]; items: string[] }[];
  /** The web copy, once it exists: the "View the full packet" button. */
  webUrl?: string;
}

const LANES = ['marketing', 'sales', 'both'] as const;

export function chatDigest(packet: Packet, options: { webUrl?: string } = {}): ChatDigest {
  const byId = new Map(packet.metrics.map((metric) => [metric.id as string, metric]));
  const status = packet.statusTable.flatMap((id) => {
    const metric = byId.get(id);
    return metric
      ? [
          {
            label: metric.label,
            status: metric.status,
            value: formatMetric(metric),
            owner: ownerLine(metric),
          },
        ]
      : [];
  });
  const actions = LANES.flatMap((lane) => {
    const own = packet.actions.filter((action) => action.owner === lane);
    if (own.length === 0) return [];
    return [
      {
        lane: laneName(lane),
        owners: own[0]?.ownerNames ?? [],
        items: own.map((action) => `${byId.get(action.metric)?.label ?? action.metric}: ${action.text}`),
      },
    ];
  });
  return {
    title: `${packet.displayName} · ${packet.cadence} ${MEETINGS[packet.cadence]}`,
    period: periodHeading(packet),
    ...(packet.banner ? { banner: packet.banner } : {}),
    headline: packet.headline.text,
    status,
    noThreshold: packet.noThreshold.flatMap((id) => byId.get(id)?.label ?? []),
    findings: packet.findings.map((finding) => finding.text),
    actions,
    ...(options.webUrl ? { webUrl: options.webUrl } : {}),
  };
}
