/**
 * Recurring distributions: schedules typed on the console, run by a
 * Scheduler on an injected clock against the local chain over real JSON-RPC. Each occurrence runs
 * once: across a daylight-saving change, after downtime (only the latest, the others noted), with
 * two processes on one store, after a clock jump back, and after a process stopped halfway.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLocalnet } from '../src/localnet/index.js';
import { occurrenceKey } from '../src/schedule/book.js';
import { instantParam, msg } from '../src/i18n/index.js';
import { startScheduleApp, type ScheduleApp } from './helpers/schedule-app.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()?.();
});

async function app(opts: Parameters<typeof startScheduleApp>[0] = {}): Promise<ScheduleApp> {
  const a = await startScheduleApp(opts);
  cleanups.push(() => a.close());
  return a;
}

/** Creates a schedule on the console and returns its id. */
async function create(a: ScheduleApp, options: string): Promise<string> {
  const { net } = a;
  const result = await a.type(`/schedule create token:${net.scenario.baseMint} amount:60 reward:SOL ${options}`);
  expect(result.outcome, result.reply.text).toBe('done');
  return /Schedule (\w{8}) created/.exec(result.reply.text)?.[1] as string;
}

/** Checks at every step from `from` to `to`; returns the instants of the occurrences that fired. */
async function stepThrough(a: ScheduleApp, from: string, to: string, stepMs: number): Promise<string[]> {
  const fired: string[] = [];
  for (a.clock.now = Date.parse(from); a.clock.now <= Date.parse(to); a.clock.now += stepMs) {
    const report = await a.scheduler.check();
    fired.push(...report.fired.map((o) => new Date(o.at).toISOString()));
  }
  return fired;
}

