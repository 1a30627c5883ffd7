/** The current instant, in epoch milliseconds. Tests pass a fixed one. */
export type Clock = () => number;

export const systemClock: Clock = () => Date.now();
