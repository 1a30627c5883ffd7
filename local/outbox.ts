import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RenderedPacket } from '#shared/email/render.ts';
import type { Packet } from '#shared/packets/packet.ts';
import { packetId } from '#shared/packets/web-link.ts';
import type { Mailer, OutgoingMail } from '#shared/ports/mailer.ts';
import { writeChatPreview } from './chat-preview.ts';

/** `outbox/<client>/<cadence>-<period start date>/`: what a packet looked like when it was sent. */
export function outboxDir(root: string, packet: Pick<Packet, 'client' | 'cadence' | 'period'>): string {
  return join(root, packet.client, packetId({ cadence: packet.cadence, periodStart: packet.period.start }));
}

/** Writes the rendered packet (.html, .txt, .csv) next to the .eml files of its recipients. */
export async function writeRendered(root: string, packet: Packet, rendered: RenderedPacket): Promise<string> {
  const dir = outboxDir(root, packet);
  await mkdir(dir, { recursive: true });
  await Promise.all([
    writeFile(join(dir, 'packet.html'), rendered.html),
    writeFile(join(dir, 'packet.txt'), rendered.text),
    writeFile(join(dir, rendered.csvFilename), rendered.csv),
    writeFile(join(dir, 'packet.json'), `${JSON.stringify(packet, null, 2)}\n`),
  ]);
  return dir;
}

/** A mailer that also keeps each message as `<recipient>.eml` in the packet's outbox folder. */
export class OutboxMailer implements Mailer {
  /** The folder of the packet being sent; set by the send flow's onRendered hook. */
  currentDir: string | undefined;

  constructor(private readonly inner: Mailer) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const sent = await this.inner.send(mail);
    if (this.currentDir)
      await writeFile(join(this.currentDir, `${mail.to.replace(/[^A-Za-z0-9@._-]/g, '_')}.eml`), mail.raw);
    return sent;
  }
}

/**
 * Keeps a captured chat post as `slack.json` or `teams.json` in the packet's outbox folder: one
 * object keyed by destination name, so a second channel of the same kind sits beside the first.
 */
export async function writeChatCapture(
  root: string,
  client: string,
  capture: { kind: 'slack' | 'teams'; name: string; packet: string; payload: unknown },
): Promise<void> {
  const dir = join(root, client, capture.packet.replace(/[^\w.-]/g, '_'));
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${capture.kind}.json`);
  const kept = await readFile(file, 'utf8')
    .then((text) => JSON.parse(text) as Record<string, unknown>)
    .catch(() => ({}) as Record<string, unknown>);
  kept[capture.name] = capture.payload;
  await writeFile(file, `${JSON.stringify(kept, null, 2)}\n`);
  await writeChatPreview(dir);
}
