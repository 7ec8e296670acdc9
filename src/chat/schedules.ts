/** What the /schedule commands share: reaching the schedules, and how a schedule reads in chat. */
import type { ChatServices } from './services.js';
import { TributaryError } from '../engine/errors.js';
import type { Actor } from '../engine/ledger.js';
import type { Occurrence, Schedule, ScheduleBook } from '../schedule/book.js';
import { localTime, nextOccurrence, type Cadence } from '../schedule/cadence.js';
import { msg, type Translator } from '../i18n/index.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { notFound } from '../schedule/scheduler.js';
import { shortAddress, who } from './format.js';

export function schedulesOf(app: ChatServices): { book: ScheduleBook; scheduler: Scheduler } {
  if (!app.schedules) throw new TributaryError('SCHEDULES_OFF', msg('schedule.off'));
  return app.schedules;
}

export async function scheduleById(app: ChatServices, id: string): Promise<Schedule> {
  const schedule = await schedulesOf(app).book.get(id);
  if (!schedule) throw notFound(id);
  return schedule;
}

/** An instant as the schedule's zone reads it, in the reader's way of writing dates. */
export function localTimeText(ms: number, tz: string, t: Translator): string {
  if (t.locale === 'en') return localTime(ms, tz);
  const parts = new Intl.DateTimeFormat('ja-JP', {
    timeZone: tz,
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
    timeZoneName: 'short',
  }).formatToParts(ms);
  const get = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')}（${get('weekday')}）${get('hour')}:${get('minute')} ${get('timeZoneName')}（${tz}）`;
}

/** "daily at 09:00 Europe/Berlin", in the reader's words. */
export function cadenceText(c: Cadence, t: Translator): string {
  const at = c.at ?? '';
  switch (c.every) {
    case 'daily':
      return t('schedule.cadence.daily', { at, tz: c.tz });
    case 'weekly':
      return t('schedule.cadence.weekly', { day: msg(`schedule.cadence.day.${(c.on ?? 'mon') as Weekday}`), at, tz: c.tz });
    case 'monthly':
      return c.on === 'last' ? t('schedule.cadence.monthlyLast', { at, tz: c.tz }) : t('schedule.cadence.monthly', { day: c.on ?? '1', at, tz: c.tz });
    case 'cron':
      return t('schedule.cadence.cron', { cron: c.cron, tz: c.tz });
  }
}

type Weekday = 'sun' | 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat';

/** "10 SOL to holders of AbCd…WxYz (proportional, min 5)". */
export function whatItPays(schedule: Schedule, t: Translator): string {
  const r = schedule.request;
  const filters = [
    t(`unit.mode.${r.mode ?? 'proportional'}`),
    ...(r.min !== undefined ? [t('schedule.filter.min', { min: r.min })] : []),
    ...(r.max !== undefined ? [t('schedule.filter.largest', { max: r.max })] : []),
    ...(r.exclude?.length ? [t('schedule.filter.excluded', { count: r.exclude.length })] : []),
    ...(r.includeOffCurve ? [t('schedule.filter.offCurve')] : []),
    ...(schedule.lookupTables ? [t('schedule.filter.tables')] : []),
  ];
  const reward = r.reward.toUpperCase() === 'SOL' ? 'SOL' : shortAddress(r.reward);
  return t('schedule.pays', { amount: r.amount, reward, token: shortAddress(r.token), filters: filters.join(t('unit.shortListSeparator')) });
}

export function approvalText(schedule: Schedule, t: Translator): string {
  if (schedule.approval === 'operator') return t('schedule.operatorApproves');
  const reward = schedule.request.reward.toUpperCase() === 'SOL' ? 'SOL' : shortAddress(schedule.request.reward);
  return schedule.cap !== null ? t('schedule.autoApprovesCap', { cap: schedule.cap, reward }) : t('schedule.autoApproves');
}

export function nextText(schedule: Schedule, t: Translator, now = Date.now()): string {
  if (schedule.state !== 'active') return t('schedule.pausedNoRun');
  const next = nextOccurrence(schedule.cadence, now);
  return next === null ? t('schedule.noneToCome') : t('schedule.next', { at: localTimeText(next, schedule.cadence.tz, t) });
}

/** One line per schedule for /schedule list. */
export function scheduleLine(schedule: Schedule, t: Translator, now = Date.now()): string {
  return t('schedule.line', {
    id: schedule.id,
    state: msg(`schedule.state.${schedule.state}`),
    cadence: cadenceText(schedule.cadence, t),
    pays: whatItPays(schedule, t),
    approval: approvalText(schedule, t),
    next: nextText(schedule, t, now),
  });
}

/** One occurrence of /schedule show, with the scheduler's note (src/schedule/scheduler.ts). */
export function occurrenceLine(schedule: Schedule, o: Occurrence, t: Translator): string {
  const at = localTimeText(o.at, schedule.cadence.tz, t);
  const when = o.trigger === 'manual' ? t('schedule.occurrence.runNow', { at }) : at;
  const plan = o.planId ? t('schedule.occurrence.plan', { id: o.planId }) : '';
  const by = o.decidedBy && o.decidedBy.platform !== 'schedule' ? t('schedule.occurrence.by', { who: who(o.decidedBy) }) : '';
  const missed = o.missed?.count ? t('schedule.occurrence.missed', { count: o.missed.count }) : '';
  const note = o.note && (o.state === 'skipped' || o.state === 'failed' || o.state === 'awaiting') ? `\n      ${typeof o.note === 'string' ? o.note : t.say(o.note)}` : '';
  return `  ${when} · ${t(`schedule.occurrence.state.${o.state}`)}${plan}${by}${missed}${note}`;
}

export function sameActor(a: Actor, b: Actor): boolean {
  return a.platform === b.platform && a.userId === b.userId;
}
