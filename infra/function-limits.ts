/**
 * Memory and time limits of the functions, apart from the constructs so the bench can read them
 * without loading the CDK (a process that has loaded aws-cdk-lib pauses longer for each garbage
 * collection, which the bench's ingest load test would count as latency).
 */

/**
 * The share of a function's memory its JavaScript heap may take; the rest is code, buffers and the
 * young generation. V8 lets a busy heap grow to its limit before it collects, so the limit is what
 * a build's memory comes to: at 0.75 the 1M-event quarterly of a 512 MB build-packet peaked at
 * 364–410 MB in four runs, at 0.6 at 385 MB (bench/RESULTS.md), 127 MB clear of Lambda's limit.
 */
export const HEAP_SHARE = 0.6;

/**
 * Node's options for a function of `memoryMb`. V8 sizes its old generation from the machine's
 * memory (a quarter of it), so a 512 MB function would stop at 128 MB of heap: the limit is set
 * from the function's memory instead. The bench runs its packet builds with the same options
 * (bench/packets.ts), so the memory it measures is the memory a deployed build has.
 */
export function nodeOptions(memoryMb: number): string {
  return `--enable-source-maps --max-old-space-size=${Math.floor(memoryMb * HEAP_SHARE)}`;
}

/** How long a packet build may run (bench/RESULTS.md extrapolates the largest client against it). */
export const BUILD_PACKET_TIMEOUT_SECONDS = 300;
