/** A half-open interval of epoch milliseconds `[start, end)`. */
export interface Window {
  start: number;
  end: number;
}

export const DAY_MS = 86_400_000;

/** True when the instant lies in `[start, end)`: a fact exactly at the end belongs to the next window. */
export function within(instant: number | undefined, window: Window): instant is number {
  return instant !== undefined && instant >= window.start && instant < window.end;
}

/** The window moved back by N days of 24 hours (DESIGN.md: "N days" is N × 24 hours). */
export function shiftBack(window: Window, days: number): Window {
  return { start: window.start - days * DAY_MS, end: window.end - days * DAY_MS };
}
