/**
 * When a recurring local time falls, by croner: a five-field cron pattern in an IANA zone. A local
 * time that a spring-forward change skips falls at the first time that exists that day (02:30 ->
 * 03:00), and one that a fall-back change repeats falls once, at its first instant; so a
 * daylight-saving change neither skips nor doubles an occurrence. Schedules (src/schedule/) and the
 * daily report (src/monitor/report-scheduler.ts) both use it.
 */
import { Cron } from 'croner';
import { isUtc } from './zone.js';

export interface CronTimes {
  /** Five fields: minute hour day-of-month month day-of-week. */
  cron: string;
  /** IANA zone the pattern's times are read in. */
  tz: string;
}

/** A paused job: asked for its times, never run. Throws croner's error for a pattern it cannot read. */
export function cronJob(pattern: string, tz: string): Cron {
  // UTC as an offset: croner makes an Intl formatter for any named zone, and the first one pages in
  // megabytes of ICU data that a bot whose report and schedules are all in UTC never needs.
  return new Cron(pattern, { ...(isUtc(tz) ? { utcOffset: 0 } : { timezone: tz }), paused: true, mode: '5-part' });
}

const jobs = new Map<string, Cron>();

function jobOf(c: CronTimes): Cron {
  const key = `${c.tz} ${c.cron}`;
  let j = jobs.get(key);
  if (!j) {
    j = cronJob(c.cron, c.tz);
    jobs.set(key, j);
  }
  return j;
}

/** The first occurrence strictly after `after`, or null when none is left. */
export function nextOccurrence(c: CronTimes, after: number): number | null {
  return jobOf(c).nextRun(new Date(after))?.getTime() ?? null;
}

/** The latest occurrence at or before `now`, or null when there was none. */
export function latestOccurrence(c: CronTimes, now: number): number | null {
  // Occurrences fall on whole minutes; croner looks strictly before the instant it is given.
  const found = jobOf(c)
    .previousRuns(1, new Date(now + 1_000))[0]
    ?.getTime();
  return found !== undefined && found <= now ? found : null;
}
