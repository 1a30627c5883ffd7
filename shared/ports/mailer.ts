/** One message to one recipient, as raw MIME (the same body for every recipient). */
export interface OutgoingMail {
  from: string;
  to: string;
  raw: Uint8Array;
}

/** Sends raw MIME (SES in AWS; the SES emulator locally). */
export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

/** The mail service refused the message for good (bad address, unverified sender): do not retry. */
export class PermanentMailError extends Error {
  override readonly name = 'PermanentMailError';
}

/** The mail service failed for now (throttling, 5xx) even after the client's own retries. */
export class TransientMailError extends Error {
  override readonly name = 'TransientMailError';
}
