/** What the /schedule commands share: reaching the schedules, and how a schedule reads in chat. */
import type { ChatServices } from './services.js';
import { TributaryError } from '../engine/errors.js';
import type { Actor } from '../engine/ledger.js';
import type { Occurrence, Schedule, ScheduleBook } from '../schedule/book.js';
import { describeCadence, localTime, nextOccurrence } from '../schedule/cadence.js';
import type { Scheduler } from '../schedule/scheduler.js';
import { notFound } from '../schedule/scheduler.js';
import { shortAddress, whoText } from './format.js';

export function schedulesOf(app: ChatServices): { book: ScheduleBook; scheduler: Scheduler } {
  if (!app.schedules) throw new TributaryError('SCHEDULES_OFF', 'schedules are not running in this process');
  return app.schedules;
}

export async function scheduleById(app: ChatServices, id: string): Promise<Schedule> {
  const schedule = await schedulesOf(app).book.get(id);
  if (!schedule) throw notFound(id);
  return schedule;
}

/** "10 SOL to holders of AbCd…WxYz (proportional, min 5)". */
export function whatItPays(schedule: Schedule): string {
  const r = schedule.request;
  const filters = [
    r.mode ?? 'proportional',
    ...(r.min !== undefined ? [`min ${r.min}`] : []),
    ...(r.max !== undefined ? [`largest ${r.max}`] : []),
    ...(r.exclude?.length ? [`${r.exclude.length} excluded`] : []),
    ...(r.includeOffCurve ? ['off-curve included'] : []),
    ...(schedule.lookupTables ? ['with lookup tables'] : []),
  ];
  const reward = r.reward.toUpperCase() === 'SOL' ? 'SOL' : shortAddress(r.reward);
  return `${r.amount} ${reward} to holders of ${shortAddress(r.token)} (${filters.join(', ')})`;
}

export function approvalText(schedule: Schedule): string {
  if (schedule.approval === 'operator') return 'an operator confirms each occurrence';
  const reward = schedule.request.reward.toUpperCase() === 'SOL' ? 'SOL' : shortAddress(schedule.request.reward);
  return `confirms itself within the guards${schedule.cap !== null ? `, up to ${schedule.cap} ${reward}` : ''}`;
}

export function nextText(schedule: Schedule, now = Date.now()): string {
  if (schedule.state !== 'active') return 'paused: no occurrence runs';
  const next = nextOccurrence(schedule.cadence, now);
  return next === null ? 'no occurrence to come' : `next ${localTime(next, schedule.cadence.tz)}`;
}

/** One line per schedule for /schedule list. */
export function scheduleLine(schedule: Schedule, now = Date.now()): string {
  return `${schedule.id} · ${schedule.state} · ${describeCadence(schedule.cadence)}\n    ${whatItPays(schedule)}; ${approvalText(schedule)}; ${nextText(schedule, now)}`;
}

export function occurrenceLine(schedule: Schedule, o: Occurrence): string {
  const when = o.trigger === 'manual' ? `run now at ${localTime(o.at, schedule.cadence.tz)}` : localTime(o.at, schedule.cadence.tz);
  const plan = o.planId ? ` · plan ${o.planId}` : '';
  const by = o.decidedBy && o.decidedBy.platform !== 'schedule' ? ` · by ${whoText(o.decidedBy)}` : '';
  const missed = o.missed?.count ? ` · ${o.missed.count} earlier missed, skipped` : '';
  const note = o.note && (o.state === 'skipped' || o.state === 'failed' || o.state === 'awaiting') ? `\n      ${o.note}` : '';
  return `  ${when} · ${o.state}${plan}${by}${missed}${note}`;
}

export function sameActor(a: Actor, b: Actor): boolean {
  return a.platform === b.platform && a.userId === b.userId;
}
