import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import { type BuildPacketDeps, runScheduledBuild } from '#shared/packets/run.ts';
import { counterFor, type Observability, publishCounts } from '../lib/observability.ts';

const count = counterFor('build-packet');

export interface BuildPacketAnswer {
  status: string;
  cadence?: string;
  period?: string;
  metrics?: number;
}

/**
 * The scheduler's target: `{client, cadence, asOf?, force?}` in, a short summary out. Failures
 * are thrown, so EventBridge Scheduler retries and finally dead-letters the run.
 */
export function createBuildPacketHandler(deps: BuildPacketDeps, { logger, metrics }: Observability) {
  return middy<unknown, BuildPacketAnswer>()
    .use(injectLambdaContext(logger))
    .use(publishCounts(metrics))
    .handler(async (event) => {
      const result = await runScheduledBuild(deps, event);
      if (result.status === 'held') {
        const { cadence, periodStart, hold } = result;
        // One per scheduled check that finds the packet still held: the PacketHeld alarm.
        count(metrics, 'PacketsHeld');
        // Reasons name sources and times only, no personal data.
        logger.warn('packet held', {
          cadence,
          period: periodStart,
          since: new Date(hold.since).toISOString(),
          checkedAt: new Date(hold.checkedAt).toISOString(),
          reasons: hold.reasons,
        });
        return { status: 'held', cadence, period: periodStart };
      }
      if (!('packet' in result)) {
        logger.info('packet', { status: result.status });
        return { status: result.status };
      }
      const { status, packet } = result;
      const answer = {
        status,
        cadence: packet.cadence,
        period: packet.period.start,
        metrics: packet.metrics.length,
      };
      logger.info('packet', {
        ...answer,
        definitionsVersion: packet.definitionsVersion,
        actions: packet.actions.length,
      });
      return answer;
    });
}
