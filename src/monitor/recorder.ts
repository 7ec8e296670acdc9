import type { CompletedEvent, EngineEventBus, ProgressEvent, SnapshotEvent, TransactionEvent } from '../engine/events.js';
import type { RpcCallEvent, RpcEventBus } from '../solana/rpc-events.js';
import { addAmount } from './bucket.js';
import type { MetricHistory } from './history.js';
import { observe } from './latency-histogram.js';
import { errorDetail, silentLogger, type MonitorLogger } from './logger.js';
import { ProcessSampler } from './process-sampler.js';
import { DAY_MS, MINUTE_MS } from './time.js';

/**
 * Feeds the minute history from the engine and RPC event buses, the process sampler and the calls the
 * app makes (cache lookups, command latency, alerts fired).
 *
 * Progress events carry cumulative counts; the history wants what happened in each minute. The recorder
 * keeps, per distribution, what it has already filed (the cursor) and files only the difference. The cursor
 * is saved with the history at every flush, so a distribution resumed after a restart is not counted twice:
 * what the crash lost from the last partial minute comes back as part of the first difference after it.
 */

/**
 * Process samples are taken every `sampleIntervalMs` with an event-loop monitor of
 * `eventLoopResolutionMs` (the config's `monitor.history` and `monitor.metrics`, whose schema is the
 * one place of their defaults); tests switch sampling off to keep buckets deterministic.
 */
export type RecorderOptions = ({ sampleProcess: false } | { sampleProcess?: true; sampleIntervalMs: number; eventLoopResolutionMs: number }) & {
  now?: () => number;
  logger?: MonitorLogger;
};

interface CursorEntry {
  reward: string;
  decimals: number;
  paid: number;
  failed: number;
  /** Base units already filed, decimal string. */
  paidAmount: string;
  /** Set once the distribution reached a final state; kept a day to ignore late events. */
  doneAt?: number;
  completedCounted?: boolean;
}

const CURSOR_META = 'recorder-cursor';
const TERMINAL: ReadonlySet<string> = new Set(['completed', 'cancelled', 'expired']);

