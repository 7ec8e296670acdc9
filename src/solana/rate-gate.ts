import Bottleneck from 'bottleneck';
import { setTimeout as sleep } from 'node:timers/promises';
import { PacingWindow, type BudgetAtStart } from './pacing-window.js';
import { retryAfterMs } from './retry.js';
import type { RateLimitRule } from './sliding-window.js';
import type { RpcLane, RpcRequest, RpcResponse, RpcTransport } from './transport.js';

export interface RateGateOptions {
  /** The endpoint's budget; null for none (the request still queues for concurrency and priority). */
  limit: RateLimitRule | null;
  /** HTTP requests in flight at once. */
  maxConcurrent: number;
  /** Added to each window (PacingWindow); default 50 ms, widened by each 429. */
  marginMs?: number;
  /** What the provider's window held when we started (PacingWindow); default 'full'. */
  budgetAtStart?: BudgetAtStart;
}

const LANE_PRIORITY: Record<RpcLane, number> = { interactive: 1, bulk: 6 };

/** How long a request waiting for room sleeps at most before it looks again, when only an answer in flight can make room. */
const ANSWER_WAIT_MAX_MS = 1_000;

/**
 * Paces requests to one endpoint so it never has to refuse them. Bottleneck queues by lane priority
 * and bounds concurrency; a PacingWindow, the providers' sliding-window algorithm seen from the
 * client's side (requests count from their answer; a 429 fills the window), releases each request at
 * the first moment the budget has room. Reacting to 429s alone is what made the earlier payer slow
 * (docs/solana-rpc-behaviour.md): pacing is the fix, 429 handling the safety net.
 */
export class RateGate {
  private readonly inflight: Bottleneck;
  private readonly launcher: Bottleneck;
  private readonly window: PacingWindow | null;
  private pausedUntil = 0;
  private answered: { promise: Promise<void>; resolve: () => void } = deferred();

  constructor(opts: RateGateOptions) {
    this.inflight = new Bottleneck({ maxConcurrent: opts.maxConcurrent });
    // One launch at a time, so the order of launches is the priority order of the queue.
    this.launcher = new Bottleneck({ maxConcurrent: 1 });
    this.window = opts.limit
      ? new PacingWindow(opts.limit, {
          ...(opts.marginMs !== undefined ? { marginMs: opts.marginMs } : {}),
          ...(opts.budgetAtStart ? { budgetAtStart: opts.budgetAtStart } : {}),
        })
      : null;
  }

  /** Every request of the endpoint waits after a 429: the server spoke for all of them. */
  pause(ms: number): void {
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + ms);
  }

  /** Requests waiting, by lane, for metrics. */
  queued(): { interactive: number; bulk: number } {
    return { interactive: this.inflight.queued(LANE_PRIORITY.interactive), bulk: this.inflight.queued(LANE_PRIORITY.bulk) };
  }

  wrap(inner: RpcTransport): RpcTransport {
    return (request) => {
      const priority = LANE_PRIORITY[request.lane];
      return this.inflight.schedule({ priority }, async () => {
        const started = Date.now();
        await this.launcher.schedule({ priority }, () => this.waitForRoom(request));
        if (request.trace) request.trace.queuedMs += Date.now() - started;
        let res: RpcResponse;
        try {
          res = await inner(request);
        } finally {
          // Counted from now: the provider counted it (if at all) between the send and this moment.
          this.window?.settle(request.methods);
          this.wakeWaiters();
        }
        if (res.status === 429) {
          const asked = retryAfterMs(res.headers);
          this.window?.refused(request.methods, asked);
          if (asked !== null) this.pause(asked);
        }
        return res;
      }) as Promise<RpcResponse>;
    };
  }

  private async waitForRoom(request: RpcRequest): Promise<void> {
    for (;;) {
      const now = Date.now();
      const paused = this.pausedUntil - now;
      const wait = paused > 0 ? paused : (this.window?.tryAcquire(request.methods, now) ?? 0);
      if (wait <= 0) return;
      if (Number.isFinite(wait)) {
        await sleep(wait, undefined, request.signal ? { signal: request.signal } : undefined);
      } else {
        await this.untilAnswer(request.signal);
      }
    }
  }

  /** Until a request in flight is answered (or a while, to look again), or `signal` aborts. */
  private async untilAnswer(signal: AbortSignal | undefined): Promise<void> {
    const stop = new AbortController();
    const timer = sleep(ANSWER_WAIT_MAX_MS, undefined, { signal: signal ? AbortSignal.any([signal, stop.signal]) : stop.signal });
    try {
      await Promise.race([this.answered.promise, timer]);
    } catch (e) {
      if (signal?.aborted) throw e;
    } finally {
      stop.abort();
      await timer.catch(() => undefined);
    }
  }

  private wakeWaiters(): void {
    const { resolve } = this.answered;
    this.answered = deferred();
    resolve();
  }

  async stop(): Promise<void> {
    await Promise.all([this.inflight.stop({ dropWaitingJobs: true }), this.launcher.stop({ dropWaitingJobs: true })]).catch(() => undefined);
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve: () => void = () => undefined;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
