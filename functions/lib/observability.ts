import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { MiddlewareObj } from '@middy/core';
import type { MetricEmitter, MetricOf } from './custom-metrics.ts';

/**
 * The logger and metrics of one function. Metrics go out as CloudWatch embedded metric format
 * in the namespace the stack sets; the local twin and the tests turn them off
 * (POWERTOOLS_METRICS_DISABLED) so the console stays readable.
 */
export interface Observability {
  logger: Logger;
  metrics: Metrics;
}

export function observability(serviceName: string): Observability {
  return {
    logger: new Logger({ serviceName }),
    metrics: new Metrics({ serviceName, namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'samepage' }),
  };
}

/**
 * How function `fn` counts an event, only under a name functions/lib/custom-metrics.ts lists for
 * it. A zero is not published: CloudWatch bills a custom metric in every hour it is published,
 * zero or not, and the alarms read a missing datapoint as nothing happened.
 */
export function counterFor<F extends MetricEmitter>(
  _fn: F,
): (metrics: Metrics, name: MetricOf<F>, value?: number) => void {
  return (metrics, name, value = 1) => {
    if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
  };
}

/**
 * Publishes what the invocation counted, once it ends (answered or failed), and nothing when it
 * counted nothing: Powertools' own logMetrics middleware would log a warning on every such
 * invocation, which is now nearly every one.
 */
export function publishCounts(metrics: Metrics): MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}
