import type { BuildPacketResult, HeldPacketResult } from '#shared/packets/run.ts';

/** The result of a build that must not have been held (a test without broken sources). */
export function built(result: BuildPacketResult | HeldPacketResult): BuildPacketResult {
  if (result.status === 'held') throw new Error(`unexpected hold: ${result.hold.reasons.join('; ')}`);
  return result;
}
