import { Mutex } from 'async-mutex';
import type Keyv from 'keyv';
import { emptyBucket, mergeBucket, type MinuteBucket } from './bucket.js';
import { errorDetail, silentLogger, type MonitorLogger } from './logger.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './time.js';

/**
 * One-minute time series kept in a Keyv namespace: what alerts evaluate and daily reports total.
 *
 * Layout: one key per UTC hour, `h:<hour start ms>`, holding at most 60 minute buckets, plus an index
 * `hours` of the hour keys written. An hour, not a day, per key: the current hour is rewritten at every
 * flush, and rewriting ~60 buckets a minute is cheap where a day's 1,440 would not be. The index is what
 * lets old hours be deleted exactly (TTL alone leaves rows behind on some adapters until read again).
 *
 * The current and previous hours live in memory, so an alert window of up to an hour costs no read.
 */

/** The settings are the config's (`monitor.history`): its schema is the one place of their defaults. */
export interface HistoryOptions {
  /** Days kept. */
  retentionDays: number;
  /** Flush period, ms. */
  flushIntervalMs: number;
  now?: () => number;
  logger?: MonitorLogger;
}

interface HourRecord {
  v: 1;
  /** Hour start, UTC ms. */
  hour: number;
  /** Minute of the hour ("0".."59") to bucket. */
  minutes: Record<string, MinuteBucket>;
}

const INDEX_KEY = 'hours';
const META_PREFIX = 'meta:';

function hourKey(hour: number): string {
  return `h:${hour}`;
}

