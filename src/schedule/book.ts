/**
 * Where schedules and their occurrences are kept, in the store, so they survive restarts and every
 * process on the store sees the same ones. Namespace "schedules", read at every check:
 *
 * - `s:<id>`: the schedule as created (what to pay, when, how it is approved) and whether it is paused.
 * - `cursor:<id>`: the latest occurrence the runner has handled, and the occurrences still open
 *   (waiting for an operator). Written only by the process that runs distributions.
 *
 * Namespace "schedule-occurrences", which grows with every occurrence and is read by key:
 *
 * - `occ:<id>@<ms>`: one occurrence, written with the store's atomic write-if-absent before
 *   anything is previewed for it. Its key is the schedule and the occurrence's own time, never the
 *   clock of whoever writes it: two processes, a restart or a clock jump that reach the same
 *   occurrence find it taken, so it runs once.
 * - `plan:<planId>`: the occurrence a plan was made for (Skip, status).
 */
import type { Message } from '../i18n/message.js';
import { randomBytes } from 'node:crypto';
import type Keyv from 'keyv';
import type { Actor } from '../engine/ledger.js';
import type { AtomicOps } from '../store/atomic.js';
import { entries } from '../store/iterate.js';
import type { Store } from '../store/open.js';
import type { Cadence } from './cadence.js';

/** Where a schedule was created, and where its posts go when no channel is configured. */
export interface SchedulePlace {
  platform: string;
  id: string;
}

/** What each occurrence previews: the same options as /distribute preview. */
export interface ScheduleRequest {
  token: string;
  amount: string;
  reward: string;
  mode?: 'proportional' | 'equal';
  min?: string;
  exclude?: string[];
  max?: number;
  includeOffCurve?: boolean;
}

export type Approval = 'auto' | 'operator';

export interface Schedule {
  id: string;
  request: ScheduleRequest;
  cadence: Cadence;
  /** auto: an occurrence inside every guard confirms itself; operator: it waits for an operator. */
  approval: Approval;
  /** Largest total an occurrence confirms by itself, in reward units; null = no cap of its own (refused on mainnet). */
  cap: string | null;
  /**
   * Pays with v0 transactions and address lookup tables of its recipients' accounts, kept across
   * occurrences (src/engine/lookup-tables.ts); absent on schedules made before.
   */
  lookupTables?: boolean;
  /** `deleted`: kept only until its open occurrences are settled, so they are still reported; shown nowhere. */
  state: 'active' | 'paused' | 'deleted';
  createdBy: Actor;
  place: SchedulePlace;
  createdAt: number;
  /** Occurrences at or before this are never run: the schedule's creation, or its last resume. */
  from: number;
  changedBy?: Actor;
  changedAt?: number;
}

export interface ScheduleCursor {
  /** The latest occurrence handled (run, skipped as missed, or found taken); null before the first. */
  at: number | null;
  /** Keys of occurrences still waiting for an operator or for their run to start. */
  open: string[];
}

export type OccurrenceState =
  /** Taken; nothing previewed yet. */
  | 'claimed'
  /** Previewed; waiting for the schedule's own confirm or an operator's. */
  | 'awaiting'
  /** Confirmed (by the schedule or an operator): the distribution runs or has run. */
  | 'started'
  /** Not run: skipped by an operator, expired unconfirmed, or missed while the bot was down. */
  | 'skipped'
  /** Could not preview or confirm; nothing was sent for it. */
  | 'failed';

export interface Occurrence {
  key: string;
  scheduleId: string;
  /** The occurrence's own time (ms since epoch, UTC). */
  at: number;
  /** `schedule`: its time came; `missed`: run at start for a time that passed while the bot was down; `manual`: /schedule run. */
  trigger: 'schedule' | 'missed' | 'manual';
  state: OccurrenceState;
  claimedAt: number;
  /** The process that took it. */
  by: { instance: string; host: string; pid: number };
  planId?: string;
  /** Earlier occurrences that were not run because the bot was down (only the latest runs). */
  missed?: { count: number; first: number };
  /** With lookup tables: what the plan takes with them, against the legacy path (amounts in lamports, as strings). */
  lookup?: { tables: number; rentHeldLamports: string; rentAddedLamports: string; setupTransactions: number; transactions: number; legacyTransactions: number };
  /** Why it was skipped, failed, or waits for an operator. */
  /** Why it was skipped, failed or waits; a string in occurrences kept before the catalogue. */
  note?: Message | string;
  /** Who confirmed or skipped it. */
  decidedBy?: Actor;
  updatedAt: number;
}

