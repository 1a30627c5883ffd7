import { DateTime } from 'luxon';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { Cadence } from '#shared/time/periods.ts';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export interface ScheduledRun {
  client: string;
  cadence: Cadence;
  onScheduledDay?: true;
}

/**
 * The runs EventBridge Scheduler would start in this minute, with the same expressions as the
 * stack (infra/constructs/packet-schedules.ts): weekly on its day and time, monthly and quarterly
 * every business weekday at their time, deciding the business day in build-packet.
 */
export function dueRuns(config: ClientConfig, instant: number): ScheduledRun[] {
  const local = DateTime.fromMillis(instant, { zone: config.timezone });
  const clock = local.toFormat('HH:mm');
  const weekday = WEEKDAYS[local.weekday - 1];
  const runs: ScheduledRun[] = [];
  if (DAY_NAMES[local.weekday - 1] === config.schedules.weekly.day && clock === config.schedules.weekly.at) {
    runs.push({ client: config.client, cadence: 'weekly' });
  }
  const businessWeekday = weekday !== undefined && config.businessHours.days.includes(weekday);
  for (const cadence of ['monthly', 'quarterly'] as const) {
    if (businessWeekday && clock === config.schedules[cadence].at) {
      runs.push({ client: config.client, cadence, onScheduledDay: true });
    }
  }
  return runs;
}

/**
 * Starts the in-process scheduler of `samepage serve`: checks every 20 s and starts each due run
 * once per minute. Returns a function that stops it.
 */
export function startScheduler(
  config: ClientConfig,
  run: (input: ScheduledRun) => Promise<void>,
  clock: () => number = Date.now,
): () => void {
  const started = new Set<string>();
  const check = () => {
    const now = clock();
    const minute = Math.floor(now / 60_000);
    for (const input of dueRuns(config, now)) {
      const key = `${input.cadence}@${minute}`;
      if (started.has(key)) continue;
      started.add(key);
      run(input).catch((error: unknown) => console.error(`scheduled ${input.cadence} packet failed:`, error));
    }
  };
  const timer = setInterval(check, 20_000);
  check();
  return () => clearInterval(timer);
}
