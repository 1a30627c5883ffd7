import { DateTime } from 'luxon';
import type { ClientConfig } from '#shared/config/schema.ts';
import type { Cadence } from '#shared/time/periods.ts';

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
const DAY_NAMES = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export interface ScheduledRun {
  client: string;
  cadence: Cadence;
  onScheduledDay: true;
}

/**
 * The runs EventBridge Scheduler would start in this minute, with the same expressions as the
 * stack (infra/constructs/packet-schedules.ts): every packet every business weekday at its time
 * (weekly also on its day if that is not a business day); build-packet builds on the packet's own
 * day and retries a held packet on the others.
 */
export function dueRuns(config: ClientConfig, instant: number): ScheduledRun[] {
  const local = DateTime.fromMillis(instant, { zone: config.timezone });
  const clock = local.toFormat('HH:mm');
  const weekday = WEEKDAYS[local.weekday - 1];
  const businessWeekday = weekday !== undefined && config.businessHours.days.includes(weekday);
  const weeklyDay = DAY_NAMES[local.weekday - 1] === config.schedules.weekly.day;
  const runs: ScheduledRun[] = [];
  for (const cadence of ['weekly', 'monthly', 'quarterly'] as const) {
    const fires = businessWeekday || (cadence === 'weekly' && weeklyDay);
    if (fires && clock === config.schedules[cadence].at) {
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
