import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

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

/** Counts one occurrence of a named event (e.g. `DeliveriesQuarantined`). */
export function count(metrics: Metrics, name: string, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}
