/**
 * The daily report in zones with daylight saving time: a local day is 23 or 25 hours long, and a
 * posting time that a change skips or repeats posts once (croner's rule, src/time/cron.ts).
 */
import Keyv from 'keyv';
import { describe, expect, it } from 'vitest';
import type { OpsMessage, OpsNotifier, OpsTarget } from '../src/monitor/notifier.js';
import { ReportScheduler } from '../src/monitor/report-scheduler.js';
import { localDayRange } from '../src/time/zone.js';
import { schedulerSettings } from './helpers/monitor.js';

const HOUR = 3_600_000;
const NY = 'America/New_York';

class Inbox implements OpsNotifier {
  readonly posts: { target: OpsTarget; message: OpsMessage }[] = [];
  async post(target: OpsTarget, message: OpsMessage): Promise<void> {
    this.posts.push({ target, message });
  }
}

function scheduler(time: string, clock: { t: number }, state = new Keyv(), inbox = new Inbox()) {
  return new ReportScheduler({
    history: { range: async () => [] },
    store: state,
    notifier: inbox,
    time,
    timeZone: NY,
    targets: ['reports'],
    chart: false,
    ...schedulerSettings,
    now: () => clock.t,
  });
}

describe('report days across daylight-saving changes', () => {
  it('a local day is 23 hours when the clocks go forward and 25 when they go back', () => {
    expect(localDayRange('2026-03-08', NY)).toEqual({ start: Date.parse('2026-03-08T05:00:00Z'), end: Date.parse('2026-03-09T04:00:00Z') });
    expect(localDayRange('2026-11-01', NY)).toEqual({ start: Date.parse('2026-11-01T04:00:00Z'), end: Date.parse('2026-11-02T05:00:00Z') });
    const berlin = localDayRange('2026-03-29', 'Europe/Berlin');
    expect(berlin.end - berlin.start).toBe(23 * HOUR);
    const ordinary = localDayRange('2026-03-10', NY);
    expect(ordinary.end - ordinary.start).toBe(24 * HOUR);
  });
});

describe('report posting time across daylight-saving changes', () => {
  it('a posting time the spring change skips (02:30 on 2026-03-08 in New York) posts at the first time that exists, 03:00', () => {
    const clock = { t: Date.parse('2026-03-08T06:59:00Z') }; // 01:59 EST
    const s = scheduler('02:30', clock);
    expect(s.dueDate()).toBe('2026-03-06');
    clock.t = Date.parse('2026-03-08T07:00:00Z'); // 03:00 EDT: 02:30 never came
    expect(s.dueDate()).toBe('2026-03-07');
    clock.t = Date.parse('2026-03-09T06:29:00Z'); // 02:29 EDT the next day
    expect(s.dueDate()).toBe('2026-03-07');
    clock.t = Date.parse('2026-03-09T06:30:00Z'); // 02:30 EDT
    expect(s.dueDate()).toBe('2026-03-08');
  });

  it('a posting time the autumn change repeats (01:30 on 2026-11-01 in New York) posts once, at its first instant', async () => {
    const clock = { t: Date.parse('2026-11-01T05:29:00Z') }; // 01:29 EDT
    const state = new Keyv();
    await state.set('last-posted-date', '2026-10-30');
    const inbox = new Inbox();
    const s = scheduler('01:30', clock, state, inbox);
    await s.check();
    expect(inbox.posts).toHaveLength(0);

    clock.t = Date.parse('2026-11-01T05:30:00Z'); // 01:30 EDT, the first time
    await s.check();
    expect(inbox.posts).toHaveLength(1);
    expect(await s.lastPostedDate()).toBe('2026-10-31');

    clock.t = Date.parse('2026-11-01T06:30:00Z'); // 01:30 EST, the same wall time again
    expect(s.dueDate()).toBe('2026-10-31');
    await s.check();
    expect(inbox.posts).toHaveLength(1);

    clock.t = Date.parse('2026-11-02T06:30:00Z'); // 01:30 EST the next day: the 25-hour day is due
    await s.check();
    expect(inbox.posts).toHaveLength(2);
    expect(await s.lastPostedDate()).toBe('2026-11-01');
  });
});
