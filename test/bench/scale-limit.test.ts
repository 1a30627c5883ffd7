import { describe, expect, it } from 'vitest';
import type { PacketBuild, PacketScale } from '../../bench/packets.ts';
import { scaleLimit } from '../../bench/scale-limit.ts';

/** A generated client with only what the extrapolation reads: its events and its quarterly build. */
function scale(events: number, liveHeapMB: number, wallSeconds: number): PacketScale {
  const build = { cadence: 'quarterly', liveHeapMB, wallMs: wallSeconds * 1000 } as PacketBuild;
  return { events, builds: [build] } as PacketScale;
}

describe('scaleLimit', () => {
  it('extrapolates along the line through the two largest clients, to the tighter of memory and timeout', () => {
    // 1M: 180 MB live, 5 s; 3M: 500 MB, 15 s → 160 MB and 5 s per million events.
    // Lambda's largest memory, 10,240 MB, gives a heap of 6,144 MB (60%), of which the live heap may
    // use 1/1.5: 4,096 MB, reached at 3M + (4,096 − 500) / 160 M = 3M + 22.475M = 25.475M events.
    // The 300 s timeout is reached at 3M + (300 − 15) / 5 M = 60M events. The smaller wins.
    const limit = scaleLimit([scale(100_000, 40, 1), scale(1_000_000, 180, 5), scale(3_000_000, 500, 15)]);
    expect(limit?.heapMBPerMillion).toBeCloseTo(160, 6);
    expect(limit?.wallSecondsPerMillion).toBeCloseTo(5, 6);
    expect(limit?.eventsByMemory).toBeCloseTo(25_475_000, 0);
    expect(limit?.eventsByTimeout).toBeCloseTo(60_000_000, 0);
    expect(limit?.largestEvents).toBeCloseTo(25_475_000, 0);
    // Memory for 10M events: live 500 + 7 × 160 = 1,620 MB, × 1.5 ÷ 0.6 = 4,050 MB.
    expect(limit?.memoryMbFor(10_000_000)).toBeCloseTo(4050, 6);
  });

  it('has nothing to say with fewer than two sizes', () => {
    expect(scaleLimit([scale(1_000_000, 180, 5)])).toBeUndefined();
  });
});
