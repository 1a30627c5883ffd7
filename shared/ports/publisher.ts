import * as z from 'zod';
import { CADENCES, type Cadence } from '../time/periods.ts';

/** Published once a packet's snapshot is stored; send-packet mails it (EventBridge in AWS). */
export interface PacketReady {
  type: 'PacketReady';
  client: string;
  cadence: Cadence;
  /** The period's start, ISO with offset: with the cadence it names the snapshot. */
  periodStart: string;
  definitionsVersion: string;
}

/** PacketReady as it arrives from the bus: validated before anything is sent. */
export const packetReadySchema = z.object({
  type: z.literal('PacketReady'),
  client: z.string().min(1),
  cadence: z.enum(CADENCES as [Cadence, ...Cadence[]]),
  periodStart: z.iso.datetime({ offset: true }),
  definitionsVersion: z.string().min(1),
});

export interface EventPublisher {
  publish(event: PacketReady): Promise<void>;
}

/** Local mode: events go to listeners in this process (the send step subscribes here). */
export class InProcessPublisher implements EventPublisher {
  readonly published: PacketReady[] = [];
  private readonly listeners: ((event: PacketReady) => Promise<void>)[] = [];

  subscribe(listener: (event: PacketReady) => Promise<void>): void {
    this.listeners.push(listener);
  }

  async publish(event: PacketReady): Promise<void> {
    this.published.push(event);
    for (const listener of this.listeners) await listener(event);
  }
}
