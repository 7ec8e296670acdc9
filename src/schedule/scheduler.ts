/**
 * Runs schedules' occurrences, in the process that runs distributions
 * only: a process that only reads (src/app/runner-role.ts) never fires one.
 *
 * Each check, for every active schedule: the latest occurrence at or before now, if it is later
 * than the one handled last (the cursor) and than the schedule's creation or resume. Only that one
 * runs: a bot that was down over several occurrences runs the latest once and notes the others as
 * skipped. Before anything is previewed the occurrence is taken with the store's write-if-absent
 * under a key made of the schedule and the occurrence's own time (book.ts), and the cursor moves
 * past it; so two processes, a restart at the wrong moment, or a clock that jumps back never run
 * one twice. A process that stops between taking an occurrence and previewing it leaves it taken:
 * the next check says so (nothing was sent; /schedule run runs it now) rather than risk a second
 * payment.
 *
 * A run takes a fresh snapshot and previews. With approval:auto it confirms itself, through the
 * same spending guards as any confirm (src/engine/guards.ts); if a guard refuses, or with
 * approval:operator, the preview is posted for an operator (Confirm / Skip) and the occurrence
 * waits until its plan expires, then is reported skipped.
 *
 * The clock is injectable (`now`); plans expire on the engine's clock.
 */
import { instantParam, msg, type Message } from '../i18n/message.js';
import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import { formatAmount } from '../engine/amounts.js';
import { isTributaryError, TributaryError } from '../engine/errors.js';
import { SCHEDULE_PLATFORM, type AutoApproval } from '../engine/guards.js';
import type { Actor } from '../engine/ledger.js';
import type { PlanPreview, PreviewRequest } from '../engine/preview.js';
import type { DistributionService, DistributionStatus } from '../engine/service.js';
import type { LookupTables, SweepReport, TableSetSummary } from '../engine/lookup-tables.js';
import { latestOccurrence, localTime, occurrencesBetween } from './cadence.js';
import { occurrenceKey, type Occurrence, type Schedule, type ScheduleBook } from './book.js';

/** What the chat is told; implemented by src/chat/schedule-posts.ts. Never throws into the scheduler. */
export interface ScheduleNotifier {
  /** The occurrence confirmed itself; its distribution runs. */
  started(schedule: Schedule, occurrence: Occurrence, status: DistributionStatus): Promise<void>;
  /** The occurrence waits for an operator: `reason` says why it did not confirm itself. */
  awaiting(schedule: Schedule, occurrence: Occurrence, preview: PlanPreview, reason: Message): Promise<void>;
  skipped(schedule: Schedule, occurrence: Occurrence, why: Message | string): Promise<void>;
  failed(schedule: Schedule, occurrence: Occurrence, why: Message | string): Promise<void>;
  /** A deleted schedule's lookup tables are all closed: their rent is back with the distributor. */
  tablesClosed?(closed: SweepReport['setsClosed'][number]): Promise<void>;
}

export interface SchedulerOptions {
  book: ScheduleBook;
  service: Pick<DistributionService, 'preview' | 'confirm' | 'status' | 'readOnly'>;
  notify: ScheduleNotifier;
  logger: Logger;
  /** The scheduler's clock. Default Date.now. */
  now?: () => number;
  /** How often occurrences are looked for (config schedules.checkIntervalMs). */
  checkIntervalMs: number;
  /** This process, as occurrence records name it. */
  holder: { instance: string; host: string; pid: number };
  /** Schedules' address lookup tables: each check deactivates and closes those of deleted schedules. */
  lookupTables?: LookupTables;
}

/** What one check did, for logs and tests. */
export interface CheckReport {
  fired: Occurrence[];
  settled: Occurrence[];
}

export function scheduleActor(schedule: Pick<Schedule, 'id'>): Actor {
  return { platform: SCHEDULE_PLATFORM, userId: schedule.id, name: `schedule ${schedule.id}` };
}

/** The guard's view of a schedule that confirms by itself (SpendGuardsOptions.autoApproval). */
export function autoApprovalOf(book: ScheduleBook): (actor: Actor) => Promise<AutoApproval | undefined> {
  return async (actor) => {
    if (actor.platform !== SCHEDULE_PLATFORM) return undefined;
    const schedule = await book.get(actor.userId, { includeDeleted: true });
    return { name: `schedule ${actor.userId}`, cap: schedule?.cap ?? null };
  };
}

