/**
 * One progress message per followed distribution, whatever the platform: posted when the run
 * starts, edited as engine progress events arrive (at most once per interval, never with the same
 * text: Telegram refuses an identical edit, and it would only cost rate limit), and edited a last
 * time into the summary with the CSV report attached.
 *
 * A platform failure is logged and the message simply stops updating: it never reaches the engine,
 * which does not know chat exists (DESIGN.md "States": events leave the engine, chat subscribes).
 */
import type { Logger } from 'pino';
import type { AppContext } from '../app/context.js';
import type { CompletedEvent, ProgressEvent } from '../engine/events.js';
import type { DistributionStatus } from '../engine/service.js';
import { csvFileName, renderProgress, renderSummary } from './format.js';
import type { ReplyFile } from './types.js';

/** A message a platform can post once and then edit. */
export interface ProgressSurface {
  /** Posts the message the first time, edits it afterwards. */
  update(text: string): Promise<void>;
  /** The last edit: the summary, with the report attached. */
  finish(text: string, files: ReplyFile[]): Promise<void>;
}

const ENDED = new Set(['completed', 'cancelled', 'expired']);

export class ProgressHub {
  private readonly followers = new Map<string, Follower[]>();
  private readonly onProgress = (e: ProgressEvent) => this.each(e.distributionId, (f) => f.progress(e));
  private readonly onCompleted = (e: CompletedEvent) => this.each(e.distributionId, (f) => f.complete(e));
  private stopped = false;
  /** settle() was called: followers of stopped distributions that join later are released at once. */
  private settling = false;

  constructor(
    private readonly app: AppContext,
    private readonly logger: Logger,
    private readonly intervalMs = app.config.distribution.progressEditIntervalMs,
  ) {
    app.engine.events.on('progress', this.onProgress);
    app.engine.events.on('completed', this.onCompleted);
  }

  /**
   * Shows `distributionId`'s progress on `surface` until it ends. `key` names the surface (a
   * channel): following the same distribution there again (after a resume) keeps the one message.
   * Resolves once the summary is shown (or could not be).
   */
  async follow(distributionId: string, key: string, surface: ProgressSurface): Promise<void> {
    const existing = this.followers.get(distributionId)?.find((f) => f.key === key);
    if (existing) return existing.done;
    if (this.stopped) return;
    const status = await this.app.engine.service.status(distributionId);
    const follower = new Follower(key, surface, status, this.intervalMs, this.app, this.logger.child({ distributionId, surface: key }));
    const list = this.followers.get(distributionId) ?? [];
    list.push(follower);
    this.followers.set(distributionId, list);
    void follower.done.then(() => {
      const left = (this.followers.get(distributionId) ?? []).filter((f) => f !== follower);
      if (left.length) this.followers.set(distributionId, left);
      else this.followers.delete(distributionId);
    });
    if (ENDED.has(status.record.state)) {
      follower.complete(completedFrom(status));
    } else {
      follower.progress(status.progress, true);
      // It may have ended between the status read and the follower joining the list, with no
      // event left to tell: read once more now that every later event is caught.
      const again = await this.app.engine.service.status(distributionId);
      if (ENDED.has(again.record.state)) follower.complete(completedFrom(again));
      else if (this.settling && !this.app.engine.service.activeIds().includes(distributionId)) follower.release();
    }
    return follower.done;
  }

  /**
   * For a caller about to go away (the console at the end of its input): followers of distributions
   * that no longer run (paused) show their last state now and stop following, since no summary will
   * come while nobody resumes them.
   */
  settle(): void {
    this.settling = true;
    const active = new Set(this.app.engine.service.activeIds());
    for (const [id, list] of this.followers) {
      if (active.has(id)) continue;
      for (const f of list) f.release();
    }
  }

  /** Resolves when every followed distribution has shown its summary. */
  async idle(): Promise<void> {
    while (this.followers.size > 0) await Promise.all([...this.followers.values()].flat().map((f) => f.done));
  }

  stop(): void {
    this.stopped = true;
    this.app.engine.events.off('progress', this.onProgress);
    this.app.engine.events.off('completed', this.onCompleted);
    for (const f of [...this.followers.values()].flat()) f.abandon();
    this.followers.clear();
  }

  private each(id: string, fn: (f: Follower) => void): void {
    for (const f of this.followers.get(id) ?? []) fn(f);
  }
}

class Follower {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private lastText: string | null = null;
  private lastAt = 0;
  private pending: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private chain: Promise<void> = Promise.resolve();
  private finishing = false;
  private readonly symbol: string;

  constructor(
    readonly key: string,
    private readonly surface: ProgressSurface,
    status: DistributionStatus,
    private readonly intervalMs: number,
    private readonly app: AppContext,
    private readonly logger: Logger,
  ) {
    this.symbol = status.plan.reward.symbol;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  progress(event: ProgressEvent, now = false): void {
    if (this.finishing) return;
    const text = renderProgress(event, this.symbol);
    if (text === this.lastText) {
      this.pending = null;
      return;
    }
    this.pending = text;
    if (now) this.flush();
    else this.schedule();
  }

  complete(event: CompletedEvent): void {
    if (this.finishing) return;
    this.finishing = true;
    this.clearTimer();
    this.pending = null;
    this.chain = this.chain
      .then(async () => {
        const files: ReplyFile[] = [];
        const name = csvFileName(event.distributionId);
        try {
          const csv = await this.app.engine.service.exportCsv(event.distributionId);
          files.push({ name, bytes: new TextEncoder().encode(csv), contentType: 'text/csv' });
        } catch (err) {
          this.logger.warn({ err }, 'progress: report CSV not available');
        }
        await this.surface.finish(renderSummary(event, this.symbol, files.length ? name : undefined), files);
      })
      .catch((err: unknown) => this.logger.warn({ err }, 'progress: summary not shown'))
      .finally(() => this.resolveDone());
  }

  /** Shows what is pending now, then stops following. */
  release(): void {
    this.flush();
    this.abandon();
  }

  /** The hub is stopping: no more edits. */
  abandon(): void {
    this.finishing = true;
    this.clearTimer();
    void this.chain.finally(() => this.resolveDone());
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastAt + this.intervalMs - Date.now());
    this.timer = setTimeout(() => this.flush(), wait);
    this.timer.unref();
  }

  private flush(): void {
    this.clearTimer();
    const text = this.pending;
    this.pending = null;
    if (text === null || text === this.lastText || this.finishing) return;
    this.lastText = text;
    this.lastAt = Date.now();
    this.chain = this.chain
      .then(() => this.surface.update(text))
      .catch((err: unknown) => this.logger.warn({ err }, 'progress: message not updated'));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The summary of a distribution that had ended before anyone followed it. */
function completedFrom(status: DistributionStatus): CompletedEvent {
  const { progress, record } = status;
  const attempted = progress.paid + progress.failed;
  return {
    ...progress,
    state: record.state,
    successRate: attempted === 0 ? 1 : progress.paid / attempted,
    durationMs: (record.finishedAt ?? Date.now()) - (record.startedAt ?? record.finishedAt ?? Date.now()),
  };
}