export class MetricHistory {
  readonly retentionDays: number;
  private readonly flushIntervalMs: number;
  private readonly now: () => number;
  private readonly logger: MonitorLogger;
  private readonly hours = new Map<number, HourRecord>();
  private readonly dirty = new Set<number>();
  private readonly pendingMeta = new Map<string, unknown>();
  private index: number[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly flushing = new Mutex();
  private lastPrune = 0;
  /** Last store failure, for /healthz; cleared by the next successful flush. */
  lastFlushError: string | undefined;

  constructor(
    private readonly store: Keyv,
    options: HistoryOptions,
  ) {
    this.retentionDays = options.retentionDays;
    this.flushIntervalMs = options.flushIntervalMs;
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
  }

  /** Loads the current and previous hours and starts the periodic flush (an unref'd timer). */
  async start(): Promise<void> {
    this.index = ((await this.store.get<number[]>(INDEX_KEY)) ?? []).filter((h) => Number.isFinite(h));
    const current = Math.floor(this.now() / HOUR_MS) * HOUR_MS;
    for (const hour of [current - HOUR_MS, current]) {
      const stored = await this.store.get<HourRecord>(hourKey(hour));
      if (!stored) continue;
      const live = this.hours.get(hour);
      if (!live) {
        this.hours.set(hour, stored);
        continue;
      }
      // Events recorded before the load finished: fold the stored minutes into the live ones.
      for (const [m, b] of Object.entries(stored.minutes)) {
        const mine = live.minutes[m];
        if (mine) mergeBucket(mine, b);
        else live.minutes[m] = b;
      }
      this.dirty.add(hour);
    }
    this.timer ??= setInterval(() => void this.flush(), this.flushIntervalMs);
    // A monitor must never be what keeps the process alive.
    this.timer.unref();
    await this.prune();
  }

  /** Stops the timer and writes what is pending. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }

  /**
   * Changes the bucket of the current minute. The only write path, so every recorder shares one clock.
   * `at` lets an event be filed under the minute it happened when that is still in memory.
   */
  update(fn: (bucket: MinuteBucket) => void, at?: number): void {
    fn(this.bucketAt(at ?? this.now()));
  }

  /** The bucket for an instant (created empty), in the in-memory hours; an older instant falls in the current minute. */
  private bucketAt(ms: number): MinuteBucket {
    const now = this.now();
    const t = ms <= now && ms > now - HOUR_MS ? ms : now;
    const minute = Math.floor(t / MINUTE_MS) * MINUTE_MS;
    const hour = Math.floor(minute / HOUR_MS) * HOUR_MS;
    let rec = this.hours.get(hour);
    if (!rec) {
      rec = { v: 1, hour, minutes: {} };
      this.hours.set(hour, rec);
      this.evict(hour);
    }
    this.dirty.add(hour);
    const m = String((minute - hour) / MINUTE_MS);
    let bucket = rec.minutes[m];
    if (!bucket) {
      bucket = emptyBucket(minute);
      rec.minutes[m] = bucket;
    }
    return bucket;
  }

  /** Keeps the current and previous hour in memory; an older one goes once it is on disk. */
  private evict(current: number): void {
    for (const hour of this.hours.keys()) {
      if (hour < current - HOUR_MS && !this.dirty.has(hour)) this.hours.delete(hour);
    }
  }

  /**
   * Buckets with a minute start in [from, to), oldest first. Buckets from memory are the live objects:
   * read them, never change them.
   */
  async range(from: number, to: number): Promise<MinuteBucket[]> {
    const out: MinuteBucket[] = [];
    const firstHour = Math.floor(from / HOUR_MS) * HOUR_MS;
    for (let hour = firstHour; hour < to; hour += HOUR_MS) {
      const rec = this.hours.get(hour) ?? (await this.read(hour));
      if (!rec) continue;
      const minutes = Object.values(rec.minutes).sort((a, b) => a.t - b.t);
      for (const b of minutes) if (b.t + MINUTE_MS > from && b.t < to) out.push(b);
    }
    return out;
  }

  /** The last `windowMs` of buckets up to now, the current partial minute included. */
  recent(windowMs: number): Promise<MinuteBucket[]> {
    const now = this.now();
    return this.range(now - windowMs, now + 1);
  }

  private async read(hour: number): Promise<HourRecord | undefined> {
    try {
      return await this.store.get<HourRecord>(hourKey(hour));
    } catch (err) {
      this.logger.warn({ err: errorDetail(err), hour }, 'monitor history: read failed');
      return undefined;
    }
  }

  /** Small state other monitor parts keep next to the series (written at the next flush). */
  setMeta(key: string, value: unknown): void {
    this.pendingMeta.set(key, value);
  }

  async getMeta<T>(key: string): Promise<T | undefined> {
    if (this.pendingMeta.has(key)) return this.pendingMeta.get(key) as T;
    return this.store.get<T>(META_PREFIX + key);
  }

  /** Writes the hours changed since the last flush. Serialised: a slow store never sees two flushes at once. */
  flush(): Promise<void> {
    return this.flushing.runExclusive(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    const ttl = (this.retentionDays + 1) * DAY_MS;
    try {
      for (const hour of [...this.dirty].sort((a, b) => a - b)) {
        const rec = this.hours.get(hour);
        this.dirty.delete(hour);
        if (!rec) continue;
        try {
          await this.mustSet(hourKey(hour), rec, ttl);
        } catch (err) {
          this.dirty.add(hour);
          throw err;
        }
        if (!this.index.includes(hour)) {
          this.index.push(hour);
          this.index.sort((a, b) => a - b);
          await this.mustSet(INDEX_KEY, this.index);
        }
      }
      for (const [key, value] of [...this.pendingMeta]) {
        await this.mustSet(META_PREFIX + key, value);
        if (this.pendingMeta.get(key) === value) this.pendingMeta.delete(key);
      }
      this.lastFlushError = undefined;
      this.evict(Math.floor(this.now() / HOUR_MS) * HOUR_MS);
      if (this.now() - this.lastPrune > HOUR_MS) await this.prune();
    } catch (err) {
      this.lastFlushError = errorDetail(err).message;
      this.logger.warn({ err: errorDetail(err) }, 'monitor history: flush failed, will retry');
    }
  }

  private async mustSet(key: string, value: unknown, ttl?: number): Promise<void> {
    // Keyv reports many adapter failures as `false` (and an 'error' event) rather than a rejection.
    const ok = await this.store.set(key, value, ttl);
    if (!ok) throw new Error(`store refused to write ${key}`);
  }

  /** Deletes hours older than the retention. */
  async prune(): Promise<void> {
    this.lastPrune = this.now();
    const cutoff = this.now() - this.retentionDays * DAY_MS;
    const old = this.index.filter((h) => h < cutoff);
    if (old.length === 0) return;
    try {
      for (const hour of old) await this.store.delete(hourKey(hour));
      this.index = this.index.filter((h) => h >= cutoff);
      await this.mustSet(INDEX_KEY, this.index);
    } catch (err) {
      this.logger.warn({ err: errorDetail(err) }, 'monitor history: prune failed');
    }
  }
}