export class Scheduler {
  /** The scheduler's clock: occurrences, and the times commands give schedules, are read from it. */
  readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  /**
   * Checks and manual runs, one at a time in this process: both move a schedule's cursor and its
   * list of open occurrences, which a second writer in between would lose.
   */
  private readonly serialLock = new Mutex();
  private checking = false;
  /** Occurrences this process took and is still working on (not stale when seen open). */
  private readonly working = new Set<string>();

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Runs a check at once (an occurrence missed while down runs now), then every interval. */
  async start(): Promise<void> {
    await this.check();
    if (!this.timer) {
      this.timer = setInterval(() => void this.check(), this.opts.checkIntervalMs);
      this.timer.unref();
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.serialLock.waitForUnlock();
  }

  /** Looks for due occurrences and settles open ones. Never throws; checks never overlap. */
  async check(): Promise<CheckReport> {
    if (this.checking) return { fired: [], settled: [] };
    this.checking = true;
    try {
      return await this.serial(() => this.checkOnce());
    } catch (err) {
      this.opts.logger.error({ err }, 'schedule check failed');
      return { fired: [], settled: [] };
    } finally {
      this.checking = false;
    }
  }

  /** /schedule run: an occurrence now, outside the cadence (the cursor stays where it is). */
  async runNow(id: string, by: Actor): Promise<Occurrence> {
    return this.serial(async () => {
      this.assertRunner();
      const schedule = await this.opts.book.get(id);
      if (!schedule) throw notFound(id);
      const fired = await this.fire(schedule, this.now(), 'manual', null, by);
      if (!fired) throw new TributaryError('INVALID_STATE', msg('schedule.taken', { id: schedule.id }));
      return fired;
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    return this.serialLock.runExclusive(work);
  }

  private assertRunner(): void {
    const reason = this.opts.service.readOnly;
    if (reason !== null) throw new TributaryError('READ_ONLY', reason);
  }

  private async checkOnce(): Promise<CheckReport> {
    const report: CheckReport = { fired: [], settled: [] };
    if (this.opts.service.readOnly !== null) return report;
    const { book } = this.opts;
    for (const schedule of await book.list({ includeDeleted: true })) {
      report.settled.push(...(await this.settleOpen(schedule)));
      if (schedule.state === 'deleted' && (await book.cursor(schedule.id)).open.length === 0) await book.forget(schedule.id);
      if (schedule.state !== 'active') continue;
      const now = this.now();
      const latest = latestOccurrence(schedule.cadence, now);
      const cursor = await book.cursor(schedule.id);
      const floor = Math.max(cursor.at ?? Number.NEGATIVE_INFINITY, schedule.from);
      if (latest === null || latest <= floor) continue;
      const missed = occurrencesBetween(schedule.cadence, floor, latest);
      const late = now - latest > 2 * this.opts.checkIntervalMs + 60_000;
      const fired = await this.fire(
        schedule,
        latest,
        missed.count > 0 || late ? 'missed' : 'schedule',
        missed.count > 0 ? { count: missed.count, first: missed.first as number } : null,
      );
      if (fired) report.fired.push(fired);
    }
    await this.sweepLookupTables();
    return report;
  }

  /**
   * Deleting a schedule retires its lookup tables: no run uses them from then on, and the checks
   * deactivate them once its distributions have ended and close them after the cooldown, sending
   * the rent back. Null when the schedule kept none.
   */
  async retireLookupTables(schedule: Schedule): Promise<TableSetSummary | null> {
    const tables = this.opts.lookupTables;
    if (!tables) return null;
    const summary = await tables.retire(schedule.id, schedule.place);
    return summary && summary.tables > 0 ? summary : null;
  }

  /** What the plan takes with the schedule's lookup tables, for its posts; null if it cannot be told now. */
  private async lookupPreview(schedule: Schedule, preview: PlanPreview): Promise<Occurrence['lookup'] | null> {
    const tables = this.opts.lookupTables;
    if (!tables) return null;
    try {
      const e = await tables.estimate(schedule.id, preview.plan);
      return {
        tables: e.tables,
        rentHeldLamports: e.rentHeldLamports.toString(),
        rentAddedLamports: e.rentAddedLamports.toString(),
        setupTransactions: e.setupTransactions,
        transactions: e.transactions,
        legacyTransactions: preview.transactions,
      };
    } catch (err) {
      this.opts.logger.warn({ err, scheduleId: schedule.id }, 'lookup table estimate failed; the post leaves it out');
      return null;
    }
  }

  /** What a schedule's lookup tables hold now; null when it keeps none. */
  async lookupTableSummary(schedule: Schedule): Promise<TableSetSummary | null> {
    if (!schedule.lookupTables || !this.opts.lookupTables) return null;
    return this.opts.lookupTables.summary(schedule.id);
  }

  /** Deactivates and closes the tables of deleted schedules whose time has come (runner only). */
  private async sweepLookupTables(): Promise<void> {
    const tables = this.opts.lookupTables;
    if (!tables) return;
    const ended = async (planId: string) => {
      try {
        const { record } = await this.opts.service.status(planId);
        return record.state !== 'confirmed' && record.state !== 'running' && record.state !== 'paused';
      } catch (e) {
        if (isTributaryError(e, 'PLAN_NOT_FOUND')) return true;
        throw e;
      }
    };
    try {
      // A set whose schedule is gone is retired here too: a process that stopped between deleting
      // a schedule and retiring its tables (commands/schedule-delete.ts does one after the other).
      for (const id of await tables.ids()) {
        const set = await tables.get(id);
        if (!set || set.retiring || set.closedAt) continue;
        const schedule = await this.opts.book.get(id, { includeDeleted: true });
        if (!schedule || schedule.state === 'deleted') await tables.retire(id, schedule?.place);
      }
      const done = await tables.sweep(ended);
      if (done.deactivated || done.closed) this.opts.logger.info(done, 'lookup tables of deleted schedules deactivated or closed');
      for (const closed of done.setsClosed) await this.tell(async () => this.opts.notify.tablesClosed?.(closed));
    } catch (err) {
      this.opts.logger.warn({ err }, 'lookup tables not swept; the next check tries again');
    }
  }

  /**
   * Takes the occurrence at `at` and runs it: preview, then the schedule's own confirm or an
   * operator's. Null when it was taken already (by this process before, or another).
   */
  private async fire(schedule: Schedule, at: number, trigger: Occurrence['trigger'], missed: Occurrence['missed'] | null, by?: Actor): Promise<Occurrence | null> {
    const { book, service, logger, holder } = this.opts;
    const key = occurrenceKey(schedule.id, at);
    const claimedAt = this.now();
    let occurrence: Occurrence = {
      key,
      scheduleId: schedule.id,
      at,
      trigger,
      state: 'claimed',
      claimedAt,
      by: holder,
      ...(missed ? { missed } : {}),
      ...(by ? { decidedBy: by } : {}),
      updatedAt: claimedAt,
    };
    this.working.add(key);
    try {
      const taken = await book.claim(occurrence);
      const cursor = await book.cursor(schedule.id);
      // Moved on before anything runs: a crash from here on never brings this occurrence back.
      await book.setCursor(schedule.id, {
        at: trigger === 'manual' ? cursor.at : Math.max(cursor.at ?? at, at),
        open: taken ? [...cursor.open.filter((k) => k !== key), key] : cursor.open,
      });
      if (!taken) {
        logger.info({ scheduleId: schedule.id, occurrence: key }, 'occurrence already taken; not run again');
        return null;
      }
      logger.info({ scheduleId: schedule.id, occurrence: key, trigger, missed }, 'schedule occurrence due');
      const save = async (change: Partial<Occurrence>) => {
        occurrence = { ...occurrence, ...change, updatedAt: this.now() };
        await book.update(occurrence);
      };

      let preview: PlanPreview;
      try {
        preview = await service.preview({ ...previewRequest(schedule), refreshSnapshot: true }, scheduleActor(schedule));
      } catch (e) {
        if (!isTributaryError(e)) logger.error({ err: e, scheduleId: schedule.id, occurrence: key }, 'occurrence preview failed');
        const why = msg('schedule.note.previewFailed', { error: messageOf(e) });
        await save({ state: 'failed', note: why });
        await this.tell(() => this.opts.notify.failed(schedule, occurrence, why));
        await this.close(schedule.id, key);
        return occurrence;
      }
      const { plan } = preview;
      const lookup = schedule.lookupTables ? await this.lookupPreview(schedule, preview) : null;
      await save({ state: 'awaiting', planId: plan.id, ...(lookup ? { lookup } : {}) });

      let reason: Message = msg('schedule.note.operatorConfirms');
      if (schedule.approval === 'auto') {
        try {
          const total = formatAmount(plan.total, plan.reward.decimals);
          const status = await service.confirm(plan.id, scheduleActor(schedule), plan.network === 'mainnet-beta' ? { acknowledgeTotal: total } : {});
          await save({ state: 'started' });
          await this.tell(() => this.opts.notify.started(schedule, occurrence, status));
          await this.close(schedule.id, key);
          return occurrence;
        } catch (e) {
          // A guard (or the plan itself) refused: an operator decides instead. Anything else is a failure.
          if (!isTributaryError(e)) {
            logger.error({ err: e, scheduleId: schedule.id, occurrence: key }, 'occurrence confirm failed');
            const why = msg('schedule.note.confirmFailed', { error: messageOf(e) });
            await save({ state: 'failed', note: why });
            await this.tell(() => this.opts.notify.failed(schedule, occurrence, why));
            await this.close(schedule.id, key);
            return occurrence;
          }
          reason = msg('schedule.note.notConfirmed', { error: e.said });
        }
      }
      await save({ note: reason });
      await this.tell(() => this.opts.notify.awaiting(schedule, occurrence, preview, reason));
      return occurrence;
    } finally {
      this.working.delete(key);
    }
  }

  /** Open occurrences of a schedule whose fate is known now: confirmed, skipped, expired, or lost. */
  private async settleOpen(schedule: Schedule): Promise<Occurrence[]> {
    const { book, service } = this.opts;
    const cursor = await book.cursor(schedule.id);
    if (cursor.open.length === 0) return [];
    const settled: Occurrence[] = [];
    const still: string[] = [];
    for (const key of cursor.open) {
      const occurrence = await book.occurrence(key);
      if (!occurrence || this.working.has(key)) {
        if (occurrence) still.push(key);
        continue;
      }
      let outcome: { state: Occurrence['state']; note?: Message; decidedBy?: Actor } | null = null;
      if (occurrence.state === 'claimed') {
        outcome = {
          state: 'failed',
          note: msg('schedule.note.stopped', { host: occurrence.by.host, pid: occurrence.by.pid, id: schedule.id }),
        };
      } else if (occurrence.state === 'awaiting' && occurrence.planId) {
        outcome = await this.fateOf(occurrence.planId, service);
      } else if (occurrence.state !== 'awaiting') {
        outcome = { state: occurrence.state };
      }
      if (!outcome) {
        still.push(key);
        continue;
      }
      const changed = outcome.state !== occurrence.state;
      const next: Occurrence = { ...occurrence, ...outcome, updatedAt: this.now() };
      if (changed) {
        await book.update(next);
        if (next.state === 'skipped') await this.tell(() => this.opts.notify.skipped(schedule, next, next.note ?? msg('schedule.occurrence.state.skipped')));
        if (next.state === 'failed') await this.tell(() => this.opts.notify.failed(schedule, next, next.note ?? msg('schedule.occurrence.state.failed')));
      }
      settled.push(next);
    }
    if (still.length !== cursor.open.length) await book.setCursor(schedule.id, { ...(await book.cursor(schedule.id)), open: still });
    return settled;
  }

  /** What became of an occurrence's plan; null while it still waits for an operator. */
  private async fateOf(planId: string, service: SchedulerOptions['service']): Promise<{ state: Occurrence['state']; note?: Message; decidedBy?: Actor } | null> {
    let status: DistributionStatus;
    try {
      status = await service.status(planId);
    } catch (e) {
      if (isTributaryError(e, 'PLAN_NOT_FOUND')) return { state: 'skipped', note: msg('schedule.note.expired', { id: planId }) };
      throw e;
    }
    const { record, plan } = status;
    if (record.state === 'previewed') {
      return Date.now() > plan.expiresAt ? { state: 'skipped', note: msg('schedule.note.expiredAt', { id: planId, at: instantParam(plan.expiresAt) }) } : null;
    }
    if (record.state === 'expired') return { state: 'skipped', note: msg('schedule.note.expiredAt', { id: planId, at: instantParam(plan.expiresAt) }) };
    if (record.state === 'cancelled' && !record.confirmedAt) return { state: 'skipped', note: msg('schedule.note.cancelled', { id: planId }) };
    return { state: 'started', ...(record.confirmedBy ? { decidedBy: record.confirmedBy } : {}) };
  }

  private async close(scheduleId: string, key: string): Promise<void> {
    const cursor = await this.opts.book.cursor(scheduleId);
    if (cursor.open.includes(key)) await this.opts.book.setCursor(scheduleId, { ...cursor, open: cursor.open.filter((k) => k !== key) });
  }

  private async tell(post: () => Promise<void>): Promise<void> {
    try {
      await post();
    } catch (err) {
      this.opts.logger.warn({ err }, 'schedule message not delivered');
    }
  }
}

/** The preview an occurrence of `schedule` asks for. */
export function previewRequest(schedule: Schedule): PreviewRequest {
  const r = schedule.request;
  return {
    token: r.token,
    amount: r.amount,
    reward: r.reward,
    ...(r.mode ? { mode: r.mode } : {}),
    ...(r.min !== undefined ? { min: r.min } : {}),
    ...(r.exclude ? { exclude: r.exclude } : {}),
    ...(r.max !== undefined ? { max: r.max } : {}),
    ...(r.includeOffCurve !== undefined ? { includeOffCurve: r.includeOffCurve } : {}),
  };
}

export function notFound(id: string): TributaryError {
  return new TributaryError('SCHEDULE_NOT_FOUND', msg('schedule.notFound', { id }), { details: { id } });
}

/** "Mon 2026-03-30 09:00 CEST (Europe/Berlin)". */
export function occurrenceTime(schedule: Schedule, at: number): string {
  return localTime(at, schedule.cadence.tz);
}

function messageOf(e: unknown): Message | string {
  return isTributaryError(e) ? e.said : msg('schedule.note.internal');
}