/** How long occurrence records are kept: far longer than any clock jump or outage. */
const OCCURRENCE_KEEP_MS = 400 * 24 * 60 * 60 * 1000;
const ID_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export class ScheduleBook {
  constructor(
    private readonly kv: Keyv,
    private readonly occurrenceKv: Keyv,
    /** The occurrences' atomic operations, to take one. */
    private readonly atomic: AtomicOps,
  ) {}

  /** The book of a store: its two namespaces. */
  static of(store: Pick<Store, 'ns' | 'atomic'>): ScheduleBook {
    return new ScheduleBook(store.ns('schedules'), store.ns('schedule-occurrences'), store.atomic('schedule-occurrences'));
  }

  async create(schedule: Omit<Schedule, 'id'>): Promise<Schedule> {
    for (;;) {
      const id = newId();
      if (await this.kv.get(`s:${id}`)) continue;
      const created: Schedule = { ...schedule, id };
      await this.kv.set(`s:${id}`, created);
      return created;
    }
  }

  /** A schedule that has not been deleted (`includeDeleted`: one whose occurrences are still being settled too). */
  async get(id: string, opts: { includeDeleted?: boolean } = {}): Promise<Schedule | undefined> {
    const schedule = (await this.kv.get(`s:${id.trim().toLowerCase()}`)) as Schedule | undefined;
    return schedule && (schedule.state !== 'deleted' || opts.includeDeleted) ? schedule : undefined;
  }

  /** Every schedule, oldest first; deleted ones only with `includeDeleted`. */
  async list(opts: { includeDeleted?: boolean } = {}): Promise<Schedule[]> {
    const out: Schedule[] = [];
    for await (const [key, value] of entries<Schedule>(this.kv)) if (key.startsWith('s:') && (value.state !== 'deleted' || opts.includeDeleted)) out.push(value);
    return out.sort((a, b) => a.createdAt - b.createdAt || a.id.localeCompare(b.id));
  }

  async save(schedule: Schedule): Promise<void> {
    await this.kv.set(`s:${schedule.id}`, schedule);
  }

  /**
   * Deletes the schedule: no occurrence of it runs again. Its record goes once no occurrence of it
   * is open (the scheduler reports those first, see `forget`); occurrence records stay until they expire.
   */
  async delete(schedule: Schedule, by: Actor, at: number): Promise<void> {
    if ((await this.cursor(schedule.id)).open.length === 0) await this.forget(schedule.id);
    else await this.save({ ...schedule, state: 'deleted', changedBy: by, changedAt: at });
  }

  /** Drops a deleted schedule's record and cursor. */
  async forget(id: string): Promise<void> {
    await this.kv.delete(`s:${id}`);
    await this.kv.delete(`cursor:${id}`);
  }

  async cursor(id: string): Promise<ScheduleCursor> {
    return ((await this.kv.get(`cursor:${id}`)) as ScheduleCursor | undefined) ?? { at: null, open: [] };
  }

  async setCursor(id: string, cursor: ScheduleCursor): Promise<void> {
    await this.kv.set(`cursor:${id}`, cursor);
  }

  /** Takes an occurrence; false when it is taken already (by this process or any other, at any time). */
  async claim(occurrence: Occurrence): Promise<boolean> {
    return this.atomic.setIfAbsent(`occ:${occurrence.key}`, occurrence, OCCURRENCE_KEEP_MS);
  }

  async occurrence(key: string): Promise<Occurrence | undefined> {
    return (await this.occurrenceKv.get(`occ:${key}`)) as Occurrence | undefined;
  }

  /** Records what became of a taken occurrence (only its taker writes it). */
  async update(occurrence: Occurrence): Promise<void> {
    await this.occurrenceKv.set(`occ:${occurrence.key}`, occurrence, OCCURRENCE_KEEP_MS);
    if (occurrence.planId) await this.occurrenceKv.set(`plan:${occurrence.planId}`, occurrence.key, OCCURRENCE_KEEP_MS);
  }

  /** The occurrence a plan was previewed for, if a schedule made it. */
  async occurrenceOfPlan(planId: string): Promise<Occurrence | undefined> {
    const key = (await this.occurrenceKv.get(`plan:${planId.trim().toLowerCase()}`)) as string | undefined;
    return key ? this.occurrence(key) : undefined;
  }

  /** The newest occurrences of a schedule, newest first. */
  async occurrences(id: string, limit = 5): Promise<Occurrence[]> {
    const out: Occurrence[] = [];
    for await (const [key, value] of entries<Occurrence>(this.occurrenceKv)) if (key.startsWith(`occ:${id}@`)) out.push(value);
    return out.sort((a, b) => b.at - a.at || b.claimedAt - a.claimedAt).slice(0, limit);
  }
}

/** The key of a schedule's occurrence at `at`: the same in every process. */
export function occurrenceKey(scheduleId: string, at: number): string {
  return `${scheduleId}@${new Date(at).toISOString()}`;
}

function newId(): string {
  return Array.from(randomBytes(8), (b) => ID_ALPHABET[b & 31]).join('');
}
