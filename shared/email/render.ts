import { render } from '@react-email/render';
import { createElement } from 'react';
import type { Packet } from '../packets/packet.ts';
import { packetText } from '../packets/text.ts';
import { packetCsv } from './csv.ts';
import { type Caps, PacketEmail } from './packet-email.tsx';
import { packetSubject } from './subject.ts';

/** Gmail clips a message body above this many bytes. */
export const GMAIL_CLIP_BYTES = 102 * 1024;
/** What the HTML may use, leaving room for the headers Gmail counts too. */
export const HTML_BUDGET_BYTES = 96 * 1024;

/** Longer lists first; each step shows less in the body (the CSV always has everything). */
export const CAP_STEPS: readonly Caps[] = [
  { items: 10, breakdown: 8 },
  { items: 5, breakdown: 5 },
  { items: 3, breakdown: 3 },
  { items: 0, breakdown: 0 },
];

export interface RenderedPacket {
  subject: string;
  html: string;
  text: string;
  csv: string;
  csvFilename: string;
}

/**
 * The same packet for every recipient: subject, HTML, plain text (the text packet) and the full
 * CSV, with a link to the web copy when there is one.
 */
export async function renderPacketEmail(
  packet: Packet,
  currency: string,
  webUrl?: string,
): Promise<RenderedPacket> {
  const subject = packetSubject(packet, currency);
  let html = '';
  for (const caps of CAP_STEPS) {
    html = await render(createElement(PacketEmail, { packet, subject, caps, ...(webUrl ? { webUrl } : {}) }));
    if (Buffer.byteLength(html, 'utf8') <= HTML_BUDGET_BYTES) break;
  }
  return {
    subject,
    html,
    text: packetText(packet),
    csv: packetCsv(packet),
    csvFilename: `${packet.client}-${packet.cadence}-${packet.period.start.slice(0, 10)}.csv`,
  };
}

/** Every list whole: the web copy has no clip to stay under. */
const UNCAPPED: Caps = { items: Number.POSITIVE_INFINITY, breakdown: Number.POSITIVE_INFINITY };

/** The packet's web copy: the email's content and charts, wider, with every list the email caps. */
export async function renderPacketWeb(packet: Packet, currency: string): Promise<string> {
  return render(
    createElement(PacketEmail, {
      packet,
      subject: packetSubject(packet, currency),
      caps: UNCAPPED,
      web: true,
    }),
  );
}
