/**
 * One progress message per followed distribution, whatever the platform: posted when the run
 * starts, edited as engine progress events arrive (at most once per interval, never with the same
 * text: Telegram refuses an identical edit, and it would only cost rate limit), and edited a last
 * time into the summary with the CSV report attached.
 *
 * Where each message lives is kept in the store (progress-places.ts), so a restarted process, which
 * resumes unfinished distributions and emits their events like any run's, carries on in the same
 * message (or a new one in the same place) and shows the summary there: an adapter calls
 * `resumeFollowing()` once connected, and a distribution that another process was running joins
 * its places here when this process takes it over and its first progress event arrives.
 *
 * A platform failure is logged and the message simply stops updating: it never reaches the engine,
 * which does not know chat exists (docs/invariants.md, States: events leave the engine, chat subscribes).
 */
import { Mutex } from 'async-mutex';
import type { Logger } from 'pino';
import type { ChatServices } from './services.js';
import { isTributaryError } from '../engine/errors.js';
import type { CompletedEvent, ProgressEvent } from '../engine/events.js';
import type { DistributionStatus } from '../engine/service.js';
import { translator, type Locale, type Translator } from '../i18n/index.js';
import { csvFileName, renderProgress, renderSummary } from './format.js';
import { ProgressPlaces, type ProgressPlace } from './progress-places.js';
import { reportAttachment } from './report-upload.js';
import type { ReplyFile } from './types.js';

export type { ProgressPlace } from './progress-places.js';

/** A message a platform can post once and then edit. */
export interface ProgressSurface {
  /** Posts the message the first time, edits it afterwards. */
  update(text: string): Promise<void>;
  /** The last edit: the summary, with the report attached. */
  finish(text: string, files: ReplyFile[]): Promise<void>;
  /** Where the message is now (its id, the channel when it moved), to be found again after a restart. */
  where?(): Pick<ProgressPlace, 'messageId' | 'channelId'>;
}

export interface ProgressHubOptions<Live = never> {
  /** Least time between two edits. Default config.distribution.progressEditIntervalMs. */
  intervalMs?: number;
  /** The platform whose places this hub serves ("discord"); needed with `open`. */
  platform?: string;
  /**
   * The surface of a place. `live` is what the adapter has of the command that started the run
   * (Discord: the interaction, whose follow-ups work 15 minutes); absent after a restart.
   */
  open?(place: ProgressPlace, live: Live | undefined, distributionId: string): ProgressSurface;
  /** Where places are kept. Default: the app store's `chat-progress` namespace. */
  places?: ProgressPlaces;
}

/** How often a distribution this hub does not follow is looked up when its events arrive. */
const JOIN_LOOKUP_MS = 10_000;
const ENDED = new Set(['completed', 'cancelled', 'expired']);

export class ProgressHub<Live = never> {
  private readonly followers = new Map<string, Follower[]>();
  private readonly onProgress = (e: ProgressEvent) => {
    if (this.followers.has(e.distributionId)) this.each(e.distributionId, (f) => f.progress(e));
    else this.join(e.distributionId);
  };
  private readonly onCompleted = (e: CompletedEvent) => this.each(e.distributionId, (f) => f.complete(e));
  private stopped = false;
  /** settle() was called: followers of stopped distributions that join later are released at once. */
  private settling = false;
  private readonly options: ProgressHubOptions<Live>;
  private readonly intervalMs: number;
  private readonly places: ProgressPlaces | null;
  /** followAt calls under way, by distribution and key: one message per place even when two start at once. */
  private readonly starting = new Map<string, Promise<void>>();
  /** When each distribution nobody here follows was last looked up (see `join`). */
  private readonly looked = new Map<string, number>();

  constructor(
    private readonly app: ChatServices,
    private readonly logger: Logger,
    opts: number | ProgressHubOptions<Live> = {},
  ) {
    const o: ProgressHubOptions<Live> = typeof opts === 'number' ? { intervalMs: opts } : opts;
    this.options = o;
    this.intervalMs = o.intervalMs ?? app.config.distribution.progressEditIntervalMs;
    this.places = o.open ? (o.places ?? new ProgressPlaces(app.store.ns('chat-progress'))) : null;
    app.engine.events.on('progress', this.onProgress);
    app.engine.events.on('completed', this.onCompleted);
  }

