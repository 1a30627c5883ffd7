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

/** The same packet for every recipient: subject, HTML, plain text (the text packet) and the full CSV. */
export async function renderPacketEmail(packet: Packet, currency: string): Promise<RenderedPacket> {
  const subject = packetSubject(packet, currency);
  let html = '';
  for (const caps of CAP_STEPS) {
    html = await render(createElement(PacketEmail, { packet, subject, caps }));
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
