import { App, CfnResource, Duration, Stack } from 'aws-cdk-lib';
import { Alarm, MathExpression, Metric } from 'aws-cdk-lib/aws-cloudwatch';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { ParameterTier, StringParameter } from 'aws-cdk-lib/aws-ssm';
import { beforeAll, describe, expect, it } from 'vitest';
import { CUSTOM_METRICS } from '#functions/lib/custom-metrics.ts';
import type { ClientConfig } from '#shared/config/schema.ts';
import { type FixedCostLine, fixedCosts, monthlyCost, PRICES } from '../../bench/cost.ts';
import { synthesizeClientTemplate, templateSchema } from '../../infra/synth.ts';
import { exampleConfig } from '../support/config.ts';

const quantityOf = (lines: FixedCostLine[], price: (typeof PRICES)[keyof typeof PRICES]) =>
  lines.find((line) => line.price === price)?.quantity ?? 0;
const total = (lines: FixedCostLine[]) => lines.reduce((sum, line) => sum + line.usd, 0);

/** The template of a small stack holding what `build` adds. */
function templateOf(build: (stack: Stack) => void) {
  const app = new App();
  const stack = new Stack(app, 'Priced');
  build(stack);
  return templateSchema.parse(app.synth().getStackByName('Priced').template);
}

describe('the fixed monthly cost, from the synthesized client stack', () => {
  let plain: FixedCostLine[];
  let withChat: FixedCostLine[];

  beforeAll(() => {
    plain = fixedCosts(synthesizeClientTemplate(exampleConfig()));
    const chatty: ClientConfig = exampleConfig();
    chatty.chat = {
      slack: [{ name: '#revenue-council', webhook: 'acme/slack-revenue' }],
      teams: [],
    };
    withChat = fixedCosts(synthesizeClientTemplate(chatty));
  }, 120_000);

  it('holds no secret at a monthly charge: a secret the config adds is one more free SSM parameter', () => {
    expect(quantityOf(plain, PRICES.secret)).toBe(0);
    expect(quantityOf(plain, PRICES.advancedParameter)).toBe(0);
    expect(withChat).toEqual(plain);
  });

  it('prices each alarm by the one metric it reads, and each listed custom metric at a full month', () => {
    // Two dead-letter queues, the API's 5xx, and one alarm per listed custom metric.
    const alarmMetrics = 3 + Object.keys(CUSTOM_METRICS).length;
    expect(quantityOf(plain, PRICES.alarmMetric)).toBe(alarmMetrics);
    expect(quantityOf(plain, PRICES.customMetric)).toBe(Object.keys(CUSTOM_METRICS).length);
    expect(total(plain)).toBeCloseTo(alarmMetrics * 0.1 + Object.keys(CUSTOM_METRICS).length * 0.3, 10);
    // No other fixed item: no secret, customer managed key, dashboard or composite alarm.
    expect(plain.map((line) => line.price)).toEqual([PRICES.alarmMetric, PRICES.customMetric]);
  });

  it('is the fixed part of the monthly estimate', () => {
    const estimate = monthlyCost(
      100_000,
      {
        ingest: { readUnitsPerEvent: 1, writeUnitsPerEvent: 3, p50Ms: 5, storedBytesPerEvent: 2000 },
        packets: [],
      },
      plain,
    );
    expect(estimate.fixed).toBe(plain);
    expect(estimate.fixedTotal).toBeCloseTo(total(plain), 10);
  });

  it('charges a metric-math alarm per metric in it, a high-resolution alarm at its own price, a KMS key, a secret and an advanced parameter', () => {
    const lines = fixedCosts(
      templateOf((stack) => {
        const metric = (metricName: string, period = Duration.minutes(5)) =>
          new Metric({ namespace: 'priced', metricName, period });
        new Alarm(stack, 'Sum', {
          metric: new MathExpression({
            expression: 'a + b + c',
            usingMetrics: { a: metric('A'), b: metric('B'), c: metric('C') },
          }),
          threshold: 1,
          evaluationPeriods: 1,
        });
        new Alarm(stack, 'Fast', {
          metric: metric('D', Duration.seconds(10)),
          threshold: 1,
          evaluationPeriods: 1,
        });
        new Key(stack, 'Key');
        new Secret(stack, 'Secret');
        new StringParameter(stack, 'Standard', { stringValue: 'free' });
        new StringParameter(stack, 'Advanced', { stringValue: 'not free', tier: ParameterTier.ADVANCED });
      }),
    );
    expect(quantityOf(lines, PRICES.secret)).toBe(1);
    expect(quantityOf(lines, PRICES.advancedParameter)).toBe(1);
    expect(quantityOf(lines, PRICES.alarmMetric)).toBe(3);
    expect(quantityOf(lines, PRICES.highResolutionAlarmMetric)).toBe(1);
    expect(quantityOf(lines, PRICES.kmsKey)).toBe(1);
  });

  it('stops on a resource type it has not been told about, naming it', () => {
    const template = templateOf((stack) => {
      new CfnResource(stack, 'Nat', {
        type: 'AWS::EC2::NatGateway',
        properties: { SubnetId: 'subnet-0123456789abcdef0' },
      });
    });
    expect(() => fixedCosts(template)).toThrow(/AWS::EC2::NatGateway.*NO_MONTHLY_CHARGE/);
  });
});