  /**
   * Shows `distributionId`'s progress in `place` (kept in the store, so a restarted process finds it)
   * until it ends; the adapter's `open` makes the surface. Following it in the same place again
   * (after a resume, or a restart) keeps the one message. Resolves once the summary is shown.
   */
  async followAt(distributionId: string, place: ProgressPlace, live?: Live): Promise<void> {
    const { open } = this.options;
    const places = this.places;
    if (!open || !places) throw new Error('ProgressHub.followAt needs the open option');
    const key = `${place.platform}:${place.target}`;
    const existing = this.followers.get(distributionId)?.find((f) => f.key === key);
    if (existing) return existing.done;
    const startKey = `${distributionId} ${key}`;
    const starting = this.starting.get(startKey);
    if (starting) return starting;
    const follow = this.startFollowAt(distributionId, key, place, places, open, live);
    this.starting.set(startKey, follow);
    // Once the follower is registered, `follow` finds it by key; until then this map does.
    void follow.catch(() => undefined).finally(() => this.starting.delete(startKey));
    return follow;
  }

  private async startFollowAt(
    distributionId: string,
    key: string,
    place: ProgressPlace,
    places: ProgressPlaces,
    open: NonNullable<ProgressHubOptions<Live>['open']>,
    live: Live | undefined,
  ): Promise<void> {
    const saved = await places.get(distributionId, place).catch((err: unknown) => {
      this.logger.warn({ err, distributionId }, 'progress: place not read');
      return undefined;
    });
    // Where the message already is wins; who asked last is who hears about it privately.
    const merged: ProgressPlace = {
      ...saved,
      ...place,
      ...(saved?.messageId !== undefined ? { messageId: saved.messageId } : {}),
      ...(saved?.channelId !== undefined ? { channelId: saved.channelId } : {}),
    };
    await places.save(distributionId, merged).catch((err: unknown) => this.logger.warn({ err, distributionId }, 'progress: place not saved'));
    let last = `${merged.messageId ?? ''}|${merged.channelId ?? ''}`;
    const surface = open(merged, live, distributionId);
    return this.follow(distributionId, key, surface, merged.locale, {
      moved: async (where) => {
        const now = `${where.messageId ?? ''}|${where.channelId ?? ''}`;
        if (now === last) return;
        last = now;
        const { messageId: _m, channelId: _c, ...rest } = merged;
        await places.save(distributionId, { ...rest, ...where });
      },
      shown: () => places.close(distributionId, place),
    });
  }

  /**
   * After a restart: follows again every place of this platform whose summary was never shown,
   * for distributions that run in this process or have ended. Others (paused, or run by another
   * process) are joined when their events arrive here. Returns the follows started.
   */
  async resumeFollowing(): Promise<Promise<void>[]> {
    const { platform } = this.options;
    if (!this.places || platform === undefined) return [];
    const active = new Set(this.app.engine.service.activeIds());
    const started: Promise<void>[] = [];
    for (const { distributionId, place } of await this.places.open(platform)) {
      let status: DistributionStatus;
      try {
        status = await this.app.engine.service.status(distributionId);
      } catch (err) {
        if (isTributaryError(err, 'PLAN_NOT_FOUND')) await this.places.close(distributionId, place);
        else this.logger.warn({ err, distributionId }, 'progress: not resumed');
        continue;
      }
      if (!ENDED.has(status.record.state) && !active.has(distributionId)) continue;
      started.push(this.followAt(distributionId, place).catch((err: unknown) => this.logger.warn({ err, distributionId }, 'progress: not resumed')));
    }
    return started;
  }

