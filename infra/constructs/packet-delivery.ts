import { CfnOutput, Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface PacketDeliveryProps {
  sendPacket: IFunction;
  deadLetterQueue: IQueue;
}

/** The client's event bus: build-packet puts PacketReady, a rule hands it to send-packet. */
export class PacketDelivery extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string, props: PacketDeliveryProps) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus');
    new Rule(this, 'PacketReady', {
      eventBus: this.bus,
      eventPattern: { source: ['samepage'], detailType: ['PacketReady'] },
      targets: [
        new LambdaFunction(props.sendPacket, {
          retryAttempts: 8,
          maxEventAge: Duration.hours(12),
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });
    new CfnOutput(scope, 'EventBusName', { value: this.bus.eventBusName });
  }
}
