import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import middy from '@middy/core';
import * as z from 'zod';
import { type RecipientReport, RetryableSendError, type SendDeps, sendPacket } from '#shared/email/send.ts';
import { problemsFromZod, ValidationError } from '#shared/errors.ts';
import { packetReadySchema } from '#shared/ports/publisher.ts';
import { counterFor, type Observability, publishCounts } from '../lib/observability.ts';

const count = counterFor('send-packet');

/** The EventBridge envelope the PacketReady rule delivers. */
const eventSchema = z.object({ 'detail-type': z.literal('PacketReady'), detail: packetReadySchema });

/**
 * PacketReady in, one mail per recipient out. A recipient that failed for now makes the
 * invocation fail after the others were served, so EventBridge retries it (and finally
 * dead-letters it); permanent failures are logged as errors for the alarm.
 */
export function createSendPacketHandler(deps: SendDeps, { logger, metrics }: Observability) {
  return middy<unknown, RecipientReport[]>()
    .use(injectLambdaContext(logger))
    .use(publishCounts(metrics))
    .handler(async (event) => {
      const parsed = eventSchema.safeParse(event);
      if (!parsed.success)
        throw new ValidationError('not a PacketReady event', problemsFromZod(parsed.error.issues));
      const { detail } = parsed.data;
      if (detail.client !== deps.config.client) {
        throw new ValidationError(`this stack sends for "${deps.config.client}", not "${detail.client}"`);
      }
      try {
        const report = await sendPacket(deps, detail);
        logReport(logger, metrics, detail.cadence, detail.periodStart, report);
        return report;
      } catch (error) {
        if (error instanceof RetryableSendError)
          logReport(logger, metrics, detail.cadence, detail.periodStart, error.report);
        throw error;
      }
    });
}

function logReport(
  logger: Logger,
  metrics: Metrics,
  cadence: string,
  periodStart: string,
  report: RecipientReport[],
): void {
  const counts = report.reduce<Record<string, number>>((all, entry) => {
    all[entry.outcome] = (all[entry.outcome] ?? 0) + 1;
    return all;
  }, {});
  // Lists, not addresses: the log names which team may have missed the packet.
  const logMissed = (
    outcome: RecipientReport['outcome'],
    message: string,
    unknownDetail?: string,
  ): number => {
    const missed = report.filter((entry) => entry.outcome === outcome);
    if (missed.length > 0) {
      logger.error(message, {
        cadence,
        periodStart,
        lists: missed.flatMap((entry) => entry.lists),
        details: missed.map((entry) => entry.detail ?? unknownDetail),
      });
    }
    return missed.length;
  };
  const permanent = logMissed('failed-permanent', 'packet not delivered');
  // Claimed but never marked sent (a crash or a store failure after SES took the mail): not resent,
  // so someone has to check that these lists got the packet.
  const unconfirmed = logMissed(
    'in-flight',
    'packet delivery not confirmed',
    'claimed earlier, never marked sent',
  );
  logger.info('packet sent', { cadence, periodStart, ...counts });
  // Refused for good or unconfirmed: both wait for a person (the NotDelivered alarm); the log
  // lines above say which lists and what to do.
  count(metrics, 'RecipientsNotConfirmed', permanent + unconfirmed);
  // The weekly packet counts as sent once every address has it (sent now or before): the
  // WeeklyNotSent alarm. Monthly and quarterly sends are in the `packet sent` log line.
  if (
    cadence === 'weekly' &&
    report.every((entry) => entry.outcome === 'sent' || entry.outcome === 'already-sent')
  ) {
    count(metrics, 'WeeklyPacketsSent');
  }
}
