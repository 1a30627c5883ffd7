import MailComposer from 'nodemailer/lib/mail-composer';
import type { RenderedPacket } from './render.ts';

/** The raw MIME of one packet email: text and HTML alternatives, the CSV as an attachment. */
export async function packetMime(rendered: RenderedPacket, from: string, to: string): Promise<Buffer> {
  const composer = new MailComposer({
    from,
    to,
    subject: rendered.subject,
    text: rendered.text,
    html: rendered.html,
    attachments: [
      { filename: rendered.csvFilename, content: rendered.csv, contentType: 'text/csv; charset=utf-8' },
    ],
  });
  return composer.compile().build();
}