  /**
   * Shows `distributionId`'s progress on `surface` until it ends. `key` names the surface (a
   * channel): following the same distribution there again (after a resume) keeps the one message.
   * Resolves once the summary is shown (or could not be).
   */
  async follow(distributionId: string, key: string, surface: ProgressSurface, locale?: Locale, hooks: FollowerHooks = {}): Promise<void> {
    const existing = this.followers.get(distributionId)?.find((f) => f.key === key);
    if (existing) return existing.done;
    if (this.stopped) return;
    const status = await this.app.engine.service.status(distributionId);
    const t = translator(locale ?? this.app.config.language);
    const follower = new Follower(key, surface, status, t, this.intervalMs, this.logger.child({ distributionId, surface: key }), hooks, this.options.platform);
    const list = this.followers.get(distributionId) ?? [];
    list.push(follower);
    this.followers.set(distributionId, list);
    void follower.done.then(() => {
      const left = (this.followers.get(distributionId) ?? []).filter((f) => f !== follower);
      if (left.length) this.followers.set(distributionId, left);
      else this.followers.delete(distributionId);
    });
    if (ENDED.has(status.record.state)) {
      follower.complete(await this.app.engine.service.summary(distributionId));
    } else {
      follower.progress(status.progress, true);
      // It may have ended between the status read and the follower joining the list, with no
      // event left to tell: read once more now that every later event is caught.
      const again = await this.app.engine.service.status(distributionId);
      if (ENDED.has(again.record.state)) follower.complete(await this.app.engine.service.summary(distributionId));
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

  /** A distribution nobody here follows sends events (this process took it over): follow its open places. */
  private join(distributionId: string): void {
    const places = this.places;
    const { platform } = this.options;
    if (!places || platform === undefined || this.stopped) return;
    const last = this.looked.get(distributionId);
    if (last !== undefined && Date.now() - last < JOIN_LOOKUP_MS) return;
    this.looked.set(distributionId, Date.now());
    void places
      .open(platform, distributionId)
      .then((open) => {
        for (const { place } of open) {
          this.followAt(distributionId, place).catch((err: unknown) => this.logger.warn({ err, distributionId }, 'progress: not joined'));
        }
      })
      .catch((err: unknown) => this.logger.warn({ err, distributionId }, 'progress: places not read'));
  }
}

interface FollowerHooks {
  /** After an update or the summary went through: where the message is now. */
  moved?(where: Pick<ProgressPlace, 'messageId' | 'channelId'>): Promise<void>;
  /** The summary was shown. */
  shown?(): Promise<void>;
}

class Follower {
  readonly done: Promise<void>;
  private resolveDone!: () => void;
  private lastText: string | null = null;
  private lastAt = 0;
  private pending: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Edits of the message, one at a time in the order they were asked for. */
  private readonly edits = new Mutex();
  private finishing = false;
  private readonly symbol: string;

  constructor(
    readonly key: string,
    private readonly surface: ProgressSurface,
    status: DistributionStatus,
    private readonly t: Translator,
    private readonly intervalMs: number,
    private readonly logger: Logger,
    private readonly hooks: FollowerHooks,
    /** Whose upload limit the report must fit (report-upload.ts); none: any size goes. */
    private readonly platform?: string,
  ) {
    this.symbol = status.plan.reward.symbol;
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  progress(event: ProgressEvent, now = false): void {
    if (this.finishing) return;
    const text = renderProgress(event, this.symbol, this.t);
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
    void this.edits
      .runExclusive(async () => {
        // The summary travels with the event, the report as a file the engine wrote (engine/events.ts).
        const attachment = await reportAttachment(event.report, csvFileName(event.distributionId), this.platform, {
          id: event.distributionId,
          ...(event.reportError !== undefined ? { error: event.reportError } : {}),
        });
        const files: ReplyFile[] = attachment.file ? [attachment.file] : [];
        const summary = renderSummary(event, event.symbol, this.t, attachment.file?.name);
        await this.surface.finish(attachment.note ? `${summary}\n${this.t.say(attachment.note)}` : summary, files);
        await this.remember();
        await this.hooks.shown?.().catch((err: unknown) => this.logger.warn({ err }, 'progress: place not closed'));
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
    void this.edits.waitForUnlock().then(() => this.resolveDone());
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
    void this.edits
      .runExclusive(async () => {
        await this.surface.update(text);
        await this.remember();
      })
      .catch((err: unknown) => this.logger.warn({ err }, 'progress: message not updated'));
  }

  /** Saves where the message is, when the surface can say and a place is kept. */
  private async remember(): Promise<void> {
    const where = this.surface.where?.();
    if (!where || !this.hooks.moved) return;
    await this.hooks.moved(where).catch((err: unknown) => this.logger.warn({ err }, 'progress: place not saved'));
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }
}

/** The summary of a distribution that had ended before anyone followed it. */
