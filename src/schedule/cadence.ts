/**
 * When a schedule's occurrences fall: daily, weekly or monthly at a local time, or a five-field
 * cron expression, in an IANA time zone. The date math is croner's (src/time/cron.ts: no
 * hand-written offsets), so daylight-saving changes neither skip nor double an occurrence.
 *
 * An occurrence is named by its instant (UTC ms): the same schedule and time give the same
 * occurrence in every process, whatever its clock says now.
 */
import { msg, type Message } from '../i18n/message.js';
import type { Cron } from 'croner';
import { TributaryError } from '../engine/errors.js';
import { cronJob, latestOccurrence, nextOccurrence } from '../time/cron.js';
import { localTime, zoneName as knownZone } from '../time/zone.js';

export { latestOccurrence, localTime, nextOccurrence };

export const EVERY = ['daily', 'weekly', 'monthly'] as const;
export type Every = (typeof EVERY)[number] | 'cron';

export interface Cadence {
  every: Every;
  /** "HH:MM", for daily, weekly and monthly. */
  at: string | null;
  /** Weekly: mon..sun; monthly: 1..28 or "last". */
  on: string | null;
  /** The cron pattern the occurrences follow (built from every/at/on, or as typed). */
  cron: string;
  /** IANA zone, as the platform's Intl names it ("Europe/Berlin"). */
  tz: string;
}

export interface CadenceInput {
  every: string;
  at?: string | undefined;
  on?: string | undefined;
  tz: string;
}

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** Occurrences looked at to check a cron expression's spacing. */
const SPACING_SAMPLE = 200;

function invalid(message: Message): TributaryError {
  return new TributaryError('SCHEDULE_INVALID', message);
}

/** Checks what was typed and builds the cadence; throws SCHEDULE_INVALID naming the fix. */
export function parseCadence(input: CadenceInput, minIntervalMs: number): Cadence {
  const tz = zoneName(input.tz);
  const every = input.every.trim();
  const lower = every.toLowerCase();
  if ((EVERY as readonly string[]).includes(lower)) {
    const kind = lower as (typeof EVERY)[number];
    if (input.at === undefined) throw invalid(msg('cadence.needsAt', { kind, tz }));
    const match = /^([01]?\d|2[0-3]):([0-5]\d)$/.exec(input.at.trim());
    if (!match) throw invalid(msg('cadence.notATime', { at: input.at }));
    const hour = Number(match[1]);
    const minute = Number(match[2]);
    const at = `${String(hour).padStart(2, '0')}:${match[2]}`;
    let on: string | null = null;
    let dom = '*';
    let dow = '*';
    if (kind === 'weekly') {
      on = (input.on ?? 'mon').trim().toLowerCase().slice(0, 3);
      const day = WEEKDAYS.indexOf(on as (typeof WEEKDAYS)[number]);
      if (day < 0) throw invalid(msg('cadence.notAWeekday', { on: input.on ?? '' }));
      dow = String(day);
    } else if (kind === 'monthly') {
      on = (input.on ?? '1').trim().toLowerCase();
      if (on === 'last') dom = 'L';
      else if (/^([1-9]|1\d|2[0-8])$/.test(on)) dom = on;
      else throw invalid(msg('cadence.notAMonthDay', { on: input.on ?? '' }));
    } else if (input.on !== undefined) {
      throw invalid(msg('cadence.onDaily'));
    }
    return { every: kind, at, on, cron: `${minute} ${hour} ${dom} * ${dow}`, tz };
  }
  if (input.at !== undefined || input.on !== undefined) {
    throw invalid(msg('cadence.cronWithAt', { every }));
  }
  let cron: Cron;
  try {
    cron = cronJob(every, tz);
    cron.nextRun();
  } catch (e) {
    throw invalid(msg('cadence.notCron', { every, error: (e as Error).message.replace(/^CronPattern: /, '') }));
  }
  const cadence: Cadence = { every: 'cron', at: null, on: null, cron: every.replace(/\s+/g, ' '), tz };
  const sample = upcoming(cadence, Date.now(), SPACING_SAMPLE);
  if (sample.length === 0) throw invalid(msg('cadence.noOccurrence', { every }));
  for (let i = 1; i < sample.length; i++) {
    const gap = (sample[i] as number) - (sample[i - 1] as number);
    if (gap < minIntervalMs) {
      throw invalid(msg('cadence.tooOften', { every, gap: Math.round(gap / 60_000), min: Math.round(minIntervalMs / 60_000) }));
    }
  }
  return cadence;
}

/** The IANA name of a zone as typed, or SCHEDULE_INVALID. */
export function zoneName(tz: string): string {
  const name = knownZone(tz);
  if (name === null) throw invalid(msg('cadence.notAZone', { tz }));
  return name;
}

/** Up to `limit` occurrences strictly after `after`. */
export function upcoming(c: Pick<Cadence, 'cron' | 'tz'>, after: number, limit: number): number[] {
  const out: number[] = [];
  let t = after;
  while (out.length < limit) {
    const next = nextOccurrence(c, t);
    if (next === null) break;
    out.push(next);
    t = next;
  }
  return out;
}

/** Occurrences in (after, before), oldest first, at most `limit` of them (the count says how many in all, up to `countLimit`). */
export function occurrencesBetween(c: Pick<Cadence, 'cron' | 'tz'>, after: number, before: number, countLimit = 10_000): { count: number; first: number | null } {
  let count = 0;
  let first: number | null = null;
  let t = after;
  while (count < countLimit) {
    const next = nextOccurrence(c, t);
    if (next === null || next >= before) break;
    first ??= next;
    count++;
    t = next;
  }
  return { count, first };
}
