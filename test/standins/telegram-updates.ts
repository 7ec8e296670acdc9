/**
 * The update queue behind getUpdates, with the Bot API's long-polling rules:
 * - an update stays queued until a getUpdates call passes an `offset` above its id;
 * - a negative offset keeps only the last |offset| updates;
 * - with nothing queued, the call is held up to `timeout` seconds and answered
 *   as soon as an update arrives;
 * - a second getUpdates while one is held ends the first with 409 Conflict;
 * - `allowed_updates` is remembered until changed; an empty list means every
 *   type except chat_member, message_reaction and message_reaction_count.
 * grammY's `bot.start()` relies on all of these, and `bot.stop()` aborts the
 * held call and confirms with `getUpdates({ offset, limit: 1 })`.
 */
import type { Update } from 'grammy/types';
import { TelegramErrors } from './telegram-errors.js';
import type { TelegramError } from './telegram-errors.js';

export type NewUpdate = Omit<Update, 'update_id'>;

export interface PollParams {
  offset: number | undefined;
  limit: number | undefined;
  timeout: number | undefined;
  allowedUpdates: string[] | undefined;
}

const NOT_BY_DEFAULT = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);

interface HeldPoll {
  finish(updates: Update[]): void;
  fail(error: TelegramError): void;
  wake(): void;
}

export class UpdateQueue {
  /** Every update ever queued, confirmed or not, for tests to inspect. */
  readonly sent: Update[] = [];
  private pending: Update[] = [];
  // Telegram's ids are large and not 1-based; starting elsewhere catches code that assumes otherwise.
  private nextId = 700_000_001;
  private allowed: string[] = [];
  private held: HeldPoll | undefined;

  push(update: NewUpdate): Update {
    const full = { ...update, update_id: this.nextId++ } as Update;
    this.sent.push(full);
    this.pending.push(full);
    this.held?.wake();
    return full;
  }

  /** deleteWebhook / setWebhook with drop_pending_updates. */
  dropPending(): void {
    this.pending = [];
  }

  /** Whether a getUpdates call is being held, waiting for an update. */
  get polling(): boolean {
    return this.held !== undefined;
  }

  get pendingCount(): number {
    return this.pending.length;
  }

  poll(params: PollParams, signal: AbortSignal): Promise<Update[]> {
    this.held?.fail(TelegramErrors.conflictGetUpdates());
    if (params.allowedUpdates !== undefined) this.allowed = params.allowedUpdates;
    this.confirm(params.offset);
    const limit = Math.min(Math.max(params.limit ?? 100, 1), 100);
    const ready = this.take(limit);
    const timeoutMs = Math.max(params.timeout ?? 0, 0) * 1000;
    if (ready.length > 0 || timeoutMs === 0 || signal.aborted) return Promise.resolve(ready);

    return new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (this.held === held) this.held = undefined;
      };
      const held: HeldPoll = {
        finish: (updates) => {
          done();
          resolve(updates);
        },
        fail: (error) => {
          done();
          reject(error);
        },
        wake: () => {
          const updates = this.take(limit);
          if (updates.length > 0) held.finish(updates);
        },
      };
      // The client went away (grammY's stop() aborts its fetch): nobody reads this answer.
      const onAbort = (): void => held.finish([]);
      const timer = setTimeout(() => held.finish([]), timeoutMs);
      signal.addEventListener('abort', onAbort);
      this.held = held;
    });
  }

  /** Ends a held poll with no updates (the stand-in is closing). */
  release(): void {
    this.held?.finish([]);
  }

  private confirm(offset: number | undefined): void {
    if (offset === undefined || offset === 0) return;
    if (offset < 0) this.pending = this.pending.slice(offset);
    else this.pending = this.pending.filter((u) => u.update_id >= offset);
  }

  /** The first `limit` deliverable updates; updates of a type not allowed are dropped, as Telegram never sends them. */
  private take(limit: number): Update[] {
    this.pending = this.pending.filter((u) => this.isAllowed(u));
    return this.pending.slice(0, limit);
  }

  private isAllowed(update: Update): boolean {
    const type = Object.keys(update).find((key) => key !== 'update_id') ?? '';
    return this.allowed.length === 0 ? !NOT_BY_DEFAULT.has(type) : this.allowed.includes(type);
  }
}