describe('schedules from chat', () => {
  it('a weekly schedule shows its next run in local time, runs at its time once, confirms itself within the guards and pays', async () => {
    const a = await app({ now: Date.parse('2027-01-03T23:00:00Z') });
    const id = await create(a, 'every:weekly on:mon at:09:00 tz:Asia/Tokyo approval:auto');
    const list = (await a.type('/schedule list')).reply.text;
    expect(list).toContain(`${id} · active · weekly on Monday at 09:00 Asia/Tokyo`);
    expect(list).toContain('next Mon 2027-01-04 09:00 GMT+9 (Asia/Tokyo)');

    a.clock.now = Date.parse('2027-01-03T23:59:00Z');
    expect((await a.scheduler.check()).fired).toEqual([]);
    a.clock.now = Date.parse('2027-01-04T00:00:05Z');
    const { fired } = await a.scheduler.check();
    expect(fired.map((o) => [o.state, o.trigger])).toEqual([['started', 'schedule']]);
    expect(a.posts[0]?.text).toContain(
      `⏱ Schedule ${id} (weekly on Monday at 09:00 Asia/Tokyo): the occurrence of Mon 2027-01-04 09:00 GMT+9 (Asia/Tokyo) confirmed itself within its guards: paying 60 SOL to`,
    );
    expect(a.posts[0]?.followProgress).toBe(fired[0]?.planId);
    await a.engine.service.whenIdle();
    expect((await a.engine.service.status(fired[0]?.planId as string)).record.state).toBe('completed');
    expect(a.sent()).toBeGreaterThan(0);

    // Later checks the same week find nothing new; the next one is a week on.
    a.clock.now = Date.parse('2027-01-04T06:00:00Z');
    expect((await a.scheduler.check()).fired).toEqual([]);
    const show = (await a.type(`/schedule show id:${id}`)).reply.text;
    expect(show).toContain('next Mon 2027-01-11 09:00 GMT+9 (Asia/Tokyo)');
    expect(show).toContain(`Mon 2027-01-04 09:00 GMT+9 (Asia/Tokyo) · started · plan ${fired[0]?.planId}`);

    // Paused, it does not run; resumed, it runs from then on (not the occurrences while paused).
    expect((await a.type(`/schedule pause id:${id}`)).reply.text).toContain(`Schedule ${id} paused`);
    a.clock.now = Date.parse('2027-01-11T00:00:05Z');
    expect((await a.scheduler.check()).fired).toEqual([]);
    a.clock.now = Date.parse('2027-01-12T00:00:00Z');
    expect((await a.type(`/schedule resume id:${id}`)).reply.text).toContain('next Mon 2027-01-18 09:00 GMT+9 (Asia/Tokyo). Occurrences while it was paused are not run.');
    expect((await a.scheduler.check()).fired).toEqual([]);
    expect((await a.type(`/schedule delete id:${id}`)).reply.text).toContain(`Schedule ${id} deleted`);
    expect((await a.type('/schedule list')).reply.text).toBe('No schedule yet. /schedule create makes one.');
  });

  it('refuses what it cannot run, naming the fix', async () => {
    const a = await app();
    const { baseMint } = a.net.scenario;
    const refused = async (options: string) => {
      const r = await a.type(`/schedule create token:${baseMint} amount:1 reward:SOL ${options}`);
      expect(r.outcome).toBe('refused');
      return r.reply.text;
    };
    expect(await refused('every:weekly tz:Europe/Berlin approval:auto')).toContain('every:weekly needs at:HH:MM');
    expect(await refused('every:daily at:25:00 tz:Europe/Berlin approval:auto')).toContain('at:25:00 is not a time');
    expect(await refused('every:daily at:09:00 tz:Mars/Olympus approval:auto')).toContain('tz:Mars/Olympus is not a time zone');
    expect(await refused('every:"*/5 * * * *" tz:UTC approval:auto')).toContain('runs 5 min apart; occurrences must be at least 60 min apart');
    expect(await refused('every:"0 9 * *" tz:UTC approval:auto')).toContain('is neither daily, weekly, monthly nor a cron expression of five fields');
    expect(await refused('every:monthly on:31 at:09:00 tz:UTC approval:auto')).toContain('write a day from 1 to 28, or last');
    expect(await refused('every:daily at:09:00 tz:UTC approval:operator cap:5')).toContain('cap: limits what a schedule confirms by itself');
    // Holders are not operators.
    const holder = await a.type(`/schedule create token:${baseMint} amount:1 reward:SOL every:daily at:09:00 tz:UTC approval:auto`, 'someone', 'holder');
    expect(holder.reply.text).toContain('/schedule create is for operators');
  });
});