export class HistoryRecorder {
  private readonly now: () => number;
  private readonly logger: MonitorLogger;
  private readonly sampling: { sampler: ProcessSampler; intervalMs: number } | undefined;
  private cursor = new Map<string, CursorEntry>();
  private readonly running = new Set<string>();
  private lastAccrual: number;
  private lagMinute = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly history: MetricHistory,
    options: RecorderOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.logger = options.logger ?? silentLogger;
    this.sampling = options.sampleProcess === false ? undefined : { sampler: new ProcessSampler(options.eventLoopResolutionMs), intervalMs: options.sampleIntervalMs };
    this.lastAccrual = this.now();
  }

  /** Restores the cursor and starts the process sampler (an unref'd timer). Call after `history.start()`. */
  async start(): Promise<void> {
    const saved = await this.history.getMeta<Record<string, CursorEntry>>(CURSOR_META);
    const horizon = this.now() - DAY_MS;
    for (const [id, entry] of Object.entries(saved ?? {})) {
      if (entry.doneAt !== undefined && entry.doneAt < horizon) continue;
      // Events that came before the load finished have the newer counts: keep them.
      if (!this.cursor.has(id)) this.cursor.set(id, entry);
    }
    if (this.sampling && !this.timer) {
      this.timer = setInterval(() => this.sample(), this.sampling.intervalMs);
      this.timer.unref();
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.accrue();
    this.sampling?.sampler.stop();
    this.saveCursor();
  }

  /** Subscribes to the engine; returns the unsubscribe function. */
  bindEngine(bus: EngineEventBus): () => void {
    const onProgress = (ev: ProgressEvent) => this.guard(() => this.onProgress(ev));
    const onCompleted = (ev: CompletedEvent) => this.guard(() => this.onCompleted(ev));
    const onTransaction = (ev: TransactionEvent) => this.guard(() => this.onTransaction(ev));
    const onSnapshot = (ev: SnapshotEvent) => this.guard(() => this.onSnapshot(ev));
    bus.on('progress', onProgress);
    bus.on('completed', onCompleted);
    bus.on('transaction', onTransaction);
    bus.on('snapshot', onSnapshot);
    return () => {
      bus.off('progress', onProgress);
      bus.off('completed', onCompleted);
      bus.off('transaction', onTransaction);
      bus.off('snapshot', onSnapshot);
    };
  }

  bindRpc(bus: RpcEventBus): () => void {
    const onCall = (ev: RpcCallEvent) => this.guard(() => this.onRpcCall(ev));
    const onFailover = () => this.guard(() => this.history.update((b) => (b.rpc.failovers += 1)));
    bus.on('call', onCall);
    bus.on('failover', onFailover);
    return () => {
      bus.off('call', onCall);
      bus.off('failover', onFailover);
    };
  }

  recordCache(cache: string, hit: boolean): void {
    this.history.update((b) => {
      const c = (b.cache[cache] ??= { hits: 0, misses: 0 });
      if (hit) c.hits += 1;
      else c.misses += 1;
    });
  }

  observeCommand(ms: number): void {
    this.history.update((b) => observe(b.commands, ms));
  }

  recordAlert(ruleId: string, severity: string): void {
    this.history.update((b) => {
      const a = (b.alerts[ruleId] ??= { severity, count: 0 });
      a.count += 1;
    });
  }

  /** Takes one process sample into the current minute. Public for tests and for a final sample at shutdown. */
  sample(): void {
    if (!this.sampling) return;
    const { sampler } = this.sampling;
    this.accrue();
    const s = sampler.sample();
    const minute = Math.floor(this.now() / MINUTE_MS);
    this.history.update((b) => {
      const p = b.proc;
      p.cpuMicros += s.cpuMicros;
      p.wallMs += s.wallMs;
      p.rssMax = Math.max(p.rssMax, s.rss);
      p.heapMax = Math.max(p.heapMax, s.heapUsed);
      p.lagP99Ms = Math.max(p.lagP99Ms, s.lagP99Ms);
      p.lagMaxMs = Math.max(p.lagMaxMs, s.lagMaxMs);
      p.samples += 1;
    });
    // The delay histogram restarts each minute, so a minute's p99 is its own and not a running one.
    if (minute !== this.lagMinute) {
      sampler.resetLag();
      this.lagMinute = minute;
    }
  }

  private guard(fn: () => void): void {
    // An event listener that throws would surface in the engine's emit(): monitoring must never break a payout.
    try {
      fn();
    } catch (err) {
      this.logger.error({ err: errorDetail(err) }, 'monitor recorder: event not recorded');
    }
  }

  private onRpcCall(ev: RpcCallEvent): void {
    this.history.update((b) => {
      b.rpc.requests += 1;
      if (!ev.ok) b.rpc.errors += 1;
      if (ev.rateLimited > 0) b.rpc.rateLimitedCalls += 1;
      b.rpc.http429 += ev.rateLimited;
      b.rpc.queueMsMax = Math.max(b.rpc.queueMsMax, ev.queuedMs);
      observe(b.rpc.latency, ev.durationMs);
    });
  }

  private onTransaction(ev: TransactionEvent): void {
    this.history.update((b) => {
      b.tx[ev.outcome] += 1;
    });
  }

  private onSnapshot(ev: SnapshotEvent): void {
    this.history.update((b) => {
      b.snapshots.count += 1;
      b.snapshots.holdersMax = Math.max(b.snapshots.holdersMax, ev.holders);
      b.snapshots.durationMsMax = Math.max(b.snapshots.durationMsMax, ev.durationMs);
    });
  }

  private onProgress(ev: ProgressEvent): void {
    this.accrue();
    this.file(ev);
    if (ev.state === 'running') this.running.add(ev.distributionId);
    else this.running.delete(ev.distributionId);
  }

  private onCompleted(ev: CompletedEvent): void {
    this.accrue();
    const entry = this.file(ev);
    this.running.delete(ev.distributionId);
    if (!entry || entry.completedCounted) return;
    entry.completedCounted = true;
    entry.doneAt ??= this.now();
    this.history.update((b) => {
      b.distributions.completed += 1;
      b.completed.push({
        id: ev.distributionId,
        reward: ev.reward,
        decimals: ev.decimals,
        paid: ev.paid,
        failed: ev.failed,
        paidAmount: ev.paidAmount,
        successRate: ev.successRate,
        durationMs: ev.durationMs,
      });
    });
    this.saveCursor();
  }

  /** Files what a cumulative event adds to what the cursor already holds. */
  private file(ev: ProgressEvent): CursorEntry | undefined {
    let entry = this.cursor.get(ev.distributionId);
    if (!entry) {
      // Previews and confirmations carry no payments; a distribution starts counting when it runs.
      if (ev.state !== 'running' && ev.paid + ev.failed === 0 && !TERMINAL.has(ev.state)) return undefined;
      entry = { reward: ev.reward, decimals: ev.decimals, paid: 0, failed: 0, paidAmount: '0' };
      this.cursor.set(ev.distributionId, entry);
      this.history.update((b) => (b.distributions.started += 1));
    }
    const paid = Math.max(0, ev.paid - entry.paid);
    const failed = Math.max(0, ev.failed - entry.failed);
    const total = BigInt(ev.paidAmount);
    const amount = total - BigInt(entry.paidAmount);
    if (paid > 0 || failed > 0 || amount > 0n) {
      this.history.update((b) => {
        b.recipients.paid += paid;
        b.recipients.failed += failed;
        if (amount > 0n) addAmount(b, ev.reward, ev.decimals, amount);
      });
    }
    entry.paid = Math.max(entry.paid, ev.paid);
    entry.failed = Math.max(entry.failed, ev.failed);
    if (amount > 0n) entry.paidAmount = total.toString();
    if (TERMINAL.has(ev.state)) entry.doneAt ??= this.now();
    this.saveCursor();
    return entry;
  }

  /** Adds the time distributions were running to each minute it spans. */
  private accrue(): void {
    const now = this.now();
    let from = this.lastAccrual;
    this.lastAccrual = now;
    if (this.running.size === 0 || now <= from) return;
    // Long gaps (a suspended laptop) are not a running distribution's throughput time; cap at an hour.
    from = Math.max(from, now - 60 * MINUTE_MS);
    while (from < now) {
      const end = Math.min(now, (Math.floor(from / MINUTE_MS) + 1) * MINUTE_MS);
      const span = end - from;
      this.history.update((b) => (b.distributions.runningMs += span), from);
      from = end;
    }
  }

  private saveCursor(): void {
    const horizon = this.now() - DAY_MS;
    for (const [id, e] of this.cursor) if (e.doneAt !== undefined && e.doneAt < horizon) this.cursor.delete(id);
    this.history.setMeta(CURSOR_META, Object.fromEntries(this.cursor));
  }
}
