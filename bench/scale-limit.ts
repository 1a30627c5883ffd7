import { BUILD_PACKET_TIMEOUT_SECONDS, HEAP_SHARE } from '../infra/function-limits.ts';
import { LAMBDA_MAX_MEMORY_MB, type PacketScale } from './packets.ts';

/**
 * How far above the live heap V8's heap limit must sit for a build to run without collecting over
 * and over (V8 grows its heap to about 1.5 × what survives a full collection before the next one).
 */
export const HEAP_HEADROOM = 1.5;

export interface ScaleLimit {
  /** The two quarterly builds the lines go through: events, live heap MB, wall s. */
  points: { events: number; liveHeapMB: number; wallSeconds: number }[];
  /** Live heap MB per million events, and wall seconds per million events (the measured slopes). */
  heapMBPerMillion: number;
  wallSecondsPerMillion: number;
  /** build-packet memory a client of N events needs: heap × headroom ÷ the heap's share of memory. */
  memoryMbFor: (events: number) => number;
  /** The largest client whose quarterly fits Lambda's largest memory, and build-packet's timeout. */
  eventsByMemory: number;
  eventsByTimeout: number;
  largestEvents: number;
}

/**
 * The largest client build-packet can serve, extrapolated along the straight lines through the
 * quarterly builds of the two largest generated clients (live heap and wall time against events).
 * Undefined when the bench measured fewer than two sizes.
 */
export function scaleLimit(packets: readonly PacketScale[]): ScaleLimit | undefined {
  const points = packets
    .flatMap((scale) => {
      const quarterly = scale.builds.find((build) => build.cadence === 'quarterly');
      return quarterly
        ? [{ events: scale.events, liveHeapMB: quarterly.liveHeapMB, wallSeconds: quarterly.wallMs / 1000 }]
        : [];
    })
    .sort((a, b) => a.events - b.events)
    .slice(-2);
  const [small, large] = points;
  if (!small || !large || large.events === small.events) return undefined;
  type Point = (typeof points)[number];
  const perEvent = (value: (point: Point) => number) =>
    (value(large) - value(small)) / (large.events - small.events);
  const heapPerEvent = perEvent((point) => point.liveHeapMB);
  const wallPerEvent = perEvent((point) => point.wallSeconds);
  const heapAt = (events: number) => large.liveHeapMB + heapPerEvent * (events - large.events);
  const memoryMbFor = (events: number) => (heapAt(events) * HEAP_HEADROOM) / HEAP_SHARE;
  const maxHeap = (LAMBDA_MAX_MEMORY_MB * HEAP_SHARE) / HEAP_HEADROOM;
  const eventsByMemory =
    heapPerEvent > 0 ? large.events + (maxHeap - large.liveHeapMB) / heapPerEvent : Number.POSITIVE_INFINITY;
  const eventsByTimeout =
    wallPerEvent > 0
      ? large.events + (BUILD_PACKET_TIMEOUT_SECONDS - large.wallSeconds) / wallPerEvent
      : Number.POSITIVE_INFINITY;
  return {
    points,
    heapMBPerMillion: heapPerEvent * 1e6,
    wallSecondsPerMillion: wallPerEvent * 1e6,
    memoryMbFor,
    eventsByMemory,
    eventsByTimeout,
    largestEvents: Math.min(eventsByMemory, eventsByTimeout),
  };
}
