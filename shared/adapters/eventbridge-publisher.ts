import { type EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, PacketReady } from '../ports/publisher.ts';

/** In AWS: PacketReady on the client's event bus, where a rule routes it to send-packet. */
export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(event: PacketReady): Promise<void> {
    const answer = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: 'samepage',
            DetailType: event.type,
            Detail: JSON.stringify(event),
          },
        ],
      }),
    );
    // PutEvents reports per-entry failures in a 200 answer; a failed entry must fail the build so it is retried.
    if ((answer.FailedEntryCount ?? 0) > 0) {
      const entry = answer.Entries?.[0];
      throw new Error(
        `PutEvents failed: ${entry?.ErrorCode ?? 'unknown'} ${entry?.ErrorMessage ?? ''}`.trim(),
      );
    }
  }
}
