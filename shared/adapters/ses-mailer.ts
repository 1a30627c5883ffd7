import { type SESClient, SESServiceException, SendRawEmailCommand } from '@aws-sdk/client-ses';
import { type Mailer, type OutgoingMail, PermanentMailError, TransientMailError } from '../ports/mailer.ts';

/** SES errors that no retry can fix. */
const PERMANENT = new Set([
  'MessageRejected',
  'MailFromDomainNotVerifiedException',
  'ConfigurationSetDoesNotExistException',
  'ConfigurationSetSendingPausedException',
  'AccountSendingPausedException',
  'InvalidParameterValue',
]);

/**
 * SES SendRawEmail. Throttling and 5xx are retried by the SDK client with backoff (give it
 * `maxAttempts`); what is left is classified as permanent or transient for the send flow.
 */
export class SesMailer implements Mailer {
  constructor(private readonly client: SESClient) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    try {
      const answer = await this.client.send(
        new SendRawEmailCommand({
          Source: mail.from,
          Destinations: [mail.to],
          RawMessage: { Data: mail.raw },
        }),
      );
      if (!answer.MessageId) throw new TransientMailError('SES answered without a MessageId');
      return { messageId: answer.MessageId };
    } catch (error) {
      if (error instanceof SESServiceException) {
        if (PERMANENT.has(error.name)) throw new PermanentMailError(`${error.name}: ${error.message}`);
        throw new TransientMailError(`${error.name}: ${error.message}`);
      }
      throw error;
    }
  }
}