describe('each occurrence runs once', () => {
  it('across the spring-forward change a 02:30 occurrence runs at 03:00 that day, once; across fall-back the repeated 02:30 runs once', async () => {
    const a = await app({ now: Date.parse('2027-03-26T12:00:00Z') });
    await create(a, 'every:daily at:02:30 tz:Europe/Berlin approval:auto');
    // Europe/Berlin skips 02:00-03:00 on 2027-03-28: 02:30 does not exist that day.
    const spring = await stepThrough(a, '2027-03-26T12:00:00Z', '2027-03-29T12:00:00Z', 10 * 60_000);
    expect(spring).toEqual(['2027-03-27T01:30:00.000Z', '2027-03-28T01:00:00.000Z', '2027-03-29T00:30:00.000Z']);
    await a.engine.service.whenIdle();
    expect((await a.engine.service.history()).map((s) => s.record.state)).toEqual(['completed', 'completed', 'completed']);

    const b = await app({ now: Date.parse('2027-10-29T12:00:00Z') });
    await create(b, 'every:daily at:02:30 tz:Europe/Berlin approval:operator');
    // On 2027-10-31 the clocks go from 03:00 back to 02:00: 02:30 happens twice (00:30Z and 01:30Z).
    const fall = await stepThrough(b, '2027-10-29T12:00:00Z', '2027-11-01T12:00:00Z', 10 * 60_000);
    expect(fall).toEqual(['2027-10-30T00:30:00.000Z', '2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z']);
    expect(b.posts.filter((p) => p.text.includes('needs an operator'))).toHaveLength(3);
    expect(b.sent()).toBe(0);
  });

  it('after downtime only the latest missed occurrence runs, once, with a note of the ones skipped', async () => {
    const net = await startLocalnet({ holders: 8, seed: 7, slotMs: 50 });
    cleanups.push(() => net.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-missed-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));

    const first = await startScheduleApp({ net, dataDir, now: Date.parse('2027-05-03T08:00:00Z') });
    const id = await create(first, 'every:daily at:09:00 tz:UTC approval:auto');
    first.clock.now = Date.parse('2027-05-03T09:00:10Z');
    expect((await first.scheduler.check()).fired).toHaveLength(1);
    await first.engine.service.whenIdle();
    await first.close();

    // Down from May 3rd to May 7th 10:00: the occurrences of the 4th, 5th, 6th and 7th passed.
    const second = await app({ net, dataDir, now: Date.parse('2027-05-07T10:00:00Z') });
    const { fired } = await second.scheduler.check();
    expect(fired.map((o) => [new Date(o.at).toISOString(), o.trigger, o.state, o.missed?.count])).toEqual([['2027-05-07T09:00:00.000Z', 'missed', 'started', 3]]);
    expect(second.posts[0]?.text).toContain(
      'It was due at Fri 2027-05-07 09:00 UTC (UTC), while the bot was not running, so it runs now, once. 3 earlier occurrence(s) were missed too, from Tue 2027-05-04 09:00 UTC (UTC) on: they are skipped, not run.',
    );
    expect((await second.scheduler.check()).fired).toEqual([]);
    second.clock.now = Date.parse('2027-05-07T23:00:00Z');
    expect((await second.scheduler.check()).fired).toEqual([]);
    await second.engine.service.whenIdle();
    expect((await second.engine.service.history()).map((s) => s.record.state)).toEqual(['completed', 'completed']);
    expect((await second.type(`/schedule show id:${id}`)).reply.text).toContain('Fri 2027-05-07 09:00 UTC (UTC) · started');
  });

  it('two processes on one store run an occurrence once; a reader never fires; a clock jump back runs nothing again; a process that stopped halfway is reported, not repeated', async () => {
    const net = await startLocalnet({ holders: 8, seed: 7, slotMs: 50 });
    cleanups.push(() => net.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'tributary-two-'));
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    const a = await app({ net, dataDir, now: Date.parse('2027-06-01T11:00:00Z') });
    const b = await app({ net, dataDir, now: Date.parse('2027-06-01T11:00:00Z') });
    const id = await create(a, 'every:daily at:12:00 tz:UTC approval:auto');

    a.clock.now = b.clock.now = Date.parse('2027-06-01T12:00:03Z');
    const [ra, rb] = await Promise.all([a.scheduler.check(), b.scheduler.check()]);
    expect(ra.fired.length + rb.fired.length).toBe(1);
    await Promise.all([a.engine.service.whenIdle(), b.engine.service.whenIdle()]);
    expect(await a.engine.ledger.distributionIds()).toHaveLength(1);

    // The clock jumps back an hour and forward again: that occurrence is not run again.
    a.clock.now = Date.parse('2027-06-01T11:00:00Z');
    expect((await a.scheduler.check()).fired).toEqual([]);
    a.clock.now = b.clock.now = Date.parse('2027-06-01T12:30:00Z');
    expect([...(await a.scheduler.check()).fired, ...(await b.scheduler.check()).fired]).toEqual([]);

    // A process that only reads (another one runs distributions here) does not fire the next one.
    b.engine.service.setReadOnly(msg('err.readOnly', { host: 'other-host', pid: 4242, since: instantParam(Date.parse('2027-06-02T11:00:00Z')), seconds: 30 }));
    a.clock.now = b.clock.now = Date.parse('2027-06-02T12:00:03Z');
    expect((await b.scheduler.check()).fired).toEqual([]);
    expect((await b.type(`/schedule run id:${id}`)).reply.text).toContain('distributions on this data directory are run by other-host pid 4242');

    // A process took the occurrence and stopped before previewing it: reported, nothing sent, not run again.
    const at = Date.parse('2027-06-02T12:00:00Z');
    const key = occurrenceKey(id, at);
    expect(
      await a.book.claim({ key, scheduleId: id, at, trigger: 'schedule', state: 'claimed', claimedAt: at, by: { instance: 'gone', host: 'old-host', pid: 4242 }, updatedAt: at }),
    ).toBe(true);
    await a.book.setCursor(id, { at, open: [key] });
    const sentBefore = a.sent();
    const { fired, settled } = await a.scheduler.check();
    expect(fired).toEqual([]);
    expect(settled.map((o) => o.state)).toEqual(['failed']);
    expect(a.posts.at(-1)?.text).toContain('the process that took it (old-host pid 4242) stopped before it previewed anything; nothing was sent for it');
    expect(a.sent()).toBe(sentBefore);
    expect(await a.engine.ledger.distributionIds()).toHaveLength(1);
  });

  it('an occurrence waiting for an operator is skipped by Skip, and one nobody confirms is reported skipped when its plan expires', async () => {
    const a = await app({ now: Date.parse('2027-02-01T08:00:00Z'), config: { distribution: { previewTtlMs: 1_500 } } });
    const id = await create(a, 'every:"0 9 * * *" tz:UTC approval:operator');
    a.clock.now = Date.parse('2027-02-01T09:00:01Z');
    const [waiting] = (await a.scheduler.check()).fired;
    expect(waiting?.state).toBe('awaiting');
    const post = a.posts.at(-1);
    expect(post?.text).toContain('needs an operator: this schedule asks an operator to confirm each occurrence (approval:operator)');
    expect(post?.buttons?.map((b) => b.command)).toEqual([`/distribute confirm id:${waiting?.planId}`, `/schedule skip id:${waiting?.planId}`]);
    // Posted to the schedule's chat, not shown to one person: an operator of another chat cannot confirm it by its id.
    const elsewhere = await a.type(`/distribute confirm id:${waiting?.planId}`, 'ops-c', 'operator', 'another-chat');
    expect(elsewhere.code).toBe('PLAN_FOREIGN');
    const skip = await a.type(post?.buttons?.[1]?.command as string, 'ops-b');
    expect(skip.reply.text).toContain('was skipped by ops-b (console): plan');
    expect((await a.scheduler.check()).settled.map((o) => o.state)).toEqual(['skipped']);
    expect((await a.type(`/schedule show id:${id}`)).reply.text).toMatch(/· skipped · plan \w{8} · by ops-b \(console\)/);

    // Deleted while its next occurrence waits: that one is still reported when its plan expires.
    a.clock.now = Date.parse('2027-02-02T09:00:01Z');
    const [next] = (await a.scheduler.check()).fired;
    expect((await a.type(`/schedule delete id:${id}`)).reply.text).toContain(`Schedule ${id} deleted`);
    expect((await a.type(`/schedule show id:${id}`)).reply.text).toContain(`there is no schedule with id "${id}"`);
    await new Promise((r) => setTimeout(r, 1_600));
    const { settled } = await a.scheduler.check();
    expect(settled.map((o) => [o.planId, o.state])).toEqual([[next?.planId, 'skipped']]);
    expect(a.posts.at(-1)?.text).toContain(`was skipped: nobody confirmed plan ${next?.planId} before it expired`);
    expect(a.sent()).toBe(0);
    a.clock.now = Date.parse('2027-02-03T09:00:01Z');
    expect((await a.scheduler.check()).fired).toEqual([]);
    expect(await a.book.list({ includeDeleted: true })).toEqual([]);
  });
});
